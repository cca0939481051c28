"""Partitioned events: shops spread over partitions, each shop's order kept, a noisy shop not starving a quiet one,
compact dedupe markers, and a repartition that keeps dedupe and loses nothing."""

from __future__ import annotations

import asyncio
import io
from collections import Counter, defaultdict
from collections.abc import Mapping
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis, RedisCluster

from plugin.app import build_services
from plugin.events import ORDER_UPDATED, PlatformEvent
from plugin.jobs import Job, pending_jobs, run_due_jobs, schedule_job
from plugin.keys import ShopRef
from plugin.partitions import DEDUPE_WINDOW_SECONDS, Partition, load_layout
from plugin.services import Services
from plugin.settings import Settings
from tests.pipeline.conftest import EPOCH
from webhooks import stream
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.ingest import enqueue_event
from webhooks.queue_cli import repartition
from webhooks.stats import collect_stats
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio


def shop(number: int) -> ShopRef:
    return ShopRef("shopify", f"shop-{number}.myshopify.com")


def delivery(of: ShopRef, delivery_id: str, sequence: int = 0) -> PlatformEvent:
    return PlatformEvent(
        shop=of,
        type=ORDER_UPDATED,
        delivery_id=delivery_id,
        occurred_at=EPOCH,
        source_topic="orders/updated",
        payload={"sequence": sequence},
        order_id=str(sequence),
    )


class Recorder:
    """A handler that notes which shop's event, and which of its events, it handled, in order."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, int]] = []

    async def __call__(self, services: Services, event: PlatformEvent) -> None:
        self.seen.append((event.shop.tag, int(event.payload["sequence"])))


async def drain(consumer: EventConsumer) -> int:
    handled = 0
    while found := await consumer.sweep():
        handled += found
    return handled


async def test_events_of_many_shops_spread_over_the_partitions_each_shop_in_its_own(svc: Services) -> None:
    shops = [shop(number) for number in range(200)]
    for each in shops:
        assert await enqueue_event(svc.pipelined, svc.keys, delivery(each, f"{each.id}-1"))
    lengths = {sk.partition: int(await svc.redis.xlen(sk.stream)) for sk in StreamKeys.every(svc.keys)}
    assert len(lengths) == svc.keys.layout.count == 16
    assert sum(lengths.values()) == 200
    assert sum(1 for length in lengths.values() if length) == 16, "200 shops reach every one of 16 partitions"
    assert max(lengths.values()) < 3 * 200 / 16, "and none holds a crowd"
    for each in shops[:20]:
        sk = StreamKeys.for_shop(svc.keys, each)
        assert sk.stream == f"{svc.keys.prefix}:{{events:{sk.partition.index}/16}}:stream"
        entries: Any = await svc.redis.xrange(sk.stream)
        assert each.tag in {fields["shop"] for _, fields in entries}


async def _eval_calls(redis: Any) -> int:
    """EVAL calls so far, summed over every primary on a cluster (each node counts only its own)."""
    if isinstance(redis, RedisCluster):
        per_node: Any = await redis.info("commandstats", target_nodes=RedisCluster.PRIMARIES)
        return sum(int(info.get("cmdstat_eval", {}).get("calls", 0)) for info in per_node.values())
    stats: Any = await redis.info("commandstats")
    return int(stats.get("cmdstat_eval", {}).get("calls", 0))


async def test_one_turns_deliveries_make_one_script_call_per_partition(svc: Services) -> None:
    shops = [shop(number) for number in range(5)]
    partitions = {svc.keys.layout.of(each) for each in shops}
    assert len(partitions) > 1
    before = await _eval_calls(svc.redis)
    turn = [delivery(each, f"{each.id}-{n}", n) for n in range(3) for each in shops]
    outcomes = await asyncio.gather(*(enqueue_event(svc.pipelined, svc.keys, event) for event in turn))
    assert await _eval_calls(svc.redis) == before + len(partitions)
    assert all(outcomes), "every delivery answered with its own entry id"
    for event, entry_id in zip(turn, outcomes, strict=True):
        assert entry_id is not None
        stored: Any = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, event.shop).stream, entry_id, entry_id)
        assert stored[0][1]["delivery_id"] == event.delivery_id


async def test_each_shops_events_are_handled_in_the_order_they_arrived(svc: Services) -> None:
    shops = [shop(number) for number in range(6)]
    for sequence in range(30):
        for each in shops:
            await enqueue_event(svc.redis, svc.keys, delivery(each, f"{each.id}-{sequence}", sequence))
    recorder = Recorder()
    consumer = EventConsumer(svc, {ORDER_UPDATED: recorder}, ConsumerOptions(batch=7, read_ahead=20), name="w")
    assert await drain(consumer) == 180
    by_shop: dict[str, list[int]] = defaultdict(list)
    for tag, sequence in recorder.seen:
        by_shop[tag].append(sequence)
    assert by_shop == {each.tag: list(range(30)) for each in shops}


def _same_partition_as(noisy: ShopRef, services: Services) -> ShopRef:
    target = services.keys.layout.of(noisy)
    return next(shop(n) for n in range(1, 10_000) if services.keys.layout.of(shop(n)) == target and shop(n) != noisy)


async def test_a_noisy_shop_does_not_starve_a_quiet_one_in_its_partition(svc: Services) -> None:
    noisy = shop(0)
    quiet = _same_partition_as(noisy, svc)
    for sequence in range(300):
        await enqueue_event(svc.pipelined, svc.keys, delivery(noisy, f"noisy-{sequence}", sequence))
    await enqueue_event(svc.redis, svc.keys, delivery(quiet, "quiet-0", 0))
    elsewhere = next(shop(n) for n in range(1, 100) if svc.keys.layout.of(shop(n)) != svc.keys.layout.of(noisy))
    await enqueue_event(svc.redis, svc.keys, delivery(elsewhere, "elsewhere-0", 0))
    recorder = Recorder()
    consumer = EventConsumer(svc, {ORDER_UPDATED: recorder}, ConsumerOptions(batch=10, read_ahead=400), name="w")

    assert await consumer.sweep() == 11, "one sweep: at most a batch from the noisy partition, then the others"
    assert (elsewhere.tag, 0) in recorder.seen, "a shop in another partition waits for one batch at most"
    assert (quiet.tag, 0) in recorder.seen, "the quiet shop's one event had its turn behind 300 of the noisy one's"
    assert [sequence for tag, sequence in recorder.seen if tag == noisy.tag] == list(range(9))
    await drain(consumer)
    assert [sequence for tag, sequence in recorder.seen if tag == noisy.tag] == list(range(300)), "in order"
    stats = await collect_stats(svc.redis, svc.keys)
    assert (stats.handled, stats.pending, stats.processing) == (302, 0, 0)


async def test_dedupe_markers_take_under_150_bytes_per_event_once_events_are_handled(svc: Services) -> None:
    events = [delivery(shop(n % 200), f"{n:08d}-7f3c-4b1e-9a2d-{n:012d}", n) for n in range(2000)]
    for start in range(0, len(events), 250):  # as concurrent deliveries arrive: in group-committed batches
        chunk = events[start : start + 250]
        assert all(await asyncio.gather(*(enqueue_event(svc.pipelined, svc.keys, event) for event in chunk)))
    consumer = EventConsumer(svc, {ORDER_UPDATED: Recorder()}, ConsumerOptions(batch=500, read_ahead=500), name="w")
    assert await drain(consumer) == 2000
    used = 0
    async for key in svc.redis.scan_iter(match=f"{svc.keys.prefix}:{{events:*"):
        used += int(await svc.redis.memory_usage(key) or 0)
    ttl = min([await svc.redis.ttl(key) async for key in svc.redis.scan_iter(match=f"{svc.keys.prefix}:*:seen:*")])
    assert used / len(events) <= 150, f"{used / len(events):.0f} bytes per event"
    assert DEDUPE_WINDOW_SECONDS <= ttl, "kept for the platforms' whole retry window"
    assert await enqueue_event(svc.redis, svc.keys, events[1234]) is None, "and a redelivery is still a duplicate"


@pytest.fixture
async def fresh(settings: Settings, redis: Redis) -> Services:
    """Another process on the same Redis: it starts from the layout Redis records."""
    other = build_services(settings, redis, httpx.AsyncClient())
    await load_layout(redis, other.keys)
    return other


async def _noop(services: Services, of: ShopRef, args: Mapping[str, Any]) -> None:
    return None


async def test_repartition_keeps_dedupe_and_loses_nothing(
    svc: Services, settings: Settings, redis: Redis, fresh: Services
) -> None:
    await load_layout(redis, svc.keys)
    shops = [shop(number) for number in range(12)]
    for each in shops:
        for sequence in range(3):
            await enqueue_event(svc.pipelined, svc.keys, delivery(each, f"{each.id}-{sequence}", sequence))
    # One event is in a worker's hands when the partitions change (read, not yet acknowledged).
    held = StreamKeys.for_shop(svc.keys, shops[0])
    early = EventConsumer(svc, {}, ConsumerOptions(batch=1, read_ahead=1), name="early")
    await stream.ensure_group(redis, held)
    (in_hand,) = await stream.read_new(redis, held, early.name, count=1)
    await schedule_job(redis, svc.keys, Job("test.noop", shops[1], job_id="once"), delay_seconds=0)

    out = io.StringIO()
    assert await repartition(settings, out, count=4) == 0, out.getvalue()
    assert "now go to 4 partitions" in out.getvalue()

    # This process still uses 16: the sealed partition refuses, and it follows to 4.
    assert await enqueue_event(svc.redis, svc.keys, delivery(shops[2], "after-the-change", 3)) is not None
    assert (svc.keys.layout.count, svc.keys.layout.previous) == (4, 16)
    new_partition = StreamKeys.for_shop(svc.keys, shops[2])
    assert new_partition.partition == Partition(svc.keys.layout.of(shops[2]).index, 4)
    assert await redis.xlen(new_partition.stream) == 1

    # Redeliveries of what the old layout accepted are still duplicates, from either process.
    assert (fresh.keys.layout.count, fresh.keys.layout.previous) != (4, 16)
    await load_layout(redis, fresh.keys, record=False)
    assert (fresh.keys.layout.count, fresh.keys.layout.previous) == (4, 16)
    for services in (svc, fresh):
        for each in shops:
            assert await enqueue_event(services.pipelined, services.keys, delivery(each, f"{each.id}-1", 1)) is None
        assert await enqueue_event(services.redis, services.keys, delivery(shops[2], "after-the-change", 3)) is None

    # The job scheduled before the change is not scheduled twice after it.
    await schedule_job(redis, fresh.keys, Job("test.noop", shops[1], job_id="once"), delay_seconds=0)
    assert await pending_jobs(redis, fresh.keys) == 1

    # Another change waits until the old partitions are drained and the retry window has passed.
    refused = io.StringIO()
    assert await repartition(settings, refused, count=8) == 1
    assert "not finished" in refused.getvalue() and "Nothing was changed" in refused.getvalue()

    # Workers drain old and new partitions: nothing is lost, nothing doubled.
    recorder = Recorder()
    await stream.release(redis, held, in_hand)  # the early worker stops, giving back what it held
    worker = EventConsumer(fresh, {ORDER_UPDATED: recorder}, ConsumerOptions(batch=50), name="worker")
    assert await drain(worker) == 37
    assert Counter(recorder.seen) == Counter(
        [(each.tag, sequence) for each in shops for sequence in range(3)] + [(shops[2].tag, 3)]
    )
    assert await run_due_jobs(fresh, {"test.noop": _noop}) == 1
    stats = await collect_stats(redis, fresh.keys)
    assert (stats.pending, stats.processing, stats.retrying, stats.scheduled_jobs) == (0, 0, 0, 0)
    assert stats.partitions == 4


@pytest.mark.parametrize("count", [0, -3, 5000], ids=["zero", "negative", "too-many"])
async def test_a_partition_count_out_of_range_is_refused_and_changes_nothing(
    svc: Services, settings: Settings, redis: Redis, count: int
) -> None:
    out = io.StringIO()
    assert await repartition(settings, out, count=count) == 2
    assert "from 1 to 1024" in out.getvalue()
    assert await load_layout(redis, svc.keys) is svc.keys.layout and svc.keys.layout.count == 16


async def test_entries_held_for_fairness_that_another_worker_took_over_are_left_to_it(svc: Services) -> None:
    one = shop(0)
    for sequence in range(5):
        await enqueue_event(svc.redis, svc.keys, delivery(one, f"held-{sequence}", sequence))
    recorder = Recorder()
    options = ConsumerOptions(batch=1, read_ahead=5, claim_idle_ms=0, reclaim_every_s=10**9)
    holder = EventConsumer(svc, {ORDER_UPDATED: recorder}, options, name="holder")
    assert await holder.sweep() == 1  # read all five, handled the first, holds four
    sk = StreamKeys.for_shop(svc.keys, one)
    entries: Any = await svc.redis.xrange(sk.stream)
    taken = entries[1][0]  # the third event: another worker decided the holder was dead and took it
    await svc.redis.xclaim(sk.stream, stream.GROUP, "other", 0, [taken], justid=True)
    await drain(holder)
    assert [sequence for _, sequence in recorder.seen] == [0, 1, 3, 4]
    pending: Any = await svc.redis.xpending_range(sk.stream, stream.GROUP, "-", "+", 10)
    assert [(entry["message_id"], entry["consumer"]) for entry in pending] == [(taken, "other")]
