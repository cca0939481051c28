"""The worker process: runs due scheduled jobs (and, with the event pipeline, queued events) until stopped."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import anyio
from redis.exceptions import RedisError

from plugin.jobs import JobHandler, run_due_jobs
from plugin.services import Services

log = logging.getLogger(__name__)

IDLE_POLL_SECONDS = 1.0
REDIS_RETRY_SECONDS = 2.0


async def run_worker(services: Services, jobs: Mapping[str, JobHandler], stop: anyio.Event) -> None:
    """Run until `stop` is set. A job in hand is finished before stopping; a Redis outage is waited out."""
    log.info("worker started", extra={"jobs": sorted(jobs)})
    while not stop.is_set():
        try:
            ran = await run_due_jobs(services, jobs)
        except (RedisError, OSError) as exc:
            log.warning("redis unavailable, retrying", extra={"error": type(exc).__name__})
            ran = 0
            pause = REDIS_RETRY_SECONDS
        else:
            pause = IDLE_POLL_SECONDS
        if ran == 0:
            with anyio.move_on_after(pause):
                await stop.wait()
    log.info("worker stopped")
