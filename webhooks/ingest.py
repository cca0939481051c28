"""Durable hand-off of verified events: dedupe on the delivery id and append to the event stream, atomically."""

from __future__ import annotations

from collections.abc import Sequence

from plugin.batching import PipelinedRedis, TickBatcher
from plugin.events import PlatformEvent
from plugin.keys import Keys
from plugin.storage import RedisStore, as_text

DEDUPE_TTL_SECONDS = 7 * 24 * 3600  # longer than any platform's retry schedule (Shopify 4 h, BigCommerce ~2 days)

# One script, so a crash can never leave a dedupe marker written without its event (which would make the
# platform's retry look like a duplicate and lose the event). It takes a batch: the deliveries that arrived
# during one turn of the event loop, each its field count and fields in ARGV after the TTL, each its dedupe key
# in KEYS after the stream and counters. Returns, per event, its entry id or false for a duplicate (a repeat
# within the batch included). The stream is never trimmed by length: entries leave once handled (webhooks.stream).
_ENQUEUE = """
local received, duplicates, ids, at = 0, 0, {}, 2
for i = 3, #KEYS do
  local count = tonumber(ARGV[at])
  if redis.call('SET', KEYS[i], '1', 'NX', 'EX', ARGV[1]) then
    ids[#ids + 1] = redis.call('XADD', KEYS[1], '*', unpack(ARGV, at + 1, at + count))
    received = received + 1
  else
    ids[#ids + 1] = false
    duplicates = duplicates + 1
  end
  at = at + count + 1
end
if received > 0 then redis.call('HINCRBY', KEYS[2], 'received', received) end
if duplicates > 0 then redis.call('HINCRBY', KEYS[2], 'duplicates', duplicates) end
return ids
"""


def event_stream_key(keys: Keys) -> str:
    return keys.events("stream")


def counters_key(keys: Keys) -> str:
    return keys.events("counters")


WAITAOF_TIMEOUT_MS = 2000


async def enqueue_event(
    redis: RedisStore | PipelinedRedis, keys: Keys, event: PlatformEvent, *, waitaof_replicas: int | None = None
) -> str | None:
    """Append `event` unless its delivery id was seen; returns the stream entry id, or None for a duplicate.

    Durability: the embedded Redis runs `appendfsync always`, so the reply comes after the append-only file is
    fsynced. Against an external server, `waitaof_replicas` (UPFRONT_REDIS_WAITAOF, Redis >= 7.2) also waits until
    the primary and that many replicas have fsynced the write before the platform gets its 200.
    The webhook endpoint passes `Services.pipelined`: the deliveries of one event-loop turn then share one
    script call, one round trip and one fsync.
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
    redis: RedisStore, keys: Keys, events: Sequence[PlatformEvent], waitaof_replicas: int | None
) -> list[str | None | Exception]:
    dedupe_keys: list[str] = []
    arguments: list[str | int] = [DEDUPE_TTL_SECONDS]
    for event in events:
        dedupe_keys.append(keys.events("dedupe", event.shop.tag, event.delivery_id))
        fields = event.to_fields()
        arguments.append(2 * len(fields))
        for name, value in fields.items():
            arguments += (name, value)
    async with redis.pipeline(transaction=False) as pipe:
        pipe.execute_command(
            "EVAL", _ENQUEUE, 2 + len(dedupe_keys), event_stream_key(keys), counters_key(keys), *dedupe_keys, *arguments
        )
        if waitaof_replicas is not None:
            # In the same pipeline, so on the same connection: WAITAOF waits for that connection's writes.
            pipe.execute_command("WAITAOF", 1, waitaof_replicas, WAITAOF_TIMEOUT_MS)
        entry_ids, *waited = await pipe.execute()
    ids: list[str | None] = [None if entry_id is None else as_text(entry_id) for entry_id in entry_ids]
    if waited:
        local, replicas = waited[0]
        if int(local) < 1 or int(replicas) < (waitaof_replicas or 0):
            unsynced = ConnectionError("the event was not fsynced in time; the platform will redeliver it")
            return [unsynced if entry_id is not None else None for entry_id in ids]
    return list(ids)
