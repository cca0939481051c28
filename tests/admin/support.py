"""Fill a shop through the real stores: outcome counters, order conversions, sent messages, survey answers,
unsubscribes, consent, exports, dead letters and outbox mail."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from plugin.admin.conversions import record_order_conversion
from plugin.email.outbox import OutboxMailer
from plugin.email.preview import send_test_message
from plugin.email.records import claim_for_sending, create_message, move_message
from plugin.email.stages import Stage
from plugin.email.surveys import record_answer
from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.privacy.consent import record_consent
from plugin.services import Services
from webhooks import stream
from webhooks.ingest import enqueue_event
from webhooks.stream import StreamKeys
from widgets.outcomes import record_outcomes

Outcome = tuple[str, str, str]


async def seed_outcomes(services: Services, shop: ShopRef, day: date, counts: Mapping[Outcome, int]) -> None:
    events = [outcome for outcome, count in counts.items() for _ in range(count)]
    await record_outcomes(services.redis, services.keys, shop, day, events)


async def seed_orders(services: Services, shop: ShopRef, day: date, variant: str, count: int, prefix: str) -> None:
    for number in range(count):
        await record_order_conversion(services.redis, services.keys, shop, f"{prefix}{number}", variant, day)


async def seed_sent_messages(services: Services, shop: ShopRef, sent: Mapping[Stage, int], prefix: str = "o") -> None:
    for stage, count in sent.items():
        for number in range(count):
            ref, _ = await create_message(
                services, shop, f"{prefix}{stage.value}{number}", stage, state="scheduled", due=time.time()
            )
            assert await claim_for_sending(services, shop, ref) == 1
            assert await move_message(services, shop, ref, "sending", "sent", sent_at=f"{time.time():.3f}")


async def seed_answers(services: Services, shop: ShopRef, kind: str, scores: list[int], prefix: str = "a") -> None:
    for number, score in enumerate(scores):
        await record_answer(
            services,
            shop,
            subject=f"{prefix}subject{number}",
            ref=f"{prefix}ref{number}",
            kind=kind,
            score=score,
            order_id=str(number),
            order_name=f"#{number}",
        )


async def seed_unsubscribes(services: Services, shop: ShopRef, count: int, domain: str = "example.com") -> None:
    for number in range(count):
        await record_consent(
            services,
            shop,
            purpose="marketing_email",
            granted=False,
            source="email_link",
            channel="email",
            text="List-Unsubscribe one-click (RFC 8058)",
            text_version="rfc8058",
            email=f"leaver{number}@{domain}",
        )


async def seed_dead_letter(services: Services, shop: ShopRef, delivery_id: str, error: str) -> str:
    """An order event that failed for good, through the real stream: enqueued, read by a worker, dead-lettered."""
    event = PlatformEvent(
        shop=shop,
        type="order.created",
        delivery_id=delivery_id,
        occurred_at=datetime.now(UTC),
        source_topic="orders/create",
        payload={"id": 1},
        order_id="1",
    )
    assert await enqueue_event(services.redis, services.keys, event) is not None
    keys = StreamKeys.for_shop(services.keys, shop)
    await stream.ensure_group(services.redis, keys)
    entries = await stream.read_new(services.redis, keys, "test-worker", count=100, block_ms=10)
    for entry in entries:
        if entry[1]["delivery_id"] == delivery_id:
            await stream.dead_letter(services.redis, keys, entry, attempt=8, error=error)
        else:
            await stream.release(services.redis, keys, entry)
    dead: Any = await services.redis.xrange(keys.dead)
    return str(next(entry_id for entry_id, fields in dead if fields["delivery_id"] == delivery_id))


async def send_outbox_test(services: Services, shop: ShopRef, to: str) -> None:
    await send_test_message(services, shop, Stage.CONFIRMED, to, mailer=OutboxMailer())
