"""One event partition's moving parts: consumer group reads, acknowledgement, release, reclaim, retry, dead letter.

Every state change is one Lua script over keys of one partition (one `{events:<n>/<count>}` hash tag, one slot), so
an event is always in exactly one place: its partition's stream (unread or pending for a consumer), retry set, or
dead letters. Nothing here touches two partitions at once.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.exceptions import ResponseError

from plugin.keys import Keys, ShopRef
from plugin.partitions import Partition
from plugin.storage import RedisStore, as_text

GROUP = "workers"

Entry = tuple[str, dict[str, str]]


@dataclass(frozen=True)
class StreamKeys:
    """The keys of one event partition."""

    partition: Partition
    stream: str
    retry_due: str
    retry_body: str
    dead: str
    counters: str
    sealed: str  # set once a repartition retired this partition: it then takes no new deliveries
    seen: str  # prefix of the dedupe buckets, one per period: seen:<period number>

    @classmethod
    def of(cls, keys: Keys, partition: Partition) -> StreamKeys:
        return cls(
            partition=partition,
            stream=keys.events(partition, "stream"),
            retry_due=keys.events(partition, "retry", "due"),
            retry_body=keys.events(partition, "retry", "body"),
            dead=keys.events(partition, "dead"),
            counters=keys.events(partition, "counters"),
            sealed=keys.events(partition, "sealed"),
            seen=keys.events(partition, "seen", ""),
        )

    @classmethod
    def for_shop(cls, keys: Keys, shop: ShopRef) -> StreamKeys:
        """The partition new events of `shop` go to."""
        return cls.of(keys, keys.layout.of(shop))

    @classmethod
    def of_shop(cls, keys: Keys, shop: ShopRef) -> list[StreamKeys]:
        """Every partition holding events of `shop`: now, and in the previous layout while it drains."""
        return [cls.of(keys, partition) for partition in keys.layout.shop_partitions(shop)]

    @classmethod
    def every(cls, keys: Keys) -> list[StreamKeys]:
        """Every partition a worker reads (the previous layout's too, while it drains)."""
        return [cls.of(keys, partition) for partition in keys.layout.partitions()]


def retry_delay(attempt: int, *, base: float = 2.0, cap: float = 3600.0) -> float:
    """Exponential backoff with full jitter: spreads a burst of failures instead of retrying in lockstep."""
    return random.uniform(0, min(cap, base * 2 ** (attempt - 1)))


def _decode(entries: list[tuple[bytes | str, dict[bytes | str, bytes | str]]] | None) -> list[Entry]:
    return [
        (as_text(entry_id), {as_text(k): as_text(v) for k, v in fields.items()}) for entry_id, fields in entries or []
    ]


async def ensure_group(redis: RedisStore, sk: StreamKeys) -> None:
    try:
        await redis.xgroup_create(sk.stream, GROUP, id="0", mkstream=True)
    except ResponseError as exc:
        if "BUSYGROUP" not in str(exc):
            raise


async def read_new(
    redis: RedisStore, sk: StreamKeys, consumer: str, *, count: int, block_ms: int | None = None
) -> list[Entry]:
    """New entries of one partition (one key: a read over several partitions would span slots)."""
    response: Any = await redis.xreadgroup(GROUP, consumer, {sk.stream: ">"}, count=count, block=block_ms)
    if not response:
        return []
    return _decode(response[0][1])


async def reclaim_idle(
    redis: RedisStore, sk: StreamKeys, consumer: str, *, min_idle_ms: int, count: int
) -> list[Entry]:
    """Take over entries a dead (or stuck) consumer read but never acknowledged."""
    response: Any = await redis.xautoclaim(sk.stream, GROUP, consumer, min_idle_ms, start_id="0-0", count=count)
    return _decode(response[1])


# Reset the idle time of entries this consumer still holds; one another consumer reclaimed meanwhile stays theirs.
_KEEP = """
local kept = {}
for i = 3, #ARGV do
  if #redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1, ARGV[2]) == 1 then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
    kept[#kept + 1] = ARGV[i]
  end
end
return kept
"""


async def keep_claimed(redis: RedisStore, sk: StreamKeys, consumer: str, entry_ids: Sequence[str]) -> set[str]:
    """Keep entries this consumer read but has not reached yet (read ahead, held back for fairness) from looking
    abandoned, so `reclaim_idle` of another worker does not take them while this one is alive. Returns the ids
    still this consumer's: one that was taken over meanwhile is left to its new holder."""
    if not entry_ids:
        return set()
    kept: Any = await redis.eval(_KEEP, 1, sk.stream, GROUP, consumer, *entry_ids)
    return {as_text(entry_id) for entry_id in kept or []}


# Done: acknowledge and delete in one step, so handled entries never pile up in the stream.
_ACK = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HINCRBY', KEYS[2], 'handled', 1)
return 1
"""


async def acknowledge(redis: RedisStore, sk: StreamKeys, entry_id: str) -> None:
    await redis.eval(_ACK, 2, sk.stream, sk.counters, GROUP, entry_id)


# Put an unstarted entry back for any consumer (graceful shutdown): copy to the stream's end, drop the original.
_RELEASE = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('XADD', KEYS[1], '*', unpack(ARGV, 3))
end
return 1
"""


async def release(redis: RedisStore, sk: StreamKeys, entry: Entry) -> None:
    entry_id, fields = entry
    flat = [part for pair in fields.items() for part in pair]
    await redis.eval(_RELEASE, 1, sk.stream, GROUP, entry_id, *flat)


# Retry later: move the entry from the stream into the retry set, with its attempt count, atomically.
_SCHEDULE_RETRY = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[4])
  redis.call('ZADD', KEYS[2], ARGV[5], ARGV[3])
  redis.call('HINCRBY', KEYS[4], 'retried', 1)
end
return 1
"""


async def schedule_retry(redis: RedisStore, sk: StreamKeys, entry: Entry, *, attempt: int, delay: float) -> None:
    entry_id, fields = entry
    body = json.dumps({**fields, "attempt": str(attempt)})
    retry_id = f"{fields['shop']}|{fields['delivery_id']}"
    await redis.eval(
        _SCHEDULE_RETRY,
        4,
        sk.stream,
        sk.retry_due,
        sk.retry_body,
        sk.counters,
        GROUP,
        entry_id,
        retry_id,
        body,
        time.time() + delay,
    )


# Give up: move the entry into the dead-letter stream with the reason, atomically.
_DEAD_LETTER = """
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 1 then
  redis.call('XDEL', KEYS[1], ARGV[2])
  redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
  redis.call('HINCRBY', KEYS[3], 'dead', 1)
end
return 1
"""


async def dead_letter(redis: RedisStore, sk: StreamKeys, entry: Entry, *, attempt: int, error: str) -> None:
    entry_id, fields = entry
    record = {**fields, "attempt": str(attempt), "error": error[:500], "failed_at": str(time.time())}
    flat = [part for pair in record.items() for part in pair]
    await redis.eval(_DEAD_LETTER, 3, sk.stream, sk.dead, sk.counters, GROUP, entry_id, *flat)


# Due retries go back to the stream, keeping their attempt count; ZREM first makes it safe for many workers.
_PROMOTE_DUE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, ARGV[2])
local moved = 0
for _, retry_id in ipairs(due) do
  if redis.call('ZREM', KEYS[1], retry_id) == 1 then
    local body = redis.call('HGET', KEYS[2], retry_id)
    redis.call('HDEL', KEYS[2], retry_id)
    if body then
      local fields = cjson.decode(body)
      local flat = {}
      for k, v in pairs(fields) do flat[#flat + 1] = k; flat[#flat + 1] = v end
      redis.call('XADD', KEYS[3], '*', unpack(flat))
      moved = moved + 1
    end
  end
end
return moved
"""


async def promote_due_retries(redis: RedisStore, sk: StreamKeys, *, limit: int = 100) -> int:
    moved = await redis.eval(_PROMOTE_DUE, 3, sk.retry_due, sk.retry_body, sk.stream, time.time(), limit)
    return int(moved)


# Replay dead letters (all, or one by id) into the stream with a fresh attempt count.
_REPLAY = """
local entries
if ARGV[1] == '' then
  entries = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', ARGV[2])
else
  entries = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
end
local moved = 0
for _, entry in ipairs(entries) do
  local flat = {}
  local fields = entry[2]
  for i = 1, #fields, 2 do
    local k = fields[i]
    if k ~= 'attempt' and k ~= 'error' and k ~= 'failed_at' then
      flat[#flat + 1] = k; flat[#flat + 1] = fields[i + 1]
    end
  end
  redis.call('XADD', KEYS[2], '*', unpack(flat))
  redis.call('XDEL', KEYS[1], entry[1])
  moved = moved + 1
end
return moved
"""


async def replay_dead(redis: RedisStore, sk: StreamKeys, entry_id: str | None = None, *, limit: int = 10_000) -> int:
    return int(await redis.eval(_REPLAY, 2, sk.dead, sk.stream, entry_id or "", limit))
