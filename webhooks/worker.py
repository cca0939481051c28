"""The worker process: consumes every event partition and runs due scheduled jobs until stopped."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping

import anyio

from plugin.jobs import JobHandler, run_due_jobs
from plugin.partitions import load_layout
from plugin.services import Services
from plugin.storage import STORE_UNAVAILABLE
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.reconcile import schedule_reconciliation, schedule_resync
from webhooks.registry import EventRegistry

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
REDIS_RETRY_SECONDS = 2.0
RECONCILE_CHECK_SECONDS = 60.0


async def _keep_going(name: str, stop: anyio.Event, step: Callable[[], Awaitable[float]]) -> None:
    """Repeat `step` until stopped; it returns how long to pause. A Redis outage is waited out, not fatal."""
    while not stop.is_set():
        try:
            pause = await step()
        except STORE_UNAVAILABLE as exc:
            log.warning("redis unavailable, retrying", extra={"loop": name, "error": type(exc).__name__})
            pause = REDIS_RETRY_SECONDS
        if pause > 0:
            with anyio.move_on_after(pause):
                await stop.wait()


async def run_worker(
    services: Services,
    jobs: Mapping[str, JobHandler],
    events: EventRegistry,
    stop: anyio.Event,
    options: ConsumerOptions | None = None,
) -> None:
    """Run until `stop` is set. The event or job in hand is finished before stopping."""
    consumer = EventConsumer(services, events, options)
    # The partitions in force; the consumer reads the record again now and then, so a repartition reaches it.
    await load_layout(services.redis, services.keys)
    log.info("worker started", extra={"consumer": consumer.name, "jobs": sorted(jobs), "events": sorted(events)})

    async def consume() -> float:
        await consumer.run(stop)
        return 0.0

    async def run_jobs() -> float:
        return 0.0 if await run_due_jobs(services, jobs) else IDLE_POLL_SECONDS

    async def reconcile() -> float:
        await schedule_reconciliation(services)
        await schedule_resync(services)
        return RECONCILE_CHECK_SECONDS

    async with anyio.create_task_group() as tasks:
        tasks.start_soon(_keep_going, "events", stop, consume)
        tasks.start_soon(_keep_going, "jobs", stop, run_jobs)
        tasks.start_soon(_keep_going, "reconcile", stop, reconcile)
    log.info("worker stopped")
