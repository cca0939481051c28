"""When a message may go: quiet hours in the customer's local time, and the marketing frequency cap.

Quiet hours use the customer's timezone when the order tells it (a `timezone` cart attribute set by the storefront),
else the shop's. The cap is one marketing message per customer per window, reserved atomically
(``email:cap:<subject>``, SET NX with the window as expiry) before sending and released if sending fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from plugin.email.journey_settings import QuietHours
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text

_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def customer_timezone(note_attributes: Mapping[str, str], shop_timezone: str | None) -> ZoneInfo:
    for candidate in (note_attributes.get("timezone"), shop_timezone, "UTC"):
        if not candidate:
            continue
        try:
            return ZoneInfo(candidate)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def quiet_until(now: datetime, zone: ZoneInfo, quiet: QuietHours | None) -> datetime | None:
    """The end of the quiet period `now` falls in (aware), or None when a message may go now."""
    if quiet is None or quiet.start == quiet.end:
        return None
    local = now.astimezone(zone)
    today_end = datetime.combine(local.date(), quiet.end, tzinfo=zone)
    if quiet.start > quiet.end:  # spans midnight, e.g. 21:00-08:00
        if local.time() >= quiet.start:
            return datetime.combine(local.date() + timedelta(days=1), quiet.end, tzinfo=zone)
        if local.time() < quiet.end:
            return today_end
        return None
    if quiet.start <= local.time() < quiet.end:
        return today_end
    return None


def cap_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, "email", "cap", subject)


async def reserve_marketing_slot(services: Services, shop: ShopRef, subject: str, ref: str, days: int) -> bool:
    """Take the customer's marketing slot for `days`; False when another message holds it."""
    if days <= 0:
        return True
    key = cap_key(services, shop, subject)
    if await services.redis.set(key, ref, nx=True, ex=days * 24 * 3600):
        return True
    return as_optional_text(await services.redis.get(key)) == ref


async def release_marketing_slot(services: Services, shop: ShopRef, subject: str, ref: str) -> None:
    await services.redis.eval(_RELEASE, 1, cap_key(services, shop, subject), ref)


async def marketing_slot_free_at(services: Services, shop: ShopRef, subject: str) -> float:
    """Seconds until the customer's marketing slot frees up (0 when free)."""
    ttl = int(await services.redis.ttl(cap_key(services, shop, subject)))
    return float(max(ttl, 0))
