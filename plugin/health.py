"""Liveness and readiness probes."""

from __future__ import annotations

import logging

import anyio
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from plugin.openapi import documented
from plugin.services import services
from plugin.storage import STORE_UNAVAILABLE

log = logging.getLogger(__name__)

READINESS_TIMEOUT_SECONDS = 2.0


@documented("Liveness: the process is up", {200: "alive"}, tag="operations")
async def healthz(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


@documented("Readiness: Redis answers", {200: "ready", 503: "Redis does not answer"}, tag="operations")
async def readyz(request: Request) -> JSONResponse:
    try:
        with anyio.fail_after(READINESS_TIMEOUT_SECONDS):
            await services(request).redis.ping()
    except STORE_UNAVAILABLE as exc:  # TimeoutError is an OSError
        log.warning("not ready", extra={"reason": type(exc).__name__})
        return JSONResponse({"status": "unavailable", "redis": "down"}, status_code=503)
    return JSONResponse({"status": "ok", "redis": "up"})


routes = [
    Route("/healthz", healthz, methods=["GET"]),
    Route("/readyz", readyz, methods=["GET"]),
]
