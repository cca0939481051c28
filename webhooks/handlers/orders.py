"""Keeps each order's latest known state, whatever order the platform's deliveries arrive in."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from datetime import datetime

from plugin.events import PlatformEvent
from plugin.keys import Keys, ShopRef
from plugin.platform import Order, Shipment
from plugin.retention import retention_seconds
from plugin.services import Services
from plugin.shop_index import index_key

log = logging.getLogger(__name__)

# Write only when newer: an older update (redelivered late, or fetched before a newer one) never overwrites.
# KEYS[2] is the shop's order index (plugin.shop_index, same slot): ARGV[5] the order id, ARGV[6] its expiry.
_WRITE_IF_NEWER = """
local current = tonumber(redis.call('HGET', KEYS[1], 'updated_ms') or '-1')
if current > tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'updated_ms', ARGV[1], 'status', ARGV[2], 'state', ARGV[3])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('ZADD', KEYS[2], ARGV[6], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""


def order_key(keys: Keys, shop: ShopRef, order_id: str) -> str:
    return keys.shop(shop, "order", order_id)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def shipment_state(shipment: Shipment) -> dict[str, object]:
    return {
        **asdict(shipment),
        "updated_at": _iso(shipment.updated_at),
        "shipped_at": _iso(shipment.shipped_at),
        "delivered_at": _iso(shipment.delivered_at),
    }


def order_state(order: Order) -> dict[str, object]:
    """What the app keeps about an order: status and shipments, its products' ids (they choose the delivery
    profile), and of the customer only the id and the destination's country/province/postcode (the confirmation's
    delivery window is for them); no name, street or contact (fetched again when needed)."""
    return {
        "id": order.id,
        "name": order.name,
        "status": order.status,
        "currency": order.currency,
        "total": str(order.total),
        "created_at": order.created_at.isoformat(),
        "updated_at": order.updated_at.isoformat(),
        "customer_id": order.customer_id,
        "quantity": sum(line.quantity for line in order.lines),  # tells a partial fulfillment from a whole one
        "items": [[line.product_id, line.variant_id, line.quantity] for line in order.lines if line.product_id],
        "shipments": [shipment_state(shipment) for shipment in order.shipments],
        "destination": None if order.destination is None else asdict(order.destination),
        "shipping_method": order.shipping_method,
    }


async def record_order(services: Services, order: Order) -> bool:
    """Store `order` unless a newer state is already stored; True when written."""
    updated_ms = int(order.updated_at.timestamp() * 1000)
    keep = retention_seconds(services.settings.retention_days)
    written = await services.redis.eval(
        _WRITE_IF_NEWER,
        2,
        order_key(services.keys, order.shop, order.id),
        index_key(services.keys, order.shop, "order"),
        updated_ms,
        order.status,
        json.dumps(order_state(order)),
        keep,
        order.id,
        f"{time.time() + keep:.3f}",
    )
    return bool(written)


async def refresh_order(services: Services, event: PlatformEvent) -> Order | None:
    """Fetch the order's current state through the platform and keep it if it is the newest we have; the order
    as fetched, or None when the event concerns no order of an active shop."""
    if event.order_id is None or not await services.shops.is_active(event.shop):
        return None
    platform = services.platforms[event.shop.platform]
    order = await platform.fetch_order(event.shop, event.order_id)
    if not await record_order(services, order):
        log.info("older order state ignored", extra={"shop": event.shop.tag, "order": order.id})
    return order
