"""Durable scheduled jobs: a sorted set of due times plus one hash per job, claimed atomically by any worker.

A job id makes scheduling idempotent: scheduling the same id again keeps the earliest due time, so a
repeated install or a webhook redelivery never doubles the work.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from plugin.errors import PlatformError
from plugin.keys import Keys, ShopRef
from plugin.storage import RedisStore, as_text

if TYPE_CHECKING:
    from plugin.services import Services

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
CLAIM_SECONDS = 300  # a claimed job whose worker died becomes due again after this

JobHandler = Callable[["Services", ShopRef, Mapping[str, Any]], Awaitable[None]]


@dataclass(frozen=True)
class Job:
    name: str
    shop: ShopRef
    job_id: str
    args: Mapping[str, Any] = field(default_factory=dict)


def due_key(keys: Keys) -> str:
    return keys.jobs("due")


def _job_key(keys: Keys, job_id: str) -> str:
    return keys.jobs("job", job_id)


# Schedule: add, or keep the earliest due time of an already scheduled job (ZADD LT); store the payload once.
_SCHEDULE = """
redis.call('HSETNX', KEYS[2], 'payload', ARGV[2])
redis.call('HSETNX', KEYS[2], 'attempts', '0')
return redis.call('ZADD', KEYS[1], 'LT', ARGV[1], ARGV[3])
"""

# Claim the next due job by pushing its due time past the claim window: a crash mid-run makes it due again.
_CLAIM = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 1)
if #due == 0 then return false end
redis.call('ZADD', KEYS[1], 'XX', ARGV[1] + ARGV[2], due[1])
return due[1]
"""


async def schedule_job(redis: RedisStore, keys: Keys, job: Job, *, delay_seconds: float = 0.0) -> None:
    payload = json.dumps({"name": job.name, "shop": job.shop.tag, "args": dict(job.args)})
    due = time.time() + delay_seconds
    await redis.eval(_SCHEDULE, 2, due_key(keys), _job_key(keys, job.job_id), due, payload, job.job_id)


async def pending_jobs(redis: RedisStore, keys: Keys) -> int:
    return int(await redis.zcard(due_key(keys)))


async def run_due_jobs(services: Services, handlers: Mapping[str, JobHandler], *, limit: int = 100) -> int:
    """Run up to `limit` due jobs; returns how many ran (successfully or not)."""
    redis, keys = services.redis, services.keys
    ran = 0
    while ran < limit:
        claimed = await redis.eval(_CLAIM, 1, due_key(keys), time.time(), CLAIM_SECONDS)
        if not claimed:
            break
        job_id = as_text(claimed)
        ran += 1
        raw = await redis.hget(_job_key(keys, job_id), "payload")
        if raw is None:
            await redis.zrem(due_key(keys), job_id)
            continue
        spec = json.loads(as_text(raw))
        handler = handlers.get(spec["name"])
        if handler is None:
            log.error("no handler for job", extra={"job": spec["name"]})
            await _finish(redis, keys, job_id)
            continue
        try:
            await handler(services, ShopRef.parse(spec["shop"]), spec["args"])
        except Exception as exc:
            await _retry_or_drop(redis, keys, job_id, spec["name"], exc)
        else:
            await _finish(redis, keys, job_id)
    return ran


async def _finish(redis: RedisStore, keys: Keys, job_id: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(due_key(keys), job_id)
        pipe.delete(_job_key(keys, job_id))
        await pipe.execute()


async def _retry_or_drop(redis: RedisStore, keys: Keys, job_id: str, name: str, exc: Exception) -> None:
    attempts = int(await redis.hincrby(_job_key(keys, job_id), "attempts", 1))
    retryable = not isinstance(exc, PlatformError) or exc.retryable
    if not retryable or attempts >= MAX_ATTEMPTS:
        log.error("job failed for good", extra={"job": name, "attempts": attempts, "error": type(exc).__name__})
        await redis.hset(_job_key(keys, job_id), "error", f"{type(exc).__name__}: {exc}")
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(due_key(keys), job_id)
            pipe.sadd(keys.jobs("failed"), job_id)
            await pipe.execute()
        return
    hinted = exc.retry_after if isinstance(exc, PlatformError) else None
    delay = hinted if hinted is not None else min(3600.0, 5.0 * 2**attempts)
    log.warning("job will retry", extra={"job": name, "attempts": attempts, "delay_s": delay})
    await redis.zadd(due_key(keys), {job_id: time.time() + delay}, xx=True)
