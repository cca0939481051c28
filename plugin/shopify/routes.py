"""The Shopify adapter's HTTP surface, as route lists the composition root adds to the app."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.openapi import documented
from plugin.shopify.install import callback, install
from plugin.shopify.session import admin_session

ReceiveEndpoint = Callable[[Request], Awaitable[Response]]


def webhook_route(receive: ReceiveEndpoint) -> Route:
    """`POST /webhooks/shopify`: the shared verify-and-queue endpoint. Nothing acts before queueing: an
    app/uninstalled is confirmed with Shopify by the worker."""
    endpoint = documented(
        "Every Shopify webhook topic, compliance topics included",
        {
            200: "queued, duplicate, or ignored (a topic not handled, or a shop not installed)",
            400: "malformed, or Triggered-At in the future",
            401: "HMAC does not match, or the body names another shop than the shop domain header",
            413: "too large",
        },
        tag="webhooks",
        request_body="the topic's JSON payload",
        security=["shopifyHmac"],
    )(receive)
    return Route("/webhooks/shopify", endpoint, methods=["POST"])


def shopify_routes(receive_webhook: ReceiveEndpoint) -> list[BaseRoute]:
    """Install, callback, the admin session check and the webhook endpoint (the app proxy is `proxy_mount`)."""
    return [
        Route("/shopify/install", install, methods=["GET"]),
        Route("/shopify/callback", callback, methods=["GET"]),
        Route("/admin/api/session", admin_session, methods=["GET"]),
        webhook_route(receive_webhook),
    ]
