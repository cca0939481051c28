"""Durable scheduled jobs: a sorted set of due times plus one hash per job, claimed atomically by any worker.

A job id makes scheduling idempotent: scheduling the same id again keeps the earliest due time, so a
repeated install or a webhook redelivery never doubles the work. Jobs are partitioned by shop like the events
(`{jobs:<n>/<count>}`, plugin.partitions): every script and transaction here touches one partition's keys.
After a repartition the old partitions are sealed (no new jobs) and drained by the workers; a job id still
scheduled there is rescheduled there, so it is not doubled in the new layout.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from redis.exceptions import ResponseError

from plugin.errors import PlatformError
from plugin.keys import Keys, ShopRef
from plugin.partitions import Partition, every_partition, partition_of
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


def due_key(keys: Keys, partition: Partition) -> str:
    return keys.jobs(partition, "due")


def due_keys(keys: Keys) -> list[str]:
    """The due-time index of every job partition (the previous layout's too, while it drains)."""
    return [due_key(keys, partition) for partition in keys.layout.partitions()]


def _job_key(keys: Keys, partition: Partition, job_id: str) -> str:
    return keys.jobs(partition, "job", job_id)


def _failed_key(keys: Keys, partition: Partition) -> str:
    return keys.jobs(partition, "failed")


def _sealed_key(keys: Keys, partition: Partition) -> str:
    return keys.jobs(partition, "sealed")


# Schedule: add, or keep the earliest due time of an already scheduled job (ZADD LT); store the payload once.
# A partition retired by a repartition refuses ("SEALED <count>"): the caller adopts the new layout and goes again.
_SCHEDULE = """
local sealed = redis.call('GET', KEYS[3])
if sealed then return redis.error_reply('SEALED ' .. sealed) end
redis.call('HSETNX', KEYS[2], 'payload', ARGV[2])
redis.call('HSETNX', KEYS[2], 'attempts', '0')
return redis.call('ZADD', KEYS[1], 'LT', ARGV[1], ARGV[3])
"""

# In the previous layout: seal the partition (nothing new goes there), and if the job is still there, keep the
# earliest due time there (as _SCHEDULE would) instead of scheduling it a second time in the new layout.
_RESCHEDULE_IF_THERE = """
redis.call('SET', KEYS[3], ARGV[3], 'NX')
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[1], 'LT', ARGV[1], ARGV[2])
return 1
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
    for _ in range(3):  # a sealed partition means a repartition happened: adopt it and schedule again
        layout = keys.layout
        if layout.previous is not None:
            old = partition_of(job.shop, layout.previous)
            found = await redis.eval(
                _RESCHEDULE_IF_THERE,
                3,
                due_key(keys, old),
                _job_key(keys, old, job.job_id),
                _sealed_key(keys, old),
                due,
                job.job_id,
                layout.count,
            )
            if int(found):
                return
        partition = layout.of(job.shop)
        try:
            await redis.eval(
                _SCHEDULE,
                3,
                due_key(keys, partition),
                _job_key(keys, partition, job.job_id),
                _sealed_key(keys, partition),
                due,
                payload,
                job.job_id,
            )
        except ResponseError as exc:
            if not str(exc).startswith("SEALED "):
                raise
            layout.sealed_into(int(str(exc).split()[1]))
        else:
            return
    raise ConnectionError("the job partitions are changing; try again")


async def pending_jobs(redis: RedisStore, keys: Keys) -> int:
    async with redis.pipeline(transaction=False) as pipe:
        for key in due_keys(keys):
            pipe.zcard(key)
        counts = await pipe.execute()
    return sum(int(count) for count in counts)


async def run_due_jobs(services: Services, handlers: Mapping[str, JobHandler], *, limit: int = 100) -> int:
    """Run up to `limit` due jobs, one partition after the other in turn; returns how many ran (successfully or
    not). Taking one job per partition per turn keeps a shop with many due jobs from holding up the others."""
    redis, keys = services.redis, services.keys
    ran = 0
    partitions = keys.layout.partitions()
    while ran < limit and partitions:
        still_due: list[Partition] = []
        for partition in partitions:
            if ran >= limit:
                break
            claimed = await redis.eval(_CLAIM, 1, due_key(keys, partition), time.time(), CLAIM_SECONDS)
            if not claimed:
                continue
            ran += 1
            still_due.append(partition)
            await _run_claimed(services, handlers, partition, as_text(claimed))
        partitions = still_due
    return ran


async def _run_claimed(
    services: Services, handlers: Mapping[str, JobHandler], partition: Partition, job_id: str
) -> None:
    redis, keys = services.redis, services.keys
    raw = await redis.hget(_job_key(keys, partition, job_id), "payload")
    if raw is None:
        await redis.zrem(due_key(keys, partition), job_id)
        return
    spec = json.loads(as_text(raw))
    handler = handlers.get(spec["name"])
    if handler is None:
        log.error("no handler for job", extra={"job": spec["name"]})
        await _finish(redis, keys, partition, job_id)
        return
    try:
        await handler(services, ShopRef.parse(spec["shop"]), spec["args"])
    except Exception as exc:
        await _retry_or_drop(redis, keys, partition, job_id, spec["name"], exc)
    else:
        await _finish(redis, keys, partition, job_id)


async def _finish(redis: RedisStore, keys: Keys, partition: Partition, job_id: str) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zrem(due_key(keys, partition), job_id)
        pipe.delete(_job_key(keys, partition, job_id))
        await pipe.execute()


async def _retry_or_drop(
    redis: RedisStore, keys: Keys, partition: Partition, job_id: str, name: str, exc: Exception
) -> None:
    job_key = _job_key(keys, partition, job_id)
    attempts = int(await redis.hincrby(job_key, "attempts", 1))
    retryable = not isinstance(exc, PlatformError) or exc.retryable
    if not retryable or attempts >= MAX_ATTEMPTS:
        log.error("job failed for good", extra={"job": name, "attempts": attempts, "error": type(exc).__name__})
        await redis.hset(job_key, "error", f"{type(exc).__name__}: {exc}")
        async with redis.pipeline(transaction=True) as pipe:
            pipe.zrem(due_key(keys, partition), job_id)
            pipe.sadd(_failed_key(keys, partition), job_id)
            await pipe.execute()
        return
    hinted = exc.retry_after if isinstance(exc, PlatformError) else None
    delay = hinted if hinted is not None else min(3600.0, 5.0 * 2**attempts)
    log.warning("job will retry", extra={"job": name, "attempts": attempts, "delay_s": delay})
    await redis.zadd(due_key(keys, partition), {job_id: time.time() + delay}, xx=True)


async def failed_jobs(redis: RedisStore, keys: Keys) -> set[str]:
    """Ids of the jobs that failed for good, in every partition."""
    found: set[str] = set()
    for partition in keys.layout.partitions():
        found |= {as_text(job_id) for job_id in await redis.smembers(_failed_key(keys, partition))}
    return found


async def purge_shop_jobs(redis: RedisStore, keys: Keys, shop: ShopRef) -> int:
    """Delete the shop's scheduled and failed jobs (their body names the shop) from the shop's partitions, by
    their indexes (no keyspace scan); returns how many."""
    purged = 0
    for partition in keys.layout.shop_partitions(shop):
        due: Any = await redis.zrange(due_key(keys, partition), 0, -1)
        job_ids = {as_text(job_id) for job_id in due}
        job_ids |= {as_text(job_id) for job_id in await redis.smembers(_failed_key(keys, partition))}
        for job_id in sorted(job_ids):
            key = _job_key(keys, partition, job_id)
            raw = await redis.hget(key, "payload")
            try:
                owner = json.loads(as_text(raw)).get("shop") if raw is not None else None
            except (json.JSONDecodeError, AttributeError):
                owner = None
            if owner != shop.tag:
                continue
            async with redis.pipeline(transaction=True) as pipe:
                pipe.delete(key)
                pipe.zrem(due_key(keys, partition), job_id)
                pipe.srem(_failed_key(keys, partition), job_id)
                await pipe.execute()
            purged += 1
    return purged


async def move_failed_jobs(redis: RedisStore, keys: Keys, count: int) -> int:
    """Move the failed jobs of a retired layout of `count` partitions into the partitions in force (they are kept
    for the record, and erasure finds them there), so that layout can be forgotten. Returns how many moved."""
    moved = 0
    for old in every_partition(count):
        for job_id in sorted(as_text(found) for found in await redis.smembers(_failed_key(keys, old))):
            fields: dict[Any, str] = {  # Any: redis-py types the mapping with invariant keys
                as_text(k): as_text(v) for k, v in (await redis.hgetall(_job_key(keys, old, job_id))).items()
            }
            try:
                shop = json.loads(fields.get("payload", "{}")).get("shop", "")
                new = keys.layout.of(ShopRef.parse(shop))
            except (json.JSONDecodeError, AttributeError, ValueError):
                new = None
            if new is not None and fields:
                async with redis.pipeline(transaction=True) as pipe:  # the new partition's keys: one slot
                    pipe.hset(_job_key(keys, new, job_id), mapping=fields)
                    pipe.sadd(_failed_key(keys, new), job_id)
                    await pipe.execute()
            async with redis.pipeline(transaction=True) as pipe:  # then the old partition's: one slot
                pipe.delete(_job_key(keys, old, job_id))
                pipe.srem(_failed_key(keys, old), job_id)
                await pipe.execute()
            moved += 1
    return moved
