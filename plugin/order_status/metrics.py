"""How the order-status page is used, per shop and day: page visits, help requests sent from it, and which message's
link was followed (`<day>:via:<stage>:<channel>`, from the link's unsigned `via`). Plain counters in one hash per
shop (field = day and what), no person, order or address in them. Days are the shop's calendar days, as the
dashboard's period and the widgets' outcomes are: a visit at 00:30 in Berlin counts on Berlin's day, not UTC's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from plugin.email.stages import Stage
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_text

KINDS = ("visits", "help")
KEPT_DAYS = 400


@dataclass(frozen=True)
class DayCount:
    day: date
    visits: int
    help: int


def counters_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "status_page", "daily")


async def _bump(services: Services, shop: ShopRef, what: str, day: date) -> None:
    key = counters_key(services, shop)
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.hincrby(key, f"{day.isoformat()}:{what}", 1)
        pipe.hdel(key, f"{(day - timedelta(days=KEPT_DAYS)).isoformat()}:{what}")  # the hash stays bounded
        pipe.expire(key, KEPT_DAYS * 86400)
        await pipe.execute()


async def count(services: Services, shop: ShopRef, kind: str, day: date) -> None:
    """One more `kind` on the shop's calendar `day` (plugin.shop_days)."""
    if kind not in KINDS:
        raise ValueError(f"unknown counter {kind!r}")
    await _bump(services, shop, kind, day)


CHANNELS = ("email", "sms")


def parse_via(raw: str | None) -> tuple[str, str] | None:
    """`<stage>.<channel>` from a message's link, or None for anything else (a hand-typed or mangled link)."""
    stage, _, channel = (raw or "").partition(".")
    return (stage, channel) if stage in {s.value for s in Stage} and channel in CHANNELS else None


async def count_click(services: Services, shop: ShopRef, stage: str, channel: str, day: date) -> None:
    await _bump(services, shop, f"via:{stage}:{channel}", day)


async def clicks_since(services: Services, shop: ShopRef, first: date) -> dict[tuple[str, str], int]:
    """(stage, channel) -> links followed from `first` on."""
    found: dict[tuple[str, str], int] = {}
    for field, value in (await services.redis.hgetall(counters_key(services, shop))).items():
        day, _, what = as_text(field).partition(":")
        kind, _, rest = what.partition(":")
        stage, _, channel = rest.partition(":")
        if kind == "via" and day >= first.isoformat():
            found[(stage, channel)] = found.get((stage, channel), 0) + int(as_text(value))
    return found


async def daily_counts(services: Services, shop: ShopRef, *, days: int, today: date) -> list[DayCount]:
    """The last `days` days, newest first, zeros included (a quiet day is a fact too)."""
    raw = {as_text(k): int(as_text(v)) for k, v in (await services.redis.hgetall(counters_key(services, shop))).items()}
    found = []
    for back in range(days):
        day = today - timedelta(days=back)
        found.append(DayCount(day, raw.get(f"{day.isoformat()}:visits", 0), raw.get(f"{day.isoformat()}:help", 0)))
    return found
