"""Orders per holdout variant and shop-local day: the numerator of the dashboard's order conversion.

The storefront script tags a consenting shopper's cart with `_upfront_variant` (a Shopify cart attribute, so the
order carries it in `note_attributes`). `record_order_conversion` counts an order once whatever redeliveries
arrive (a marker per order id, set together with the count in one script); the composition root wraps the
order-created handler with `with_order_conversions`, which reads the attribute from the webhook payload.
No person is named: only the order id in the marker and counts per variant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from redis.asyncio import Redis

from plugin.events import ORDER_CREATED, PlatformEvent
from plugin.keys import Keys, ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts

VARIANT_ATTRIBUTE = "_upfront_variant"
VARIANTS = ("treatment", "control")
KEEP_SECONDS = 400 * 86400

_COUNT_ONCE = """
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'EX', ARGV[2]) then
  redis.call('HINCRBY', KEYS[2], ARGV[1], 1)
  redis.call('EXPIRE', KEYS[2], ARGV[2])
  return 1
end
return 0
"""


def conversions_key(keys: Keys, shop: ShopRef, day: date) -> str:
    return keys.shop(shop, "conversions", day.isoformat())


def _marker_key(keys: Keys, shop: ShopRef, order_id: str) -> str:
    return keys.shop(shop, "conversions", "order", order_id)


def variant_of_order(note_attributes: Mapping[str, str]) -> str | None:
    found = note_attributes.get(VARIANT_ATTRIBUTE)
    return found if found in VARIANTS else None


async def record_order_conversion(
    redis: Redis, keys: Keys, shop: ShopRef, order_id: str, variant: str, day: date
) -> bool:
    """Count the order for its variant on `day` (shop-local order date); False when it was counted before."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}")
    counted = await redis.eval(
        _COUNT_ONCE, 2, _marker_key(keys, shop, order_id), conversions_key(keys, shop, day), variant, KEEP_SECONDS
    )
    return bool(counted)


async def read_conversions(redis: Redis, keys: Keys, shop: ShopRef, days: list[date]) -> dict[date, dict[str, int]]:
    async with redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hgetall(conversions_key(keys, shop, day))
        found = await pipe.execute()
    return {
        day: {variant: int(raw.get(variant, 0)) for variant in VARIANTS} for day, raw in zip(days, found, strict=True)
    }


# --- from the order webhook --------------------------------------------------------------------------------------

OrderHandler = Callable[[Services, PlatformEvent], Awaitable[None]]


def _attributes(payload: Mapping[str, Any]) -> dict[str, str]:
    """Shopify's `note_attributes: [{name, value}]` as a mapping (absent or malformed: empty)."""
    found: dict[str, str] = {}
    raw = payload.get("note_attributes")
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            found[item["name"]] = str(item.get("value", ""))
    return found


async def count_order_conversion(services: Services, event: PlatformEvent) -> bool:
    """Count a new order for the holdout variant its cart carried; True when counted now. Reads only the delivery's
    payload (no platform call): orders without the attribute (no consent, BigCommerce) are not counted."""
    if event.type != ORDER_CREATED or event.order_id is None:
        return False
    variant = variant_of_order(_attributes(event.payload))
    if variant is None:
        return False
    facts = await load_facts(services.redis, services.keys, event.shop)
    try:
        placed = datetime.fromisoformat(str(event.payload.get("created_at") or event.occurred_at.isoformat()))
        zone = ZoneInfo(facts.timezone if facts else "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        placed, zone = event.occurred_at, ZoneInfo("UTC")
    if placed.tzinfo is None:
        placed = placed.replace(tzinfo=UTC)
    day = placed.astimezone(zone).date()
    return await record_order_conversion(services.redis, services.keys, event.shop, event.order_id, variant, day)


def with_order_conversions(handler: OrderHandler) -> OrderHandler:
    """The order handler, after counting the order for its variant (idempotent, so a retried event is harmless)."""

    async def handle(services: Services, event: PlatformEvent) -> None:
        await count_order_conversion(services, event)
        await handler(services, event)

    return handle
