"""Hot-route dispatch: a template matches exactly what the router's own path would, nothing more."""

from __future__ import annotations

import gc

import httpx
import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from plugin.app import YOUNG_GENERATION_THRESHOLD, create_app
from plugin.middleware.hot_routes import HotRoute, HotRoutes, endpoint_app, hot_routes
from plugin.settings import Settings
from tests.conftest import AppClientFactory

pytestmark = pytest.mark.anyio


async def hot(request: Request) -> Response:
    return PlainTextResponse(f"hot {sorted(request.path_params.items())}")


async def routed(request: Request) -> Response:
    return PlainTextResponse("router")


def _app() -> Starlette:
    template = HotRoute("GET", "/shops/{platform}/{shop}/estimate", endpoint_app(hot))
    return Starlette(
        routes=[Route("/{rest:path}", routed, methods=["GET", "POST"])],
        middleware=[Middleware(HotRoutes, routes=[template])],
    )


@pytest.mark.parametrize(
    ("method", "path", "answer"),
    [
        ("GET", "/shops/shopify/a.example/estimate", "hot [('platform', 'shopify'), ('shop', 'a.example')]"),
        ("GET", "/shops/bigcommerce/abc%20def/estimate", "hot [('platform', 'bigcommerce'), ('shop', 'abc def')]"),
        ("POST", "/shops/shopify/a.myshopify.com/estimate", "router"),  # another method
        ("GET", "/shops/shopify/a.myshopify.com/estimate/", "router"),  # trailing slash
        ("GET", "/shops/shopify//estimate", "router"),  # an empty parameter
        ("GET", "/shops/shopify/a/b/estimate", "router"),  # a segment too many
        ("GET", "/shops/shopify/a.myshopify.com/estimates", "router"),  # another literal
        ("GET", "/shops/shopify/a.myshopify.com", "router"),
    ],
)
async def test_only_the_templates_exact_shape_is_hot(method: str, path: str, answer: str) -> None:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://test") as client:
        response = await client.request(method, path)
    assert response.text == answer


def test_a_template_with_a_typed_parameter_is_refused() -> None:
    with pytest.raises(ValueError, match="plain"):
        HotRoutes(routed, [HotRoute("GET", "/orders/{id:int}", endpoint_app(hot))])


def test_a_hot_route_must_exist_and_answer_the_method() -> None:
    routes = [Route("/webhooks/shopify", routed, methods=["POST"])]
    assert [route.template for route in hot_routes(routes, "POST", "/webhooks/shopify")] == ["/webhooks/shopify"]
    with pytest.raises(KeyError):
        hot_routes(routes, "POST", "/webhooks/elsewhere")
    with pytest.raises(KeyError):
        hot_routes(routes, "GET", "/webhooks/shopify")


def test_the_app_dispatches_webhooks_and_storefront_reads_hot(settings: Settings) -> None:
    app = create_app(settings)
    [hot_layer] = [layer for layer in app.user_middleware if layer.cls is HotRoutes]
    templates = {(route.method, route.template) for route in hot_layer.kwargs["routes"]}
    assert templates == {
        ("POST", "/webhooks/shopify"),
        ("POST", "/webhooks/bigcommerce"),
        ("GET", "/storefront/{platform}/{shop}/estimate"),
        ("GET", "/storefront/{platform}/{shop}/widgets/estimate"),
        ("GET", "/storefront/{platform}/{shop}/widgets/badges"),
    }


async def test_after_startup_the_young_generation_is_collected_less_often(app_client: AppClientFactory) -> None:
    async with app_client() as client:
        assert (await client.get("/healthz")).status_code == 200
    assert gc.get_threshold()[0] == YOUNG_GENERATION_THRESHOLD
    assert gc.get_freeze_count() > 0
