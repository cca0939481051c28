"""The worker process: consumes queued platform events until asked to stop."""

from __future__ import annotations

import logging

import anyio
from redis.asyncio import Redis

from plugin.keys import Keys

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 30.0


async def run_worker(redis: Redis, keys: Keys, stop: anyio.Event) -> None:
    """Run until `stop` is set. The event pipeline plugs its consumer loop in here; until then it only
    proves Redis is reachable and reports it is alive, so operators can deploy the process already."""
    await redis.ping()
    log.info("worker started", extra={"prefix": keys.prefix})
    while not stop.is_set():
        with anyio.move_on_after(HEARTBEAT_SECONDS):
            await stop.wait()
        if not stop.is_set():
            await redis.ping()
            log.debug("worker alive")
    log.info("worker stopped")
