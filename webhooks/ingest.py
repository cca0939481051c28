"""Durable hand-off of verified events: dedupe on the delivery id and append to the event stream, atomically."""

from __future__ import annotations

from redis.asyncio import Redis

from plugin.events import PlatformEvent
from plugin.keys import Keys

DEDUPE_TTL_SECONDS = 7 * 24 * 3600  # longer than any platform's retry schedule (Shopify 4 h, BigCommerce ~2 days)
STREAM_MAX_LENGTH = 1_000_000

# One script, so a crash can never leave the dedupe marker written without the event (which would make the
# platform's retry look like a duplicate and lose the event). Returns the entry id, or false for a duplicate.
_ENQUEUE = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', unpack(ARGV, 3))
end
return false
"""


def event_stream_key(keys: Keys) -> str:
    return keys.events("stream")


async def enqueue_event(redis: Redis, keys: Keys, event: PlatformEvent) -> str | None:
    """Append `event` unless its delivery id was seen; returns the stream entry id, or None for a duplicate.

    With the embedded Redis (appendfsync always) the reply comes after the AOF fsync, so a returned id is durable.
    """
    dedupe_key = keys.events("dedupe", event.shop.tag, event.delivery_id)
    flat = [part for pair in event.to_fields().items() for part in pair]
    entry_id = await redis.eval(
        _ENQUEUE, 2, dedupe_key, event_stream_key(keys), DEDUPE_TTL_SECONDS, STREAM_MAX_LENGTH, *flat
    )
    return str(entry_id) if entry_id else None
