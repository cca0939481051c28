from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import build_services
from plugin.errors import PermanentError, RetryableError
from plugin.events import ORDER_CREATED, PlatformEvent
from plugin.jobs import Job, JobHandler, failed_jobs, pending_jobs, run_due_jobs, schedule_job
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from webhooks import ingest
from webhooks.ingest import enqueue_event
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio
SHOP = ShopRef("shopify", "demo.myshopify.com")


@pytest.fixture
async def svc(settings: Settings, redis: Redis) -> Services:
    return build_services(settings, redis, httpx.AsyncClient())


def _event(delivery_id: str) -> PlatformEvent:
    return PlatformEvent(
        shop=SHOP,
        type=ORDER_CREATED,
        delivery_id=delivery_id,
        occurred_at=datetime(2026, 11, 20, 12, 0, tzinfo=UTC),
        source_topic="orders/create",
        payload={"id": 1001, "email": "ada@example.com"},
    )


async def test_a_redelivered_event_is_queued_once(svc: Services) -> None:
    first = await enqueue_event(svc.redis, svc.keys, _event("evt-1"))
    again = await enqueue_event(svc.redis, svc.keys, _event("evt-1"))
    other = await enqueue_event(svc.redis, svc.keys, _event("evt-2"))
    assert first is not None and other is not None and again is None
    entries = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, SHOP).stream)
    assert len(entries) == 2
    assert PlatformEvent.from_fields(entries[0][1]) == _event("evt-1")


async def test_concurrent_deliveries_share_one_script_call_and_a_repeat_within_it_is_a_duplicate(
    svc: Services,
) -> None:
    calls_before = await _eval_calls(svc.redis)
    ids = ["evt-a", "evt-b", "evt-a", "evt-c", "evt-b"]
    outcomes = await asyncio.gather(*(enqueue_event(svc.pipelined, svc.keys, _event(i)) for i in ids))
    assert await _eval_calls(svc.redis) == calls_before + 1, "one script call for the whole turn"
    assert [outcome is not None for outcome in outcomes] == [True, True, False, True, False]
    entries = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, SHOP).stream)
    assert [PlatformEvent.from_fields(fields).delivery_id for _, fields in entries] == ["evt-a", "evt-b", "evt-c"]
    assert [entry_id for entry_id, _ in entries] == [outcome for outcome in outcomes if outcome is not None]
    assert await svc.redis.hgetall(StreamKeys.for_shop(svc.keys, SHOP).counters) == {"received": "3", "duplicates": "2"}
    assert await enqueue_event(svc.pipelined, svc.keys, _event("evt-c")) is None, "and in a later turn too"


async def test_a_delivery_seen_in_an_earlier_period_is_a_duplicate_in_a_later_batch(
    svc: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The batch is looked up in the older periods' sets all at once: each earlier delivery is found there,
    wherever it stands in the batch, and a new one is appended once."""
    clock = SimpleNamespace(time=lambda: 1_800_000_000.0)
    monkeypatch.setattr(ingest, "time", clock)
    first = await asyncio.gather(*(enqueue_event(svc.pipelined, svc.keys, _event(i)) for i in ["old-1", "old-2"]))
    assert all(first)
    clock.time = lambda: 1_800_000_000.0 + 3 * ingest.DEDUPE_PERIOD_SECONDS  # three periods on: another set
    ids = ["old-1", "new", "old-2", "new"]
    later = await asyncio.gather(*(enqueue_event(svc.pipelined, svc.keys, _event(i)) for i in ids))
    assert [outcome is not None for outcome in later] == [False, True, False, False]
    entries = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, SHOP).stream)
    assert [PlatformEvent.from_fields(fields).delivery_id for _, fields in entries] == ["old-1", "old-2", "new"]
    assert await svc.redis.hgetall(StreamKeys.for_shop(svc.keys, SHOP).counters) == {"received": "3", "duplicates": "3"}


async def test_a_delivery_is_stored_as_sent_when_its_body_is_the_payload(svc: Services) -> None:
    sent = '{"id": 1001,  "email": "ada@example.com"}'  # the platform's own spacing
    event = replace(_event("evt-raw"), payload_json=sent)
    await enqueue_event(svc.pipelined, svc.keys, event)
    ((_, fields),) = await svc.redis.xrange(StreamKeys.for_shop(svc.keys, SHOP).stream)
    assert fields["payload"] == sent
    assert PlatformEvent.from_fields(fields) == _event("evt-raw")


async def _eval_calls(redis: Redis) -> int:
    stats = await redis.info("commandstats")
    return int(stats.get("cmdstat_eval", {}).get("calls", 0))


async def test_scheduling_a_job_twice_runs_it_once(svc: Services) -> None:
    calls: list[Mapping[str, Any]] = []

    async def record(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        calls.append(args)

    job = Job("test.record", SHOP, job_id="install:demo", args={"step": 1})
    await schedule_job(svc.redis, svc.keys, job)
    await schedule_job(svc.redis, svc.keys, job)
    assert await run_due_jobs(svc, {"test.record": record}) == 1
    assert calls == [{"step": 1}]
    assert await pending_jobs(svc.redis, svc.keys) == 0


async def test_delayed_jobs_wait_for_their_time(svc: Services) -> None:
    await schedule_job(svc.redis, svc.keys, Job("test.noop", SHOP, job_id="later"), delay_seconds=3600)
    handlers: dict[str, JobHandler] = {"test.noop": _noop}
    assert await run_due_jobs(svc, handlers) == 0
    assert await pending_jobs(svc.redis, svc.keys) == 1


@pytest.mark.allow_error_logs("job failed for good")
async def test_retryable_failures_are_rescheduled_and_permanent_ones_are_parked(svc: Services) -> None:
    async def flaky(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        raise RetryableError("platform timed out", retry_after=120)

    async def broken(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        raise PermanentError("403 forbidden")

    await schedule_job(svc.redis, svc.keys, Job("flaky", SHOP, job_id="a"))
    await schedule_job(svc.redis, svc.keys, Job("broken", SHOP, job_id="b"))
    assert await run_due_jobs(svc, {"flaky": flaky, "broken": broken}) == 2
    partition = svc.keys.layout.of(SHOP)
    due = dict(await svc.redis.zrange(svc.keys.jobs(partition, "due"), 0, -1, withscores=True))
    assert set(due) == {"a"}, "the permanent failure must leave the queue"
    assert await failed_jobs(svc.redis, svc.keys) == {"b"}
    assert await run_due_jobs(svc, {"flaky": flaky}) == 0, "the retry waits for its delay"


async def _noop(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    return None
