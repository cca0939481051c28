"""The order projection from what a delivery carries: the order itself, or one shipment merged into the stored
order; a fetch through the platform only when the delivery carries ids only (BigCommerce), is incomplete, or
names a shipment the stored order does not have yet.

Runs after `webhooks.ownership` confirmed the order is the shop's. Older states never overwrite newer ones: a
whole order goes through `record_order` (write if newer), a merged shipment through a compare-and-set on the
stored state, retried when another worker changed it meanwhile.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import Any

from plugin.errors import NotFoundError
from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.platform import Order, PayloadOrders, ShipmentChange
from plugin.retention import retention_seconds
from plugin.services import Services
from plugin.storage import as_optional_text
from webhooks.handlers.orders import order_key, record_order, refresh_order, shipment_state
from webhooks.ownership import RECONCILE_TOPIC, OrderNotConfirmed, remember_owned

log = logging.getLogger(__name__)

MERGE_ATTEMPTS = 5

# Replace the stored state only if it is still the one the merge started from.
_COMPARE_AND_SET = """
if redis.call('HGET', KEYS[1], 'state') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'updated_ms', ARGV[2], 'status', ARGV[3], 'state', ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return 1
"""


def _when(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def merge_shipment(state: dict[str, Any], change: ShipmentChange) -> dict[str, Any] | None:
    """The stored order state with `change` applied; the same state when the change is older than what is
    stored; None when it cannot be applied (a status for a shipment the state does not have)."""
    shipments: list[dict[str, Any]] = [dict(s) for s in state.get("shipments") or ()]
    new = change.shipment
    index = next((i for i, s in enumerate(shipments) if str(s.get("id")) == new.id), None)
    if index is None:
        if not change.complete:
            return None
        shipments.append(shipment_state(new))
    else:
        old = shipments[index]
        stored_at = _when(old.get("updated_at"))
        if stored_at is not None and new.updated_at is not None and new.updated_at < stored_at:
            return state  # a late delivery about an earlier moment of this shipment
        merged = {**old, "status": new.status, "updated_at": new.updated_at.isoformat() if new.updated_at else None}
        if new.delivered_at is not None:  # a status-only change (fulfillment event) may carry the moment
            merged["delivered_at"] = new.delivered_at.isoformat()
        if change.complete:
            merged.update(
                carrier=new.carrier or old.get("carrier"),
                tracking_number=new.tracking_number or old.get("tracking_number"),
                tracking_url=new.tracking_url or old.get("tracking_url"),
                shipped_at=new.shipped_at.isoformat() if new.shipped_at else old.get("shipped_at"),
            )
        shipments[index] = merged
    status = str(state.get("status"))
    if status == "open" and change.complete and new.status != "cancelled":
        # One fulfillment of an open order: the whole order only when it carries every item.
        whole = change.quantity is not None and change.quantity >= int(state.get("quantity") or 0) > 0
        status = "fulfilled" if whole else "partially_fulfilled"
    updated = max(
        (moment for moment in (_when(state.get("updated_at")), new.updated_at) if moment is not None),
        default=None,
    )
    return {
        **state,
        "status": status,
        "shipments": shipments,
        "updated_at": updated.isoformat() if updated else state.get("updated_at"),
    }


async def merge_into_stored(services: Services, shop: ShopRef, change: ShipmentChange) -> bool:
    """Apply `change` to the stored order; False when there is nothing to apply it to (fetch instead)."""
    key = order_key(services.keys, shop, change.order_id)
    for _ in range(MERGE_ATTEMPTS):
        text = as_optional_text(await services.redis.hget(key, "state"))
        if text is None:
            return False
        state = json.loads(text)
        merged = merge_shipment(state, change) if isinstance(state, dict) else None
        if merged is None:
            return False
        if merged is state:
            log.info("older shipment state ignored", extra={"shop": shop.tag, "order": change.order_id})
            return True
        updated = _when(merged.get("updated_at"))
        written = await services.redis.eval(
            _COMPARE_AND_SET,
            1,
            key,
            text,
            int(updated.timestamp() * 1000) if updated else 0,
            str(merged["status"]),
            json.dumps(merged),
            retention_seconds(services.settings.retention_days),
        )
        if written:
            return True
    return False  # changed under us every time: the fetch settles it


async def project_order(services: Services, event: PlatformEvent) -> Order | None:
    """Keep the newest state of the event's order; the order when a whole one was delivered or fetched."""
    if event.order_id is None or not await services.shops.is_active(event.shop):
        return None
    platform = services.platforms[event.shop.platform]
    delivered = None
    if isinstance(platform, PayloadOrders) and event.source_topic != RECONCILE_TOPIC:
        delivered = platform.state_from_payload(event)
    if isinstance(delivered, Order) and delivered.id == event.order_id:
        if not await record_order(services, delivered):
            log.info("older order state ignored", extra={"shop": event.shop.tag, "order": delivered.id})
        return delivered
    if isinstance(delivered, ShipmentChange) and delivered.order_id == event.order_id:
        if await merge_into_stored(services, event.shop, delivered):
            return None
    try:
        order = await refresh_order(services, event)
    except NotFoundError as exc:
        # Platforms index new orders with a delay: not found yet is retried with backoff, then dead-lettered.
        raise OrderNotConfirmed(str(exc)) from exc
    if order is not None:
        await remember_owned(services, event.shop, [order.id])  # fetched with the shop's own token
    return order
