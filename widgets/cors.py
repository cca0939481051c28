"""CORS for `/storefront/{platform}/{shop}/...`: only that shop's own storefront origins, never a wildcard.

Allowed: https on each of the shop's domains (ShopFacts.domains) and the platform's default storefront domain.
The app's own origin is same-origin (the dev store) and passes untouched. A refused origin gets 403 before any
endpoint runs, so a foreign page cannot even make the app count an event.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts

ALLOWED_METHODS = "GET, POST"
ALLOWED_HEADERS = "Content-Type"
EXPOSED_HEADERS = "X-Upfront-Variant"
PREFLIGHT_MAX_AGE = "600"


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


async def allowed_origins(services: Services, shop: ShopRef) -> frozenset[str]:
    facts = await load_facts(services.redis, services.keys, shop)
    domains = [default_storefront_domain(shop), *(facts.domains if facts else ())]
    return frozenset(origin_of(f"https://{domain}") for domain in domains if domain)


class StorefrontCors:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = Headers(scope=scope).get("origin")
        services: Services = scope["state"]["services"]
        if origin is None or origin_of(origin) == origin_of(services.settings.app_url):
            await self.app(scope, receive, self._vary(send, None))
            return
        params = scope.get("path_params", {})
        try:
            shop = ShopRef(str(params.get("platform", "")), str(params.get("shop", "")).lower())
        except ValueError:
            await self.app(scope, receive, self._vary(send, None))  # the endpoint answers 404
            return
        allowed = origin_of(origin) in await allowed_origins(services, shop)
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
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.add_vary_header("Origin")
                if origin is not None:
                    headers["Access-Control-Allow-Origin"] = origin
                    headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
            await send(message)

        return with_headers
