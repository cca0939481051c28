"""What customers say: topic counts for the dashboard's period against the one before, the newest examples in
their own words, and, per topic, the setting that addresses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from plugin.admin.language import t
from plugin.email.surveys import load_answer
from plugin.email.unsubscribe_reasons import load_reason
from plugin.insights.store import ExampleRef, Source, daily_counts, forget_example, latest_examples
from plugin.insights.topics import TOPICS, Topic
from plugin.keys import ShopRef
from plugin.services import Services
from widgets.help.requests import load_request

EXAMPLES_SHOWN = 2
EXAMPLE_CHARS = 160

# The figures' JSON names its sources in English (a documented API); the page names them in the admin's language.
SOURCE_LABELS = {
    Source.HELP_REQUEST: "help request",
    Source.SURVEY_COMMENT: "survey comment",
    Source.UNSUBSCRIBE_REASON: "reason for unsubscribing",
}

# The admin page with the setting that answers each topic before it is asked (what to do there: `dash_remedy_<topic>`).
REMEDY_PAGES = {
    Topic.ORDER_STATUS: "emails",
    Topic.RETURNS: "badges",
    Topic.PAYMENT: "badges",
    Topic.SIZING: "help",
    Topic.SHIPPING_COST: "estimator",
    Topic.DELIVERY_TIME: "estimator",
    Topic.PRODUCT: "help",
    Topic.OTHER: "help",
}


@dataclass(frozen=True)
class ShownExample:
    source: str
    day: date
    text: str


@dataclass(frozen=True)
class TopicRow:
    topic: Topic
    label: str
    count: int
    previous: int
    by_source: dict[str, int]
    examples: list[ShownExample]
    remedy_page: str
    remedy: str

    @property
    def change(self) -> int:
        return self.count - self.previous


@dataclass(frozen=True)
class TopicReport:
    first: date
    last: date
    rows: list[TopicRow]  # topics with any message in either period, most frequent first

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= EXAMPLE_CHARS else flat[: EXAMPLE_CHARS - 1].rstrip() + "…"


async def _example_text(services: Services, shop: ShopRef, example: ExampleRef) -> str | None:
    if example.source is Source.HELP_REQUEST:
        stored = await load_request(services, shop, example.ref)
        return None if stored is None else stored.question
    if example.source is Source.UNSUBSCRIBE_REASON:
        record = await load_reason(services, shop, example.subject, example.ref)
        text = None if record is None else record.get("reason")
    else:
        record = await load_answer(services, shop, example.subject, example.ref)
        text = None if record is None else record.get("comment")
    return text if isinstance(text, str) and text else None


async def _examples(services: Services, shop: ShopRef, topic: Topic) -> list[ShownExample]:
    shown: list[ShownExample] = []
    for example in await latest_examples(services, shop, topic, EXAMPLES_SHOWN * 3):
        text = await _example_text(services, shop, example)
        if text is None:  # its source expired or was erased: the reference goes too
            await forget_example(services, shop, topic, example)
            continue
        shown.append(ShownExample(t(f"dash_source_{example.source.value}"), example.at.date(), _shorten(text)))
        if len(shown) == EXAMPLES_SHOWN:
            break
    return shown


async def topic_report(services: Services, shop: ShopRef, first: date, last: date) -> TopicReport:
    """Counts for [first, last] and for the same number of days before it, with examples for the period's topics."""
    length = (last - first).days + 1
    before = first - timedelta(days=length)
    now: dict[Topic, int] = dict.fromkeys(TOPICS, 0)
    then: dict[Topic, int] = dict.fromkeys(TOPICS, 0)
    sources: dict[Topic, dict[str, int]] = {topic: {} for topic in TOPICS}
    for entry in await daily_counts(services, shop, before, last):
        if entry.day >= first:
            now[entry.topic] += entry.count
            label = SOURCE_LABELS[entry.source]
            sources[entry.topic][label] = sources[entry.topic].get(label, 0) + entry.count
        else:
            then[entry.topic] += entry.count
    rows = [
        TopicRow(
            topic=topic,
            label=t(f"dash_topic_{topic.value}"),
            count=now[topic],
            previous=then[topic],
            by_source=sources[topic],
            examples=await _examples(services, shop, topic) if now[topic] else [],
            remedy_page=REMEDY_PAGES[topic],
            remedy=t(f"dash_remedy_{topic.value}"),
        )
        for topic in TOPICS
        if now[topic] or then[topic]
    ]
    rows.sort(key=lambda row: (-row.count, TOPICS.index(row.topic)))
    return TopicReport(first, last, rows)


def topic_report_json(report: TopicReport) -> dict[str, Any]:
    """Counts only: the examples are shoppers' words and stay on the page, not in the figures' JSON."""
    return {
        "total": report.total,
        "topics": {
            row.topic.value: {"count": row.count, "previous_period": row.previous, "by_source": row.by_source}
            for row in report.rows
        },
    }
