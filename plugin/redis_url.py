"""The forms `UPFRONT_REDIS_URL` takes: one server (redis://, rediss://, unix://) or a cluster (redis+cluster://)."""

from __future__ import annotations

from urllib.parse import urlsplit

CLUSTER_SCHEME = "redis+cluster"
CLUSTER_TLS_SCHEME = "rediss+cluster"
SERVER_SCHEMES = ("redis", "rediss", "unix")


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in (CLUSTER_SCHEME, CLUSTER_TLS_SCHEME)


def cluster_nodes(url: str) -> list[tuple[str, int]]:
    """The startup nodes of `redis+cluster://[user:pass@]host:port[,host:port...]`; ValueError naming what is wrong."""
    netloc = urlsplit(url).netloc.rpartition("@")[2]
    nodes: list[tuple[str, int]] = []
    for part in netloc.split(","):
        host, _, port = part.strip().rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"{part.strip() or '(empty)'!r} is not host:port")
        nodes.append((host.strip("[]"), int(port)))
    return nodes


def redis_url_problem(url: str) -> str | None:
    """Why `url` cannot be used as UPFRONT_REDIS_URL, in plain words; None when it can."""
    scheme = urlsplit(url).scheme
    if scheme in SERVER_SCHEMES:
        return None
    if scheme not in (CLUSTER_SCHEME, CLUSTER_TLS_SCHEME):
        return (
            "UPFRONT_REDIS_URL must start with redis://, rediss://, unix:// "
            "or redis+cluster:// (redis+cluster://host:port[,host:port...] for a Redis Cluster)"
        )
    try:
        cluster_nodes(url)
    except ValueError as exc:
        return f"UPFRONT_REDIS_URL lists cluster nodes as host:port[,host:port...]: {exc}"
    if urlsplit(url).path not in ("", "/", "/0"):
        return "UPFRONT_REDIS_URL: a Redis Cluster has only database 0, so a cluster URL takes no /<db> path"
    return None
