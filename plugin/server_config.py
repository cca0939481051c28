"""The one uvicorn configuration for `upfront serve` and `upfront dev`: same protocol, limits and timeouts."""

from __future__ import annotations

import os

import uvicorn
from starlette.types import ASGIApp

from plugin.http_limits import HeadLimits, limited_protocol
from plugin.settings import Settings

# Above this many open connections (or requests in progress) a process answers 503 at once rather than queueing
# more: below the common 1024 open-files limit, so the process never runs out of sockets for Redis.
MAX_CONNECTIONS = 1000
KEEP_ALIVE_SECONDS = 5


def server_config(app: ASGIApp, settings: Settings, *, host: str, port: int) -> uvicorn.Config:
    limits = HeadLimits(head_timeout=settings.head_timeout_s, body_timeout=settings.body_timeout_s)
    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=limited_protocol(limits),
        log_config=None,
        proxy_headers=True,
        forwarded_allow_ips=os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1"),
        limit_concurrency=MAX_CONNECTIONS,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=10,
    )
