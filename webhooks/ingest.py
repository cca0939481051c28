"""Durable hand-off of verified events: dedupe on the delivery and append to the shop's event partition, atomically.

Dedupe markers are 64-bit digests of (shop, delivery id) in one set per partition per period (`seen:<period>`),
each set expiring whole once its newest marker is older than the platforms' retry window: no key per delivery,
nothing personal in a marker, and a redelivery is found by looking through the window's few periods.
"""

from __future__ import annotations

import base64
import hashlib
import math
import time
from collections.abc import Sequence
from itertools import chain
from typing import Any

from redis.exceptions import ResponseError

from plugin.batching import PipelinedRedis, TickBatcher
from plugin.events import PlatformEvent
from plugin.keys import Keys, ShopRef
from plugin.partitions import DEDUPE_WINDOW_SECONDS, Partition
from plugin.storage import RedisStore, as_text
from webhooks.stream import StreamKeys

# Markers are grouped in periods of this length; a period's set expires DEDUPE_WINDOW_SECONDS after it ends, so a
# marker lives between the window and the window plus one period, and a lookup reads window / period + 2 sets.
DEDUPE_PERIOD_SECONDS = 5 * 3600
DIGEST_BYTES = 8  # 64 bits: at a million markers per partition, a false duplicate is a 1-in-10^13 chance

# One script per partition, so a crash can never leave a dedupe marker written without its event (which would make
# the platform's retry look like a duplicate and lose the event). It takes a batch: the deliveries of one partition
# that arrived during one turn of the event loop. KEYS: stream, counters, sealed, this period's set, then the older
# periods' sets. ARGV: this period's set's expiry (unix time), then per event its digest, its field count and its
# fields. Returns, per event, its entry id or false for a duplicate (a repeat within the batch included), or the
# error "SEALED <count>" when a repartition retired this partition (the caller adopts the new layout and retries).
# Each older period's set is asked about the whole batch at once (SMISMEMBER, in slices that stay far below Lua's
# unpack limit): a dozen calls per batch rather than a dozen per delivery, most of the script's time before.
# The stream is never trimmed by length: entries leave once handled (webhooks.stream).
_ENQUEUE = """
local sealed = redis.call('GET', KEYS[3])
if sealed then return redis.error_reply('SEALED ' .. sealed) end
local starts, digests, at = {}, {}, 2
while at <= #ARGV do
  starts[#starts + 1] = at
  digests[#digests + 1] = ARGV[at]
  at = at + 2 + tonumber(ARGV[at + 1])
end
local seen = {}
for i = 5, #KEYS do
  for first = 1, #digests, 500 do
    local last = math.min(first + 499, #digests)
    local found = redis.call('SMISMEMBER', KEYS[i], unpack(digests, first, last))
    for j = 1, #found do
      if found[j] == 1 then seen[first + j - 1] = true end
    end
  end
end
local received, duplicates, ids = 0, 0, {}
for n = 1, #starts do
  local at = starts[n]
  if not seen[n] and redis.call('SADD', KEYS[4], ARGV[at]) == 1 then
    ids[n] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, at + 2, at + 1 + tonumber(ARGV[at + 1])))
    received = received + 1
  else
    ids[n] = false
    duplicates = duplicates + 1
  end
end
if received > 0 then
  redis.call('EXPIREAT', KEYS[4], ARGV[1])
  redis.call('HINCRBY', KEYS[2], 'received', received)
end
if duplicates > 0 then redis.call('HINCRBY', KEYS[2], 'duplicates', duplicates) end
return ids
"""

# After a repartition, a retry of a delivery accepted under the old layout must still be a duplicate. Which of these
# digests did the old partition accept? It is sealed first (the repartition command seals every old partition too;
# whoever comes first), so no delivery can be accepted there after this look: the answer cannot go stale.
# KEYS: sealed, then the periods' sets. ARGV: the new partition count, then the digests. Returns 1/0 per digest.
_SEEN_BEFORE = """
redis.call('SET', KEYS[1], ARGV[1], 'NX')
local found = {}
for a = 2, #ARGV do
  local seen = 0
  for i = 2, #KEYS do
    if redis.call('SISMEMBER', KEYS[i], ARGV[a]) == 1 then seen = 1 break end
  end
  found[#found + 1] = seen
end
return found
"""

WAITAOF_TIMEOUT_MS = 2000
_SEALED = "SEALED "
_MAX_LAYOUT_CHANGES = 3  # a batch follows at most this many repartitions in a row before giving up (503, retried)


def delivery_digest(shop: ShopRef, delivery_id: str) -> str:
    """11 characters of base64: as small in Redis as the 8 raw bytes, and readable by any tool that reads text."""
    digest = hashlib.blake2b(f"{shop.tag}\n{delivery_id}".encode(), digest_size=DIGEST_BYTES).digest()
    return base64.b64encode(digest).decode()[:11]


def seen_keys(sk: StreamKeys, now: float) -> tuple[list[str], int]:
    """The dedupe sets a lookup at `now` reads, this period's first, and when this period's set expires."""
    newest = math.floor(now / DEDUPE_PERIOD_SECONDS)
    oldest = math.floor((now - DEDUPE_WINDOW_SECONDS) / DEDUPE_PERIOD_SECONDS)
    expires = (newest + 1) * DEDUPE_PERIOD_SECONDS + DEDUPE_WINDOW_SECONDS
    return [f"{sk.seen}{period}" for period in range(newest, oldest - 1, -1)], expires


async def enqueue_event(
    redis: RedisStore | PipelinedRedis, keys: Keys, event: PlatformEvent, *, waitaof_replicas: int | None = None
) -> str | None:
    """Append `event` unless its delivery was seen; returns the stream entry id, or None for a duplicate.

    Durability: the embedded Redis runs `appendfsync always`, so the reply comes after the append-only file is
    fsynced. Against an external server, `waitaof_replicas` (UPFRONT_REDIS_WAITAOF, Redis >= 7.2) also waits until
    the primary and that many replicas have fsynced the write before the platform gets its 200.
    The webhook endpoint passes `Services.pipelined`: the deliveries of one event-loop turn then go out together,
    one script call per partition in one pipeline, each acknowledged only once its partition's write returned.
    """
    if isinstance(redis, PipelinedRedis):
        batch: TickBatcher[PlatformEvent, str | None] = redis.batcher(
            ("webhooks.enqueue", keys.prefix, waitaof_replicas),
            lambda events: _enqueue_batch(redis.redis, keys, events, waitaof_replicas),
        )
        entry_id: str | None = await batch(event)
        return entry_id
    (outcome,) = await _enqueue_batch(redis, keys, [event], waitaof_replicas)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


async def _enqueue_batch(
    redis: RedisStore, keys: Keys, events: Sequence[PlatformEvent], waitaof_replicas: int | None, depth: int = 0
) -> list[str | None | Exception]:
    outcomes: list[str | None | Exception] = [None] * len(events)
    digests = [delivery_digest(event.shop, event.delivery_id) for event in events]
    now = time.time()
    seen_before = await _seen_in_previous_layout(redis, keys, events, digests, now)
    groups: dict[Partition, list[int]] = {}
    for index, event in enumerate(events):
        if not seen_before[index]:
            groups.setdefault(keys.layout.of(event.shop), []).append(index)
    if not groups:
        return outcomes
    commands = [
        _enqueue_command(keys, partition, members, events, digests, now) for partition, members in groups.items()
    ]
    if len(commands) == 1 and waitaof_replicas is None:
        # The usual batch: one partition. A plain command spares the pipeline's bookkeeping.
        try:
            replies: list[Any] = [await redis.execute_command(*commands[0])]
        except ResponseError as exc:
            replies = [exc]
    else:
        async with redis.pipeline(transaction=False) as pipe:
            for command in commands:
                pipe.execute_command(*command)
            if waitaof_replicas is not None:
                # In the same pipeline, so on the same connection: WAITAOF waits for that connection's writes.
                pipe.execute_command("WAITAOF", 1, waitaof_replicas, WAITAOF_TIMEOUT_MS)
            replies = await pipe.execute(raise_on_error=False)
    moved: list[int] = []
    for (_, members), reply in zip(groups.items(), replies, strict=False):
        if isinstance(reply, ResponseError) and str(reply).startswith(_SEALED):
            keys.layout.sealed_into(int(str(reply)[len(_SEALED) :]))
            moved += members
        elif isinstance(reply, Exception):
            for index in members:
                outcomes[index] = reply
        else:
            for index, entry_id in zip(members, reply, strict=True):
                outcomes[index] = None if entry_id is None else as_text(entry_id)
    if waitaof_replicas is not None:
        waited = replies[-1]
        if isinstance(waited, Exception):
            raise waited
        local, replicas = waited
        if int(local) < 1 or int(replicas) < waitaof_replicas:
            unsynced = ConnectionError("the event was not fsynced in time; the platform will redeliver it")
            outcomes = [unsynced if isinstance(outcome, str) else outcome for outcome in outcomes]
    if moved:
        if depth >= _MAX_LAYOUT_CHANGES:
            changing = ConnectionError("the event partitions are changing; the platform will redeliver it")
            for index in moved:
                outcomes[index] = changing
        else:
            retried = await _enqueue_batch(redis, keys, [events[i] for i in moved], waitaof_replicas, depth + 1)
            for index, outcome in zip(moved, retried, strict=True):
                outcomes[index] = outcome
    return outcomes


def _enqueue_command(
    keys: Keys,
    partition: Partition,
    members: Sequence[int],
    events: Sequence[PlatformEvent],
    digests: Sequence[str],
    now: float,
) -> list[str | int]:
    sk = StreamKeys.of(keys, partition)
    sets, expires = seen_keys(sk, now)
    command: list[str | int] = ["EVAL", _ENQUEUE, 3 + len(sets), sk.stream, sk.counters, sk.sealed, *sets, expires]
    for index in members:
        fields = events[index].to_fields()
        command += (digests[index], 2 * len(fields), *chain.from_iterable(fields.items()))
    return command


async def _seen_in_previous_layout(
    redis: RedisStore, keys: Keys, events: Sequence[PlatformEvent], digests: Sequence[str], now: float
) -> list[bool]:
    """Which events the previous layout accepted already (only in the retry window after a repartition)."""
    seen = [False] * len(events)
    groups: dict[Partition, list[int]] = {}
    for index, event in enumerate(events):
        old = keys.layout.previous_of(event.shop)
        if old is not None:
            groups.setdefault(old, []).append(index)
    if not groups:
        return seen
    async with redis.pipeline(transaction=False) as pipe:
        for partition, members in groups.items():
            sk = StreamKeys.of(keys, partition)
            sets, _ = seen_keys(sk, now)
            pipe.execute_command(
                "EVAL", _SEEN_BEFORE, 1 + len(sets), sk.sealed, *sets, keys.layout.count, *(digests[i] for i in members)
            )
        replies = await pipe.execute()
    for (_, members), found in zip(groups.items(), replies, strict=True):
        for index, flag in zip(members, found, strict=True):
            seen[index] = int(flag) == 1
    return seen
