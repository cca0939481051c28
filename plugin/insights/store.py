"""Topic counts and example references per shop: what customers wrote about, by day, source and topic.

Keys (all under the shop's hash tag, family ``insights``):

    insights:topics:<YYYY-MM>   hash "<UTC day>:<source>:<topic>" -> count; no personal data; expires 400 days
                                after the month's last write, so a year's comparison always has its data
    insights:examples:<topic>   sorted set "<source>|<subject key>|<ref>" by time, the newest few only; the text
                                stays in its source (the sealed help request, survey answer or reason for
                                unsubscribing), which keeps its own retention and erasure: an example whose
                                source is gone is dropped when read

An example names the person only by their pseudonymous subject key, and `InsightsExamplesStore` (registered in
`plugin.privacy.registry`) removes a person's examples on erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from plugin.insights.topics import TOPICS, Topic
from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_text

FAMILY = "insights"
COUNTS_KEPT_SECONDS = 400 * 86400
EXAMPLES_KEPT = 10


class Source(StrEnum):
    HELP_REQUEST = "help_request"
    SURVEY_COMMENT = "survey_comment"
    UNSUBSCRIBE_REASON = "unsubscribe_reason"


@dataclass(frozen=True)
class ExampleRef:
    source: Source
    subject: str
    ref: str
    at: datetime

    @property
    def member(self) -> str:
        return f"{self.source.value}|{self.subject}|{self.ref}"


def counts_key(services: Services, shop: ShopRef, month: str) -> str:
    return services.keys.shop(shop, FAMILY, "topics", month)


def examples_key(services: Services, shop: ShopRef, topic: Topic) -> str:
    return services.keys.shop(shop, FAMILY, "examples", topic.value)


async def record_mention(
    services: Services, shop: ShopRef, *, source: Source, topic: Topic, subject: str, ref: str, at: datetime
) -> None:
    """Count one message on its topic and keep a reference to it as one of the topic's latest examples."""
    moment = at.astimezone(UTC)
    counts = counts_key(services, shop, moment.strftime("%Y-%m"))
    examples = examples_key(services, shop, topic)
    member = ExampleRef(source, subject, ref, moment).member
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.hincrby(counts, f"{moment.date().isoformat()}:{source.value}:{topic.value}", 1)
        pipe.expire(counts, COUNTS_KEPT_SECONDS)
        pipe.zadd(examples, {member: moment.timestamp()})
        pipe.zremrangebyrank(examples, 0, -EXAMPLES_KEPT - 1)
        await pipe.execute()
    await retain(services, examples)


def _months(first: date, last: date) -> list[str]:
    months: list[str] = []
    day = first.replace(day=1)
    while day <= last:
        months.append(day.strftime("%Y-%m"))
        day = (day + timedelta(days=32)).replace(day=1)
    return months


@dataclass(frozen=True)
class DailyCount:
    day: date
    source: Source
    topic: Topic
    count: int


async def daily_counts(services: Services, shop: ShopRef, first: date, last: date) -> list[DailyCount]:
    """Every (day, source, topic) count between `first` and `last` (UTC days, both included)."""
    found: list[DailyCount] = []
    for month in _months(first, last):
        raw: dict[Any, Any] = await services.redis.hgetall(counts_key(services, shop, month))
        for field, value in raw.items():
            day_text, source, topic = as_text(field).split(":")
            day = date.fromisoformat(day_text)
            if first <= day <= last and source in Source.__members__.values() and topic in TOPICS:
                found.append(DailyCount(day, Source(source), Topic(topic), int(value)))
    return found


async def latest_examples(services: Services, shop: ShopRef, topic: Topic, limit: int) -> list[ExampleRef]:
    """The topic's newest example references, newest first (at most `limit`; their sources may be gone)."""
    raw: Any = await services.redis.zrevrange(examples_key(services, shop, topic), 0, limit - 1, withscores=True)
    found: list[ExampleRef] = []
    for member, score in raw:
        source, subject, ref = as_text(member).split("|", 2)
        if source in Source.__members__.values():
            found.append(ExampleRef(Source(source), subject, ref, datetime.fromtimestamp(score, UTC)))
    return found


async def forget_example(services: Services, shop: ShopRef, topic: Topic, example: ExampleRef) -> None:
    await services.redis.zrem(examples_key(services, shop, topic), example.member)


class InsightsExamplesStore:
    """A person's example references (by subject key); the texts themselves live in their sources' stores."""

    name = "insights_examples"

    async def _theirs(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[tuple[Topic, ExampleRef]]:
        if not subject.identifiers():
            return []
        known = await known_subjects(services, shop, subject)
        found = []
        for topic in TOPICS:
            for example in await latest_examples(services, shop, topic, EXAMPLES_KEPT):
                if example.subject in known:
                    found.append((topic, example))
        return found

    async def export(self, services: Services, shop: ShopRef, subject: DataSubject) -> list[dict[str, Any]]:
        return [
            {"topic": topic.value, "source": example.source.value, "at": example.at.isoformat()}
            for topic, example in await self._theirs(services, shop, subject)
        ]

    async def erase(self, services: Services, shop: ShopRef, subject: DataSubject) -> int:
        theirs = await self._theirs(services, shop, subject)
        for topic, example in theirs:
            await forget_example(services, shop, topic, example)
        return len(theirs)
