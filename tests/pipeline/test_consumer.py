"""The consumer in-process: acknowledgement, retry with backoff, dead letters, replay, graceful release."""

from __future__ import annotations

from collections import Counter

import anyio
import pytest

from plugin.errors import PermanentError, RetryableError
from plugin.events import PlatformEvent
from plugin.services import Services
from tests.pipeline.conftest import SHOP, order_event
from webhooks import stream
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.ingest import enqueue_event
from webhooks.stats import collect_stats
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio
FAST = ConsumerOptions(block_ms=20, claim_idle_ms=200, reclaim_every_s=0.05, retry_base_s=0.01, max_attempts=3)


async def _drain(consumer: EventConsumer, seconds: float = 1.0) -> None:
    """Run the consumer until the queue is empty (or time is up)."""
    stop = anyio.Event()
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consumer.run, stop)
        with anyio.move_on_after(seconds):
            while True:
                stats = await collect_stats(consumer.services.redis, consumer.services.keys)
                if stats.pending == stats.processing == stats.retrying == 0:
                    break
                await anyio.sleep(0.02)
        stop.set()


async def test_handled_events_are_acknowledged_and_leave_the_stream(svc: Services) -> None:
    seen: list[str] = []

    async def handler(services: Services, event: PlatformEvent) -> None:
        seen.append(event.delivery_id)

    for index in range(5):
        await enqueue_event(svc.redis, svc.keys, order_event(f"d{index}"))
    await _drain(EventConsumer(svc, {"order.updated": handler}, FAST))
    stats = await collect_stats(svc.redis, svc.keys)
    assert sorted(seen) == [f"d{index}" for index in range(5)]
    assert (stats.received, stats.handled, stats.pending, stats.processing) == (5, 5, 0, 0)
    assert await svc.redis.xlen(StreamKeys.for_shop(svc.keys, SHOP).stream) == 0


async def test_retryable_failures_retry_with_backoff_until_they_succeed(svc: Services) -> None:
    attempts: Counter[str] = Counter()

    async def flaky(services: Services, event: PlatformEvent) -> None:
        attempts[event.delivery_id] += 1
        if attempts[event.delivery_id] < 3:
            raise RetryableError("platform answered 503")

    await enqueue_event(svc.redis, svc.keys, order_event("flaky"))
    await _drain(EventConsumer(svc, {"order.updated": flaky}, FAST), seconds=3)
    stats = await collect_stats(svc.redis, svc.keys)
    assert attempts["flaky"] == 3
    assert (stats.handled, stats.retrying, stats.dead) == (1, 0, 0)


@pytest.mark.allow_error_logs("event dead-lettered")
@pytest.mark.parametrize(
    "failure",
    [PermanentError("order 404"), ValueError("payload makes no sense")],
    ids=["platform-4xx", "bad-data"],
)
async def test_permanent_failures_go_straight_to_dead_letters_and_replay_brings_them_back(
    svc: Services, failure: Exception
) -> None:
    calls = Counter[str]()

    async def fails_once(services: Services, event: PlatformEvent) -> None:
        calls[event.delivery_id] += 1
        if calls[event.delivery_id] == 1:
            raise failure

    await enqueue_event(svc.redis, svc.keys, order_event("doomed"))
    consumer = EventConsumer(svc, {"order.updated": fails_once}, FAST)
    await _drain(consumer)
    stats = await collect_stats(svc.redis, svc.keys)
    assert (stats.dead, stats.handled, calls["doomed"]) == (1, 0, 1)
    dead = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, SHOP).dead)
    assert type(failure).__name__ in dead[0][1]["error"]

    assert await stream.replay_dead(svc.redis, StreamKeys.for_shop(svc.keys, SHOP)) == 1
    await _drain(consumer)
    stats = await collect_stats(svc.redis, svc.keys)
    assert (stats.dead, stats.handled, calls["doomed"]) == (0, 1, 2)


@pytest.mark.allow_error_logs("event dead-lettered")
async def test_retryable_failures_are_dead_lettered_after_max_attempts(svc: Services) -> None:
    async def always_down(services: Services, event: PlatformEvent) -> None:
        raise RetryableError("still down")

    await enqueue_event(svc.redis, svc.keys, order_event("down"))
    await _drain(EventConsumer(svc, {"order.updated": always_down}, FAST), seconds=3)
    dead = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, SHOP).dead)
    assert len(dead) == 1 and dead[0][1]["attempt"] == str(FAST.max_attempts)


async def test_events_without_a_handler_are_acknowledged_not_kept(svc: Services) -> None:
    await enqueue_event(svc.redis, svc.keys, order_event("nobody-cares"))
    await _drain(EventConsumer(svc, {}, FAST))
    stats = await collect_stats(svc.redis, svc.keys)
    assert (stats.pending, stats.processing, stats.dead) == (0, 0, 0)


async def test_a_malformed_entry_is_dead_lettered_not_fatal(svc: Services) -> None:
    sk = StreamKeys.for_shop(svc.keys, SHOP)
    await svc.redis.xadd(sk.stream, {"shop": "shopify:x.myshopify.com", "type": "order.updated"})
    await enqueue_event(svc.redis, svc.keys, order_event("fine"))
    handled: list[str] = []

    async def handler(services: Services, event: PlatformEvent) -> None:
        handled.append(event.delivery_id)

    await _drain(EventConsumer(svc, {"order.updated": handler}, FAST))
    assert handled == ["fine"]
    assert (await collect_stats(svc.redis, svc.keys)).dead == 1


async def test_graceful_stop_releases_unstarted_entries_for_other_workers(svc: Services) -> None:
    started = anyio.Event()
    stop = anyio.Event()
    handled: list[str] = []

    async def slow(services: Services, event: PlatformEvent) -> None:
        started.set()
        await anyio.sleep(0.2)
        handled.append(event.delivery_id)

    for index in range(4):
        await enqueue_event(svc.redis, svc.keys, order_event(f"e{index}"))
    consumer = EventConsumer(svc, {"order.updated": slow}, ConsumerOptions(block_ms=20, batch=16))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consumer.run, stop)
        await started.wait()
        stop.set()
    stats = await collect_stats(svc.redis, svc.keys)
    assert handled == ["e0"], "the entry in hand is finished"
    assert (stats.processing, stats.pending) == (0, 3), "the rest are free for any worker at once"


async def test_entries_of_a_dead_consumer_are_reclaimed(svc: Services) -> None:
    sk = StreamKeys.for_shop(svc.keys, SHOP)
    await stream.ensure_group(svc.redis, sk)
    await enqueue_event(svc.redis, svc.keys, order_event("orphan"))
    taken = await stream.read_new(svc.redis, sk, "crashed-consumer", count=10, block_ms=10)
    assert len(taken) == 1  # read, never acknowledged: its consumer "died"
    handled: list[str] = []

    async def handler(services: Services, event: PlatformEvent) -> None:
        handled.append(event.delivery_id)

    await anyio.sleep(0.25)
    await _drain(EventConsumer(svc, {"order.updated": handler}, FAST))
    assert handled == ["orphan"]
