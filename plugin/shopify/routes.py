"""The Shopify adapter's HTTP surface, as route lists the composition root adds to the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from redis.exceptions import RedisError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.openapi import documented
from plugin.platform import WebhookRejected
from plugin.services import services
from plugin.shopify.adapter import shopify_platform
from plugin.shopify.install import callback, install
from plugin.shopify.session import admin_session

ReceiveEndpoint = Callable[[Request], Awaitable[Response]]

# Topics the adapter acts on before queueing; their payloads are small (a shop object).
IMMEDIATE_TOPICS = frozenset({"app/uninstalled"})
MAX_IMMEDIATE_BYTES = 256 * 1024


def _topic(request: Request) -> str | None:
    return request.headers.get("x-shopify-topic") or request.headers.get("shopify-topic")


def webhook_route(receive: ReceiveEndpoint) -> Route:
    """`POST /webhooks/shopify`: the shared verify-and-queue endpoint, preceded for app/uninstalled by the
    adapter's immediate action — before queueing, so a failure there makes Shopify retry both."""

    @documented(
        "Every Shopify webhook topic, compliance topics included",
        {200: "queued, duplicate or ignored", 400: "malformed", 401: "HMAC does not match", 413: "too large"},
        tag="webhooks",
        request_body="the topic's JSON payload",
        security=["shopifyHmac"],
    )
    async def receive_shopify_webhook(request: Request) -> Response:
        declared = request.headers.get("content-length", "")
        if _topic(request) in IMMEDIATE_TOPICS and declared.isdigit() and int(declared) <= MAX_IMMEDIATE_BYTES:
            svc = services(request)
            platform = shopify_platform(svc)
            try:
                event = platform.verify_webhook(request.headers, await request.body())
            except WebhookRejected:
                event = None  # the shared endpoint answers the rejection
            if event is not None:
                try:
                    await platform.on_verified(svc, event)
                except (RedisError, OSError):
                    return JSONResponse({"error": "storage unavailable, retry later"}, status_code=503)
        return await receive(request)

    return Route("/webhooks/shopify", receive_shopify_webhook, methods=["POST"])


def shopify_routes(receive_webhook: ReceiveEndpoint) -> list[BaseRoute]:
    """Install, callback, the admin session check and the webhook endpoint (the app proxy is `proxy_mount`)."""
    return [
        Route("/shopify/install", install, methods=["GET"]),
        Route("/shopify/callback", callback, methods=["GET"]),
        Route("/admin/api/session", admin_session, methods=["GET"]),
        webhook_route(receive_webhook),
    ]
