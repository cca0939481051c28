"""Opening the Redis store: the configured server or cluster, or the embedded one when no URL is set."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import TypeAlias, cast
from urllib.parse import unquote, urlsplit

import anyio.to_thread
from redis.asyncio import Redis, RedisCluster
from redis.asyncio.cluster import ClusterNode
from redis.asyncio.connection import Connection
from redis.exceptions import RedisClusterException, RedisError

from plugin.embedded_redis import EmbeddedRedis
from plugin.redis_packing import packed_in_c
from plugin.redis_url import CLUSTER_TLS_SCHEME, cluster_nodes, is_cluster_url
from plugin.settings import Settings

# What the app's code takes: a client of one server, or of a Redis Cluster (it follows MOVED/ASK itself).
# Both run the same commands; on a cluster, every multi-key command, transaction and script must stay in one slot.
RedisStore: TypeAlias = Redis | RedisCluster

# What an unreachable store raises: redis-py's errors, the socket's, and the cluster client's own (not a RedisError),
# e.g. "cannot connect to any startup node" or a slot no reachable node serves.
STORE_UNAVAILABLE: tuple[type[Exception], ...] = (RedisError, OSError, RedisClusterException)


def _connect_cluster(url: str) -> RedisCluster:
    parts = urlsplit(url)
    userinfo = parts.netloc.rpartition("@")[0]
    username, _, password = userinfo.partition(":") if userinfo else ("", "", "")
    cluster = RedisCluster(
        startup_nodes=[ClusterNode(host, port) for host, port in cluster_nodes(url)],
        username=unquote(username) or None,
        password=unquote(password) or None,
        ssl=parts.scheme == CLUSTER_TLS_SCHEME,
        decode_responses=True,
        health_check_interval=15,
    )
    # Every node's connections (discovered ones too) are made from these kwargs: pack commands in C there as well.
    manager = cluster.nodes_manager
    manager.connection_kwargs["connection_class"] = packed_in_c(manager.connection_kwargs["connection_class"])
    for node in manager.startup_nodes.values():
        node.connection_class = cast(type[Connection], packed_in_c(node.connection_class))  # a subclass of it
    return cluster


def connect(url: str) -> RedisStore:
    if is_cluster_url(url):
        return _connect_cluster(url)
    # health_check_interval re-validates idle pooled connections, so a Redis restart is survived transparently.
    redis = Redis.from_url(url, decode_responses=True, health_check_interval=15)
    pool = redis.connection_pool
    pool.connection_class = packed_in_c(pool.connection_class)  # before any connection is made
    return redis


@asynccontextmanager
async def open_redis(
    settings: Settings, on_embedded_stop: Callable[[str], None] | None = None
) -> AsyncIterator[RedisStore]:
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
