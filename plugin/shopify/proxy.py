"""The app proxy: storefront requests Shopify forwards from `https://{shop}/apps/upfront/...` to `/proxy/...`.
A pure-ASGI middleware checks the signature and hands endpoints a `ProxyContext`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from plugin.keys import ShopRef
from plugin.openapi import JSON, DocumentedMount, QueryParam, documented
from plugin.services import Services
from plugin.shopify.adapter import shopify_secrets
from plugin.shopify.domains import shopify_shop
from plugin.shopify.signatures import (
    HEX_DIGEST_SCHEMA,
    SHOP_DOMAIN_SCHEMA,
    TIMESTAMP_SCHEMA,
    SignatureError,
    verify_proxy_query,
)

_STATE_KEY = "shopify_proxy"


@dataclass(frozen=True)
class ProxyContext:
    shop: ShopRef
    logged_in_customer_id: str | None  # None for a guest
    path_prefix: str | None


class AppProxyMiddleware:
    def __init__(self, app: ASGIApp, clock: Callable[[], float] = time.time) -> None:
        self.app = app
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = dict(scope.get("state") or {})
        found: Services = state["services"]
        pairs = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
        try:
            params = verify_proxy_query(pairs, shopify_secrets(found.settings), self.clock())
        except SignatureError as exc:
            await JSONResponse({"error": exc.reason}, status_code=exc.status)(scope, receive, send)
            return
        state[_STATE_KEY] = ProxyContext(
            shop=shopify_shop(params["shop"]),
            logged_in_customer_id=params.get("logged_in_customer_id") or None,
            path_prefix=params.get("path_prefix") or None,
        )
        await self.app({**scope, "state": state}, receive, send)


def proxy_context(request: Request) -> ProxyContext:
    """The verified shop and customer of a request behind `/proxy`."""
    context: ProxyContext = getattr(request.state, _STATE_KEY)
    return context


@documented(
    "Proxied storefront check: who is asking",
    {200: "{shop, logged_in_customer_id}", 400: "malformed", 401: "bad, duplicated or stale signature"},
    tag="storefront",
    media=JSON,
    schema={
        "type": "object",
        "required": ["shop", "logged_in_customer_id"],
        "properties": {"shop": {"type": "string"}, "logged_in_customer_id": {"type": ["string", "null"]}},
    },
)
async def proxy_ping(request: Request) -> JSONResponse:
    context = proxy_context(request)
    return JSONResponse({"shop": context.shop.id, "logged_in_customer_id": context.logged_in_customer_id})


# What Shopify adds to every proxied request; all of it is signed.
PROXY_QUERY = (
    QueryParam("shop", "the shop's myshopify.com domain", required=True, schema=SHOP_DOMAIN_SCHEMA),
    QueryParam("timestamp", "seconds since the epoch, within 90 s of now", required=True, schema=TIMESTAMP_SCHEMA),
    QueryParam("signature", "hex HMAC-SHA256 of the other parameters", required=True, schema=HEX_DIGEST_SCHEMA),
    QueryParam("path_prefix", "the proxy's storefront path, e.g. /apps/upfront"),
    QueryParam("logged_in_customer_id", "the signed-in customer, empty for guests"),
)
proxy_routes: list[BaseRoute] = [Route("/ping", proxy_ping, methods=["GET"])]


def proxy_mount(routes: Sequence[BaseRoute]) -> Mount:
    """`/proxy` with every route behind the signature check; widgets add their proxied routes here."""
    return DocumentedMount(
        "/proxy",
        routes=list(routes),
        middleware=[Middleware(AppProxyMiddleware)],
        responses={400: "malformed proxy parameters", 401: "bad, duplicated or stale signature"},
        query=PROXY_QUERY,
    )
