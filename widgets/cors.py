"""CORS for `/storefront/{platform}/{shop}/...`: only that shop's own storefront origins, never a wildcard.

Allowed: https on each of the shop's domains (ShopFacts.domains) and the platform's default storefront domain.
The app's own origin is same-origin (the dev store) and passes untouched. A refused origin gets 403 before any
endpoint runs, so a foreign page cannot even make the app count an event.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts
from widgets.shop_context import CHECKED_SHOP, ShopUnavailable, StorefrontShops, load_storefront_shop, shop_from_path

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = "Content-Type"
EXPOSED_HEADERS = "X-Upfront-Variant"
PREFLIGHT_MAX_AGE = "600"
_EXPOSED = (b"access-control-expose-headers", EXPOSED_HEADERS.encode())


@lru_cache(maxsize=4096)
def origin_of(url: str) -> str:
    parts = urlsplit(url.strip().lower())
    port = parts.port
    default = {"https": 443, "http": 80}.get(parts.scheme)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}" + (f":{port}" if port and port != default else "")


def default_storefront_domain(shop: ShopRef) -> str:
    if shop.platform == "shopify":
        return shop.id  # the myshopify domain
    return f"store-{shop.id}.mybigcommerce.com"


@lru_cache(maxsize=4096)
def allowed_origins(shop: ShopRef, domains: tuple[str, ...]) -> frozenset[str]:
    return frozenset(origin_of(f"https://{domain}") for domain in (default_storefront_domain(shop), *domains) if domain)


class StorefrontCors:
    """Checking the origin loads the shop (status, data version, cached facts); the endpoint gets that same load
    through the scope (CHECKED_SHOP), so a request still costs one shop check."""

    def __init__(self, app: ASGIApp, shops: StorefrontShops | None = None) -> None:
        self.app = app
        self.shops = shops or StorefrontShops()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = None
        for name, value in scope["headers"]:
            if name == b"origin":
                origin = value.decode("latin-1")
                break
        services: Services = scope["state"]["services"]
        if origin is None or (asked := origin_of(origin)) == origin_of(services.settings.app_url):
            await self.app(scope, receive, self._vary(send, None))
            return
        params = scope.get("path_params", {})
        try:
            shop = shop_from_path(str(params.get("platform", "")), str(params.get("shop", "")))
        except ShopUnavailable:
            await self.app(scope, receive, self._vary(send, None))  # the endpoint answers 404
            return
        try:
            loaded = await load_storefront_shop(services, shop, self.shops)
        except ShopUnavailable:  # the endpoint answers 404 or 503; let the shop's own pages read why
            facts = await load_facts(services.redis, services.keys, shop)
            domains = tuple(facts.domains) if facts else ()
        else:
            scope[CHECKED_SHOP] = loaded
            domains = tuple(loaded.facts.domains)
        allowed = asked in allowed_origins(shop, domains)
        preflight = scope["method"] == "OPTIONS" and "access-control-request-method" in Headers(scope=scope)
        if not allowed:
            refusal = JSONResponse(
                {"error": f"origin {origin} is not one of this shop's storefront domains"},
                status_code=403,
                headers={"Vary": "Origin", "Cache-Control": "no-store"},
            )
            await refusal(scope, receive, send)
        elif preflight:
            await self._preflight(origin)(scope, receive, send)
        else:
            await self.app(scope, receive, self._vary(send, origin))

    @staticmethod
    def _preflight(origin: str) -> Response:
        return Response(
            status_code=204,
            headers={
                "Access-Control-Allow-Origin": origin,
                "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                "Access-Control-Max-Age": PREFLIGHT_MAX_AGE,
                "Vary": "Origin",
            },
        )

    @staticmethod
    def _vary(send: Send, origin: str | None) -> Send:
        # Straight on the raw header list: this runs for every storefront answer.
        added = [] if origin is None else [(b"access-control-allow-origin", origin.encode("latin-1")), _EXPOSED]

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers: list[tuple[bytes, bytes]] = []
                vary: list[bytes] = []
                for name, value in message.get("headers", ()):
                    lowered = name.lower()
                    if lowered == b"vary":
                        vary.append(value)
                    elif not lowered.startswith(b"access-control-"):
                        headers.append((name, value))
                vary.append(b"Origin")
                headers.append((b"vary", b", ".join(vary)))
                message["headers"] = headers + added if added else headers
            await send(message)

        return with_headers
