"""A fixed-window request limit in Redis, keyed by a pseudonym of the caller (never the address itself)."""

from __future__ import annotations

import hashlib
import hmac

from plugin.storage import RedisStore


def pseudonym(secret: str, value: str) -> str:
    """A keyed hash: equal inputs meet in one counter, but the stored key does not reveal the address."""
    return hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()[:20]


async def over_limit(redis: RedisStore, key: str, *, limit: int, window_s: int, now: float) -> int | None:
    """Count one request in the current window; the seconds until the window ends when over `limit`, else None."""
    window = int(now // window_s)
    counter = f"{key}:{window}"
    async with redis.pipeline(transaction=True) as pipe:
        pipe.incr(counter)
        pipe.expire(counter, window_s * 2)
        count, _ = await pipe.execute()
    if int(count) > limit:
        return max(1, int((window + 1) * window_s - now))
    return None
