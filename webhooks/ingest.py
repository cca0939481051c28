"""Durable hand-off of verified events: dedupe on the delivery id and append to the event stream, atomically."""

from __future__ import annotations

from redis.asyncio import Redis

from plugin.events import PlatformEvent
from plugin.keys import Keys

DEDUPE_TTL_SECONDS = 7 * 24 * 3600  # longer than any platform's retry schedule (Shopify 4 h, BigCommerce ~2 days)

# One script, so a crash can never leave the dedupe marker written without the event (which would make the
# platform's retry look like a duplicate and lose the event). Returns the entry id, or false for a duplicate.
# The stream is never trimmed by length: entries leave only once handled (see webhooks.stream).
_ENQUEUE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[3], 'received', 1)
  return redis.call('XADD', KEYS[2], '*', unpack(ARGV, 2))
end
redis.call('HINCRBY', KEYS[3], 'duplicates', 1)
return false
"""


def event_stream_key(keys: Keys) -> str:
    return keys.events("stream")


def counters_key(keys: Keys) -> str:
    return keys.events("counters")


WAITAOF_TIMEOUT_MS = 2000


async def enqueue_event(
    redis: Redis, keys: Keys, event: PlatformEvent, *, waitaof_replicas: int | None = None
) -> str | None:
    """Append `event` unless its delivery id was seen; returns the stream entry id, or None for a duplicate.

    Durability: the embedded Redis runs `appendfsync always`, so the reply comes after the append-only file is
    fsynced. Against an external server, `waitaof_replicas` (UPFRONT_REDIS_WAITAOF, Redis >= 7.2) also waits until
    the primary and that many replicas have fsynced the write before the platform gets its 200.
    """
    dedupe_key = keys.events("dedupe", event.shop.tag, event.delivery_id)
    flat = [part for pair in event.to_fields().items() for part in pair]
    entry_id = await redis.eval(
        _ENQUEUE, 3, dedupe_key, event_stream_key(keys), counters_key(keys), DEDUPE_TTL_SECONDS, *flat
    )
    if entry_id and waitaof_replicas is not None:
        local, replicas = await redis.execute_command(  # type: ignore[no-untyped-call]
            "WAITAOF", 1, waitaof_replicas, WAITAOF_TIMEOUT_MS
        )
        if int(local) < 1 or int(replicas) < waitaof_replicas:
            raise ConnectionError("the event was not fsynced in time; the platform will redeliver it")
    return str(entry_id) if entry_id else None
