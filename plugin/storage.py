"""Opening the Redis store: the configured server, or the embedded one when no URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import anyio.to_thread
from redis.asyncio import Redis

from plugin.embedded_redis import EmbeddedRedis
from plugin.redis_packing import packed_in_c
from plugin.settings import Settings


def connect(url: str) -> Redis:
    # health_check_interval re-validates idle pooled connections, so a Redis restart is survived transparently.
    redis = Redis.from_url(url, decode_responses=True, health_check_interval=15)
    pool = redis.connection_pool
    pool.connection_class = packed_in_c(pool.connection_class)  # before any connection is made
    return redis


@asynccontextmanager
async def open_redis(settings: Settings, on_embedded_stop: Callable[[str], None] | None = None) -> AsyncIterator[Redis]:
    """Yield a connection pool; start, adopt or join the embedded server if no URL is configured.

    On exit the embedded server is shut down if this process owns it; ``on_embedded_stop`` is told what happened
    (shut down, or left running for its owner), so what a command prints about it is true.
    """
    embedded: EmbeddedRedis | None = None
    url = settings.redis_url
    if url is None:
        embedded = EmbeddedRedis(settings.data_dir)
        url = await anyio.to_thread.run_sync(embedded.start)
    redis = connect(url)
    try:
        await redis.ping()
        yield redis
    finally:
        await redis.aclose()
        if embedded is not None:
            await anyio.to_thread.run_sync(embedded.stop)
            if on_embedded_stop is not None and embedded.stop_summary is not None:
                on_embedded_stop(embedded.stop_summary)


def as_text(value: bytes | str) -> str:
    """Values come back as str (the pool decodes responses); redis-py's types also allow bytes."""
    return value.decode() if isinstance(value, bytes) else value


def as_optional_text(value: bytes | str | None) -> str | None:
    return None if value is None else as_text(value)
