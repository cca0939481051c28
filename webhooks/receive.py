"""The webhook endpoint: verify the raw bytes through the platform, enqueue durably, answer fast."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plugin.logs import on_access_line
from plugin.platform import WebhookRejected
from plugin.request_body import read_body
from plugin.responses import Prebuilt
from plugin.services import services
from plugin.storage import STORE_UNAVAILABLE
from webhooks.admission import NOT_INSTALLED, refusal
from webhooks.ingest import enqueue_event

log = logging.getLogger(__name__)

# The answers to nearly every delivery, encoded once.
QUEUED = Prebuilt.of(JSONResponse({"status": "queued"}))
DUPLICATE = Prebuilt.of(JSONResponse({"status": "duplicate"}))
IGNORED = Prebuilt.of(JSONResponse({"status": "ignored"}))
# 200 all the same, so the platform stops retrying a delivery no one here will act on.
NOT_INSTALLED_ANSWER = Prebuilt.of(JSONResponse({"status": "ignored", "reason": NOT_INSTALLED}))


def webhook_endpoint(platform_name: str) -> Callable[[Request], Awaitable[Response]]:
    async def receive(request: Request) -> Response:
        svc = services(request)
        platform = svc.platforms[platform_name]
        body = await read_body(request)  # size already bounded by BodyLimitMiddleware
        # ASGI header names arrive lowercased; a plain dict is all the adapters need.
        headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in request.scope["headers"]}
        try:
            event = platform.verify_webhook(headers, body)
        except WebhookRejected as rejected:
            log.info("webhook rejected", extra={"platform": platform.name, "reason": rejected.reason})
            return JSONResponse({"error": rejected.reason}, status_code=rejected.status)
        if event is None:
            return IGNORED.response()
        try:
            if await refusal(svc, event) is not None:
                log.info("webhook ignored", extra={"platform": platform.name, "reason": NOT_INSTALLED})
                return NOT_INSTALLED_ANSWER.response()
            await platform.on_verified(event)
            entry = await enqueue_event(
                svc.pipelined, svc.keys, event, waitaof_replicas=svc.settings.redis_waitaof_replicas
            )
        except STORE_UNAVAILABLE as exc:  # the builtin ConnectionError is an OSError
            # Not durable, so not acknowledged: the platform's retry will bring it again.
            log.error("webhook not stored", extra={"platform": platform.name, "error": type(exc).__name__})
            return JSONResponse({"error": "storage unavailable, retry later"}, status_code=503)
        outcome = {"webhook": "accepted" if entry else "duplicate", "type": event.type, "shop": event.shop.tag}
        if not on_access_line(**outcome) and log.isEnabledFor(logging.INFO):
            log.info(f"webhook {outcome['webhook']}", extra={"platform": platform.name, **outcome})
        return QUEUED.response() if entry else DUPLICATE.response()

    return receive
