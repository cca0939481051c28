"""Orders per holdout variant and shop-local day: the numerator of the dashboard's order conversion.

The storefront script tags a consenting shopper's cart with `_upfront_variant` (a Shopify cart attribute, so the
order carries it in `note_attributes`). `record_order_conversion` counts an order once whatever redeliveries
arrive (a marker per order id, set together with the count in one script); the composition root wraps the
order-created handler with `with_order_conversions`, which reads the attribute from the webhook payload.
BigCommerce carts have no attributes: the script sends the cart id with its variant (`save_cart_variant`, kept
30 days) and `count_cart_conversion` looks it up for an order fetched with its `cart_id`.
No person is named: only the order and cart ids in keys and counts per variant.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from plugin.events import ORDER_CREATED, PlatformEvent
from plugin.keys import Keys, ShopRef
from plugin.platform import Order
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.storage import RedisStore, as_optional_text

VARIANT_ATTRIBUTE = "_upfront_variant"
VARIANTS = ("treatment", "control")
KEEP_SECONDS = 400 * 86400
CART_KEEP_SECONDS = 30 * 86400  # a cart older than this rarely becomes an order

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


def cart_variant_key(keys: Keys, shop: ShopRef, cart_id: str) -> str:
    return keys.shop(shop, "conversions", "cart", cart_id)


def variant_of_order(note_attributes: Mapping[str, str]) -> str | None:
    found = note_attributes.get(VARIANT_ATTRIBUTE)
    return found if found in VARIANTS else None


async def record_order_conversion(
    redis: RedisStore, keys: Keys, shop: ShopRef, order_id: str, variant: str, day: date
) -> bool:
    """Count the order for its variant on `day` (shop-local order date); False when it was counted before."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}")
    counted = await redis.eval(
        _COUNT_ONCE, 2, _marker_key(keys, shop, order_id), conversions_key(keys, shop, day), variant, KEEP_SECONDS
    )
    return bool(counted)


async def read_conversions(
    redis: RedisStore, keys: Keys, shop: ShopRef, days: list[date]
) -> dict[date, dict[str, int]]:
    async with redis.pipeline(transaction=False) as pipe:
        for day in days:
            pipe.hgetall(conversions_key(keys, shop, day))
        found = await pipe.execute()
    return {
        day: {variant: int(raw.get(variant, 0)) for variant in VARIANTS} for day, raw in zip(days, found, strict=True)
    }


async def save_cart_variant(redis: RedisStore, keys: Keys, shop: ShopRef, cart_id: str, variant: str) -> None:
    """Remember a cart's variant; the first one stays (a cart is counted in the group its shopper was in)."""
    if variant not in VARIANTS:
        raise ValueError(f"variant must be one of {', '.join(VARIANTS)}")
    await redis.set(cart_variant_key(keys, shop, cart_id), variant, nx=True, ex=CART_KEEP_SECONDS)


async def cart_variant(redis: RedisStore, keys: Keys, shop: ShopRef, cart_id: str) -> str | None:
    found = as_optional_text(await redis.get(cart_variant_key(keys, shop, cart_id)))
    return found if found in VARIANTS else None


async def shop_day(services: Services, shop: ShopRef, moment: datetime) -> date:
    """The shop-local date of `moment` (a naive one is UTC; an unknown timezone falls back to UTC)."""
    facts = await load_facts(services.redis, services.keys, shop)
    try:
        zone = ZoneInfo(facts.timezone if facts else "UTC")
    except (ValueError, ZoneInfoNotFoundError):
        zone = ZoneInfo("UTC")
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(zone).date()


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
    try:
        placed = datetime.fromisoformat(str(event.payload.get("created_at") or event.occurred_at.isoformat()))
    except ValueError:
        placed = event.occurred_at
    day = await shop_day(services, event.shop, placed)
    return await record_order_conversion(services.redis, services.keys, event.shop, event.order_id, variant, day)


async def count_cart_conversion(services: Services, order: Order) -> bool:
    """Count a new order fetched from the platform for the variant its cart was tagged with (BigCommerce: the
    script sent the cart id); True when counted now. An order without a cart id, or whose cart was never
    tagged (no consent), is not counted."""
    if order.cart_id is None:
        return False
    variant = await cart_variant(services.redis, services.keys, order.shop, order.cart_id)
    if variant is None:
        return False
    day = await shop_day(services, order.shop, order.created_at)
    return await record_order_conversion(services.redis, services.keys, order.shop, order.id, variant, day)


def with_order_conversions(handler: OrderHandler) -> OrderHandler:
    """The order handler, after counting the order for its variant (idempotent, so a retried event is harmless)."""

    async def handle(services: Services, event: PlatformEvent) -> None:
        await count_order_conversion(services, event)
        await handler(services, event)

    return handle
