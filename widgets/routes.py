"""Every widget endpoint is a function of one StorefrontCall (services, shop, request); here each is mounted twice:
under `/storefront/{platform}/{shop}` (CORS-limited to the shop's domains) and behind the Shopify app proxy.
BigCommerce-only endpoints are mounted under `/storefront/...` alone."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route

from plugin.keys import ShopRef
from plugin.middleware.hot_routes import HotRoute, endpoint_app
from plugin.openapi import DocumentedMount, also_answers
from plugin.services import services
from widgets.assets import static_routes
from widgets.badges.http import badges_fragment
from widgets.cart_variant import cart_variant_endpoint
from widgets.cors import StorefrontCors
from widgets.estimator.http import estimate_fragment, estimate_json
from widgets.help.events import help_events
from widgets.help.http import help_prompt, help_request, help_rules
from widgets.outcomes import events_endpoint
from widgets.shop_context import ShopUnavailable, shop_from_path
from widgets.storefront import StorefrontCall, WidgetRuntime, error, utc_now
from widgets.structured_data.http import structured_data

Handler = Callable[[StorefrontCall], Awaitable[Response]]
ShopOf = Callable[[Request], ShopRef]

STOREFRONT_PREFIX = "/storefront/{platform}/{shop}"
CORS_PREFIX = "/storefront/"  # where the CORS guard answers preflights itself
# What every product and cart page asks for: dispatched ahead of the router (plugin.middleware.hot_routes).
# What any widget endpoint may answer before its own work: the shop cannot serve widgets (now); ShopUnavailable.
SHOP_RESPONSES = {404: "unknown or uninstalled shop", 503: "the shop's details are not synced yet"}
HOT_READS = ("/estimate", "/widgets/estimate", "/widgets/badges")

# (path, handler, methods): the same table feeds both mounts.
ENDPOINTS: tuple[tuple[str, Handler, list[str]], ...] = (
    ("/estimate", estimate_json, ["GET"]),
    ("/widgets/estimate", estimate_fragment, ["GET"]),
    ("/widgets/badges", badges_fragment, ["GET"]),
    ("/structured-data", structured_data, ["GET"]),
    ("/events", events_endpoint, ["POST"]),
    ("/help/rules", help_rules, ["GET"]),
    ("/help/prompt", help_prompt, ["GET"]),
    ("/help/requests", help_request, ["POST"]),
    ("/help/events", help_events, ["POST"]),
)
# Not behind the Shopify app proxy: a Shopify cart carries the variant as a cart attribute.
STOREFRONT_ONLY: tuple[tuple[str, Handler, list[str]], ...] = (("/cart-variant", cart_variant_endpoint, ["POST"]),)


def _shop_from_path(request: Request) -> ShopRef:
    return shop_from_path(request.path_params["platform"], request.path_params["shop"])


def _endpoint(handler: Handler, runtime: WidgetRuntime, shop_of: ShopOf) -> Callable[[Request], Awaitable[Response]]:
    @functools.wraps(handler)  # keeps the handler's name and its OpenAPI description
    async def endpoint(request: Request) -> Response:
        try:
            shop = shop_of(request)
        except ShopUnavailable as exc:
            return error(exc.status, exc.reason)
        return await handler(StorefrontCall(services(request), shop, request, runtime))

    return also_answers(endpoint, SHOP_RESPONSES)


def widget_routes(*, clock: Callable[[], datetime] = utc_now) -> list[BaseRoute]:
    """The storefront script and `/storefront/{platform}/{shop}/...` for BigCommerce and the dev store."""
    runtime = WidgetRuntime(clock=clock)
    storefront = [
        Route(path, _endpoint(handler, runtime, _shop_from_path), methods=methods)
        for path, handler, methods in (*ENDPOINTS, *STOREFRONT_ONLY)
    ]
    return [
        *static_routes(),
        DocumentedMount(
            STOREFRONT_PREFIX,
            routes=storefront,
            middleware=[Middleware(StorefrontCors, shops=runtime.shops)],
            responses={403: "origin not one of the shop's storefront domains"},
        ),
    ]


def hot_storefront_routes(routes: Sequence[BaseRoute]) -> list[HotRoute]:
    """The storefront mount's hot reads (HOT_READS) from `routes`, with the mount's CORS guard around each."""
    mount = next(route for route in routes if isinstance(route, Mount) and route.path == STOREFRONT_PREFIX)
    cors = mount.app
    assert isinstance(cors, StorefrontCors), "the storefront mount's outermost layer is its CORS guard"
    return [
        HotRoute("GET", STOREFRONT_PREFIX + route.path, StorefrontCors(endpoint_app(route.endpoint), cors.shops))
        for route in mount.routes
        if isinstance(route, Route) and route.path in HOT_READS
    ]


def proxy_widget_routes(shop_of: ShopOf, *, clock: Callable[[], datetime] = utc_now) -> list[BaseRoute]:
    """The same endpoints for the `/proxy` mount; `shop_of` returns the shop the proxy signature proved."""
    runtime = WidgetRuntime(clock=clock, behind_app_proxy=True)
    return [Route(path, _endpoint(handler, runtime, shop_of), methods=methods) for path, handler, methods in ENDPOINTS]
