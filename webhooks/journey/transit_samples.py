"""An order's delivered shipments become transit samples for the shop's learned delivery times and on-time rate:
the business days from fulfilment to delivery, for the zone and method the order's destination and shipping line
fall in, against the window its confirmation promised."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime

from plugin.email.records import journey_key
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text
from webhooks.journey.window import compiled_shop, promise_for_order
from widgets.estimator.learning import DeliverySample, record_delivery, shipment_token

UNMATCHED_METHOD = ""  # a shipping line no storefront option is named after: counts for the zone's on-time rate


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def promised_latest(window: str | None) -> date | None:
    """The last day of a journey's stored window ("2026-11-05/2026-11-09")."""
    if not window or "/" not in window:
        return None
    try:
        return date.fromisoformat(window.split("/", 1)[1])
    except ValueError:
        return None


def _timed_deliveries(state: Mapping[str, object]) -> list[tuple[str, datetime, datetime]]:
    found = []
    for shipment in state.get("shipments") or ():  # type: ignore[attr-defined]
        if not isinstance(shipment, Mapping) or shipment.get("status") != "delivered":
            continue
        shipped, delivered = _moment(shipment.get("shipped_at")), _moment(shipment.get("delivered_at"))
        if shipped is not None and delivered is not None and delivered >= shipped:
            found.append((str(shipment.get("id")), shipped, delivered))
    return found


async def learn_from_order(
    services: Services, shop: ShopRef, order_id: str, state: Mapping[str, object], *, now: datetime | None = None
) -> int:
    """Record the order's delivered shipments whose platform reported both moments; how many were new."""
    deliveries = _timed_deliveries(state)
    if not deliveries or state.get("status") == "cancelled":
        return 0
    loaded = await compiled_shop(services, shop)
    if loaded is None:
        return 0
    storefront, compiled = loaded
    promise = promise_for_order(storefront, compiled, state)
    if promise is None or promise.zone_id is None:
        return 0
    window = as_optional_text(await services.redis.hget(journey_key(services, shop, order_id), "window"))
    latest = promised_latest(window)
    local = compiled.calendar.timezone
    recorded = 0
    for shipment_id, shipped_at, delivered_at in deliveries:
        shipped, delivered = shipped_at.astimezone(local).date(), delivered_at.astimezone(local).date()
        sample = DeliverySample(
            token=shipment_token(order_id, shipment_id),
            zone_id=promise.zone_id,
            method=promise.method or UNMATCHED_METHOD,
            shipped=shipped,
            delivered=delivered,
            business_days=compiled.calendar.business_days_between(shipped, delivered),
            promised_latest=latest,
        )
        recorded += await record_delivery(services, shop, sample, now or datetime.now(UTC))
    return recorded
