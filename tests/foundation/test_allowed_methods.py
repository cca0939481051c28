"""Methods per RFC 9110 on the whole app: OPTIONS and 405 list every method of the path, TRACE is a 405, and the
storefront's CORS preflight stays with its CORS guard."""

from __future__ import annotations

import pytest
from starlette.routing import Route

from plugin.app import create_app
from plugin.keys import ShopRef
from plugin.middleware.methods import AllowedMethods
from plugin.openapi import iter_routes
from plugin.settings import Settings
from tests.conftest import AppClientFactory
from tests.widget_app import services, shop

__all__ = ["services", "shop"]
pytestmark = pytest.mark.anyio

STOREFRONT = "/storefront/shopify/upfront-demo.myshopify.com"
SHOP_ORIGIN = "https://upfront-demo.example"


def _allow(header: str) -> set[str]:
    return {method.strip() for method in header.split(",")}


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/admin/api/help/settings", {"GET", "HEAD", "PUT", "OPTIONS"}),  # two routes share the path
        ("/email/unsubscribe", {"GET", "HEAD", "POST", "OPTIONS"}),
        ("/webhooks/shopify", {"POST", "OPTIONS"}),  # a hot POST route
        (f"{STOREFRONT}/estimate", {"GET", "HEAD", "OPTIONS"}),  # a hot read
        ("/proxy/ping", {"GET", "HEAD", "OPTIONS"}),  # behind the proxy's signature check
        ("/admin/api/session", {"GET", "HEAD", "OPTIONS"}),  # a route before a mount of the same prefix
    ],
    ids=["shared-path", "email", "webhook", "storefront-hot-read", "proxy", "before-a-mount"],
)
async def test_options_and_unsupported_methods_list_every_method_of_the_path(
    app_client: AppClientFactory, path: str, methods: set[str]
) -> None:
    async with app_client() as client:
        options = await client.options(path)
        trace = await client.request("TRACE", path)
        patch = await client.patch(path, content=b"{}")
    assert options.status_code == 204
    assert _allow(options.headers["allow"]) == methods
    for refused in (trace, patch):
        assert refused.status_code == 405, (refused.request.method, refused.text)
        assert _allow(refused.headers["allow"]) == methods
        assert refused.json()["error"].startswith(f"{refused.request.method} is not allowed")


async def test_supported_methods_and_unknown_paths_reach_the_routes_as_before(app_client: AppClientFactory) -> None:
    async with app_client() as client:
        health = await client.get("/healthz")
        head = await client.head("/healthz")
        unknown = await client.request("TRACE", "/no/such/path")
        webhook = await client.post("/webhooks/shopify", content=b"{}")
    assert health.status_code == head.status_code == 200
    assert unknown.status_code == 404
    assert webhook.status_code in (400, 401)  # the endpoint's own refusal, not the method layer's


async def test_the_storefront_preflight_is_still_answered_by_its_cors_guard(
    app_client: AppClientFactory, shop: ShopRef
) -> None:
    async with app_client() as client:
        allowed = await client.options(
            f"{STOREFRONT}/events", headers={"Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "POST"}
        )
        foreign = await client.options(
            f"{STOREFRONT}/estimate", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"}
        )
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == SHOP_ORIGIN
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert foreign.status_code == 403
    assert "access-control-allow-origin" not in foreign.headers


def test_every_documented_route_is_in_the_method_table(settings: Settings) -> None:
    app = create_app(settings)
    table = AllowedMethods(app.router, app.routes)
    for path, route in iter_routes(app.routes):
        assert isinstance(route, Route)
        concrete = path.replace("{platform}", "shopify").replace("{shop}", "a.myshopify.com")
        concrete = concrete.replace("{digest}", "0123abcd").replace("{export_id}", "x").replace("{page}", "dashboard")
        concrete = concrete.replace("{request_id}", "r1")
        assert route.methods is not None and route.methods <= table.allowed(concrete), path
