"""A short-lived Redis lock: SET NX PX with a random token, released only by its holder (compare-and-delete)."""

from __future__ import annotations

import secrets

from plugin.storage import RedisStore

# Deleting without comparing could free a lock that expired and was taken by someone else meanwhile.
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
"""


class RedisLock:
    def __init__(self, redis: RedisStore, key: str, *, ttl_ms: int = 30_000) -> None:
        self.redis = redis
        self.key = key
        self.ttl_ms = ttl_ms
        self._token: str | None = None

    async def try_acquire(self) -> bool:
        token = secrets.token_hex(16)
        if await self.redis.set(self.key, token, nx=True, px=self.ttl_ms):
            self._token = token
            return True
        return False

    async def release(self) -> None:
        if self._token is not None:
            await self.redis.eval(_RELEASE, 1, self.key, self._token)
            self._token = None
