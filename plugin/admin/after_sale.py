"""What the after-sale messages and the order-status page achieve: per stage and channel, messages sent, texts
delivered, links followed and unsubscribes; and "where is my order" help requests before and after the status page
went live.

Nothing here tracks a person: opens are not measured (no tracking pixels), a followed link is counted from the
unsigned `via` of the page's link (plugin.order_status.metrics), and the help requests are counted by their topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from plugin.email.records import MESSAGE_FAMILY
from plugin.email.stages import Stage
from plugin.insights.topics import Topic
from plugin.keys import ShopRef
from plugin.order_status.metrics import clicks_since, daily_counts
from plugin.services import Services
from plugin.shop_index import family_keys
from plugin.storage import as_optional_text, as_text
from widgets.help.requests import index_key, request_key

_BATCH = 1000  # message records read per pipeline
WISMO_WINDOW_DAYS = 30  # the "before" window; "after" is as long, or as long as the page has been live


@dataclass(frozen=True)
class StageFigures:
    stage: Stage
    emails_sent: int = 0
    email_clicks: int = 0  # status-page links followed from the stage's emails
    texts_sent: int = 0
    texts_delivered: int = 0  # the carrier's final status, from Twilio's callbacks
    text_clicks: int = 0
    email_unsubscribes: int = 0  # only marketing emails carry an unsubscribe link


@dataclass(frozen=True)
class Wismo:
    """ "Where is my order" help requests (topic order_status) before and after the status page's first visit."""

    live_since: date | None  # None: the page has had no visit yet
    before: int = 0
    after: int = 0
    before_days: int = 0
    after_days: int = 0


async def sent_counts(services: Services, shop: ShopRef, since: float) -> dict[tuple[str, str], int]:
    """(stage, what) -> messages sent since `since` (epoch seconds): emails_sent, texts_sent, texts_delivered, and
    email_unsubscribes (emails whose unsubscribe link was used since); one read of the shop's message records."""
    counts: dict[tuple[str, str], int] = {}

    def add(stage: str, what: str) -> None:
        counts[(stage, what)] = counts.get((stage, what), 0) + 1

    found = await family_keys(services.redis, services.keys, shop, MESSAGE_FAMILY)
    for start in range(0, len(found), _BATCH):
        async with services.redis.pipeline(transaction=False) as pipe:
            for key in found[start : start + _BATCH]:
                pipe.hmget(key, ["stage", "state", "sent_at", "channel", "outcome", "unsubscribed_at"])
            rows = await pipe.execute()
        for stage, state, sent_at, channel, outcome, unsubscribed_at in rows:
            if stage and unsubscribed_at and float(unsubscribed_at) >= since:
                add(as_text(stage), "email_unsubscribes")
            if as_optional_text(state) != "sent" or not sent_at or float(sent_at) < since:
                continue
            text = as_optional_text(channel) == "sms"
            add(as_text(stage), "texts_sent" if text else "emails_sent")
            if text and as_optional_text(outcome) == "delivered":
                add(as_text(stage), "texts_delivered")
    return counts


async def stage_figures(services: Services, shop: ShopRef, since: float, first: date) -> list[StageFigures]:
    counts = await sent_counts(services, shop, since)
    clicks = await clicks_since(services, shop, first)
    return [
        StageFigures(
            stage,
            emails_sent=counts.get((stage.value, "emails_sent"), 0),
            email_clicks=clicks.get((stage.value, "email"), 0),
            texts_sent=counts.get((stage.value, "texts_sent"), 0),
            texts_delivered=counts.get((stage.value, "texts_delivered"), 0),
            text_clicks=clicks.get((stage.value, "sms"), 0),
            email_unsubscribes=counts.get((stage.value, "email_unsubscribes"), 0),
        )
        for stage in Stage
    ]


async def wismo(services: Services, shop: ShopRef, today: date, zone: ZoneInfo) -> Wismo:
    """`today` and the page's visit days are the shop's calendar days in `zone`: the split is the shop's midnight."""
    visited = [day.day for day in await daily_counts(services, shop, days=400, today=today) if day.visits]
    if not visited:
        return Wismo(None)
    live = min(visited)
    start = datetime.combine(live - timedelta(days=WISMO_WINDOW_DAYS), time.min, tzinfo=zone)
    live_at = datetime.combine(live, time.min, tzinfo=zone)
    after_days = min(WISMO_WINDOW_DAYS, (today - live).days + 1)
    end = datetime.combine(live + timedelta(days=after_days), time.min, tzinfo=zone)
    found: Any = await services.redis.zrangebyscore(index_key(services, shop), start.timestamp(), end.timestamp())
    entries = [as_text(entry) for entry in found]
    before = after = 0
    for start_at in range(0, len(entries), _BATCH):
        batch = [entry.split(":", 1)[0] for entry in entries[start_at : start_at + _BATCH]]
        async with services.redis.pipeline(transaction=False) as pipe:
            for request_id in batch:
                pipe.hmget(request_key(services, shop, request_id), ["topic", "created_at"])
            rows = await pipe.execute()
        for topic, created in rows:
            if as_optional_text(topic) != Topic.ORDER_STATUS.value or not created:
                continue
            if datetime.fromisoformat(as_text(created)) < live_at:
                before += 1
            else:
                after += 1
    return Wismo(live, before, after, WISMO_WINDOW_DAYS, after_days)
