"""Request ids: accept a sane incoming X-Request-ID or mint one, echo it, and log each request once.
A client that leaves before its body has arrived is ordinary traffic: its one line says 499, no traceback."""

from __future__ import annotations

import logging
import random
import re
import time
from typing import Any

from starlette.requests import ClientDisconnect
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugin.logs import access_fields_var, request_id_var

log = logging.getLogger("upfront.access")

CLIENT_CLOSED_REQUEST = 499  # nginx's status for it, familiar to whoever reads the log
_ACCEPTABLE_ID = re.compile(rb"^[A-Za-z0-9._\-]{8,128}$")


def _mint() -> str:
    # Ids only correlate log lines, they guard nothing: the (fork-reseeded) PRNG spares a syscall per request.
    return f"{random.getrandbits(64):016x}"


# Shoppers' storefront reads (estimates, badges, the script) are most of the traffic, anonymous, and nothing an
# operator acts on one by one: when they succeed their line is DEBUG, which keeps shopper traffic out of the logs
# and spares a quarter of such a request's cost at INFO. Failures, and every other request, stay INFO.
STOREFRONT_PREFIX = "/storefront/"
_READS = frozenset({"GET", "HEAD", "OPTIONS"})


def _level(scope: Scope, status: int) -> int:
    quiet = status < 400 and scope["method"] in _READS and scope["path"].startswith(STOREFRONT_PREFIX)
    return logging.DEBUG if quiet else logging.INFO


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = next((value for name, value in scope["headers"] if name == b"x-request-id"), b"")
        request_id = incoming.decode() if _ACCEPTABLE_ID.match(incoming) else _mint()
        token = request_id_var.set(request_id)
        fields: dict[str, Any] = {}
        fields_token = access_fields_var.set(fields if log.isEnabledFor(logging.INFO) else None)
        started = time.perf_counter()
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        except ClientDisconnect:
            status = CLIENT_CLOSED_REQUEST  # whichever body reader noticed; there is no one left to answer
        finally:
            level = _level(scope, status)
            if log.isEnabledFor(level):
                # Paths only, never query strings: those can carry signatures, codes and shopper data.
                log.log(
                    level,
                    "request",
                    extra={
                        **fields,  # what the endpoint added (plugin.logs.on_access_line)
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - started) * 1000, 2),
                    },
                )
            access_fields_var.reset(fields_token)
            request_id_var.reset(token)
