"""What merchant-written email texts may use: a small, flat set of plain values (never live objects)."""

from __future__ import annotations

from typing import Any


def template_variables(
    *,
    shop_name: str,
    order_name: str,
    order_total: str,
    first_name: str | None,
    carrier: str | None = None,
    tracking_number: str | None = None,
    tracking_url: str | None = None,
    delivery_window: str | None = None,
) -> dict[str, Any]:
    # Missing values are empty strings, so `{% if shipment.carrier %}` works and nothing renders "None".
    return {
        "customer": {"first_name": first_name or ""},
        "order": {"name": order_name, "total": order_total},
        "shop": {"name": shop_name},
        "shipment": {
            "carrier": carrier or "",
            "tracking_number": tracking_number or "",
            "tracking_url": tracking_url or "",
        },
        "delivery": {"window": delivery_window or ""},
    }


def sample_variables() -> dict[str, Any]:
    """The sample order previews and template checks render with."""
    return template_variables(
        shop_name="Sample Shop",
        order_name="#1001",
        order_total="€42.50",
        first_name="Alex",
        carrier="DHL",
        tracking_number="00340434161094042557",
        tracking_url="https://tracking.example/00340434161094042557",
        delivery_window="Nov 25 – Nov 27",
    )
