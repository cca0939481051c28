"""BigCommerce JSON (v2 orders, shipments, products, store, payment methods; v3 consent) mapped into the internal
models."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

from plugin.keys import ShopRef
from plugin.platform import Destination, Order, OrderLine, Shipment, ShopFacts

# Order status ids (GET /v2/order_statuses) -> internal order status.
OPEN, CANCELLED, FULFILLED, PARTIALLY_FULFILLED = "open", "cancelled", "fulfilled", "partially_fulfilled"
ORDER_STATUSES: Mapping[int, str] = {
    0: OPEN,  # Incomplete
    1: OPEN,  # Pending
    2: FULFILLED,  # Shipped
    3: PARTIALLY_FULFILLED,  # Partially Shipped
    4: CANCELLED,  # Refunded
    5: CANCELLED,  # Cancelled
    6: CANCELLED,  # Declined
    7: OPEN,  # Awaiting Payment
    8: OPEN,  # Awaiting Pickup
    9: OPEN,  # Awaiting Shipment
    10: FULFILLED,  # Completed
    11: OPEN,  # Awaiting Fulfillment
    12: OPEN,  # Manual Verification Required
    13: OPEN,  # Disputed
    14: OPEN,  # Partially Refunded: a payment state; shipments decide below
}
COMPLETED_STATUS_ID = 10  # "shipped and receipt confirmed": its shipments count as delivered
MARKETING_CONSENT_CATEGORY = "targeting"


def parse_datetime(value: Any) -> datetime | None:
    """v2 dates are RFC 2822 ("Tue, 20 Nov 2012 00:00:00 +0000"); v3 dates are ISO 8601."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def money(value: Any) -> Decimal:
    """v2 money is a string like "225.0000"; str() keeps a float's shortest form."""
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        raise ValueError(f"not an amount: {value!r}") from None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _id(value: Any) -> str | None:
    """BigCommerce uses 0 for "no customer" (guest checkout)."""
    if isinstance(value, int) and value > 0:
        return str(value)
    if isinstance(value, str) and value.isdigit() and int(value) > 0:
        return value
    return None


def order_status(status_id: Any, shipment_count: int) -> str:
    status = ORDER_STATUSES.get(status_id if isinstance(status_id, int) else -1, OPEN)
    if status == OPEN and status_id == 14 and shipment_count:
        return FULFILLED
    return status


def shipment_from_bigcommerce(data: Mapping[str, Any], *, delivered: bool) -> Shipment:
    # A v2 shipment exists once goods left: it has no carrier status of its own.
    return Shipment(
        id=str(data.get("id", "")),
        status="delivered" if delivered else "in_transit",
        carrier=_text(data.get("shipping_provider_display_name"))
        or _text(data.get("tracking_carrier"))
        or _text(data.get("shipping_provider")),
        tracking_number=_text(data.get("tracking_number")),
        tracking_url=_text(data.get("tracking_link")) or _text(data.get("generated_tracking_link")),
        updated_at=parse_datetime(data.get("date_created")),
        shipped_at=parse_datetime(data.get("date_created")),
        # v2 reports no delivery moment (only the order's "Completed" status): nothing to learn transit from.
    )


def destination_from_bigcommerce(addresses: Sequence[Mapping[str, Any]]) -> tuple[Destination | None, str | None]:
    """GET /v2/orders/{id}/shipping_addresses -> the first address's country_iso2 and zip, and its
    shipping_method (the method's name as the checkout showed it). `state` is a full name ("California"), not a
    code the zones use, so it is left out."""
    first = next(iter(addresses), None)
    if first is None:
        return None, None
    country = _text(first.get("country_iso2"))
    destination = None if country is None else Destination(country.upper(), None, _text(first.get("zip")))
    return destination, _text(first.get("shipping_method"))


def line_from_bigcommerce(data: Mapping[str, Any]) -> OrderLine:
    quantity = data.get("quantity")
    return OrderLine(
        title=str(data.get("name") or ""),
        quantity=quantity if isinstance(quantity, int) else int(str(quantity or 0)),
        sku=_text(data.get("sku")),
        product_id=_id(data.get("product_id")),
    )


def consent_state(consent: Mapping[str, Any] | None) -> str | None:
    """GET /v3/customers/{id}/consent -> subscribed / not_subscribed; None when unknown.

    BigCommerce records consent per storefront category; "targeting" is the one that covers marketing."""
    if consent is None:
        return None
    data = consent.get("data", consent)
    allow = data.get("allow") if isinstance(data, Mapping) else None
    if not isinstance(allow, list):
        return None
    return "subscribed" if MARKETING_CONSENT_CATEGORY in allow else "not_subscribed"


def order_from_bigcommerce(
    shop: ShopRef,
    order: Mapping[str, Any],
    *,
    shipments: Sequence[Mapping[str, Any]] = (),
    products: Sequence[Mapping[str, Any]] = (),
    consent: Mapping[str, Any] | None = None,
    shipping_addresses: Sequence[Mapping[str, Any]] = (),
) -> Order:
    created = parse_datetime(order.get("date_created"))
    if created is None or order.get("id") is None:
        raise ValueError("order has no id or date_created")
    billing = order.get("billing_address")
    billing = billing if isinstance(billing, Mapping) else {}
    status_id = order.get("status_id")
    destination, shipping_method = destination_from_bigcommerce(shipping_addresses)
    return Order(
        shop=shop,
        id=str(order["id"]),
        name=f"#{order['id']}",
        created_at=created,
        updated_at=parse_datetime(order.get("date_modified")) or created,
        currency=str(order.get("currency_code") or order.get("default_currency_code") or ""),
        total=money(order.get("total_inc_tax")),
        status=order_status(status_id, len(shipments)),
        customer_id=_id(order.get("customer_id")),
        email=_text(billing.get("email")),
        first_name=_text(billing.get("first_name")),
        locale=_text(order.get("customer_locale")),
        email_marketing_consent=consent_state(consent),
        cart_id=_text(order.get("cart_id")),  # "" for orders not placed from a storefront cart
        lines=tuple(line_from_bigcommerce(product) for product in products),
        shipments=tuple(
            shipment_from_bigcommerce(shipment, delivered=status_id == COMPLETED_STATUS_ID) for shipment in shipments
        ),
        destination=destination,
        shipping_method=shipping_method,
    )


def _money_format(store: Mapping[str, Any]) -> str:
    symbol = str(store.get("currency_symbol") or "")
    if str(store.get("currency_symbol_location", "left")).lower() == "right":
        return "{{amount}}" + symbol
    return symbol + "{{amount}}"


def shop_facts_from_store(shop: ShopRef, store: Mapping[str, Any]) -> ShopFacts:
    """GET /v2/store -> ShopFacts. `extra` keeps what shipping and emails need (weight unit, URLs)."""
    timezone = store.get("timezone")
    domains: list[str] = []
    for candidate in (store.get("domain"), urlsplit(str(store.get("secure_url") or "")).hostname):
        if isinstance(candidate, str) and candidate and candidate not in domains:
            domains.append(candidate.lower())
    extra_fields = ("weight_units", "dimension_units", "secure_url", "control_panel_base_url", "plan_name", "phone")
    return ShopFacts(
        shop=shop,
        name=str(store.get("name") or shop.id),
        currency=str(store.get("currency") or ""),
        timezone=str(timezone.get("name") or "UTC") if isinstance(timezone, Mapping) else "UTC",
        country=str(store.get("country_code") or ""),
        money_format=_money_format(store),
        locale=str(store.get("language") or "en"),
        email=_text(store.get("order_email")) or _text(store.get("admin_email")),
        domains=tuple(domains),
        extra={field: store[field] for field in extra_fields if store.get(field) not in (None, "")},
    )


def payment_methods_from(rows: Any) -> tuple[str, ...]:
    """GET /v2/payments/methods (reference "Payment Methods", v2) -> the names of live methods.

    Each row is {code, name, test_mode}. A gateway in test mode takes no real payments, so it is left out. The
    reference warns the list may miss some enabled providers: it says what the store accepts, never what it
    does not."""
    if not isinstance(rows, list):
        return ()
    names = (
        str(row["name"]).strip()
        for row in rows
        if isinstance(row, Mapping) and isinstance(row.get("name"), str) and row.get("test_mode") is not True
    )
    return tuple(dict.fromkeys(name for name in names if name))
