"""The demo shop seeded and the smallest app serving the widgets on a test's clock, for the widget and help suites."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Mount

from plugin.app import build_services
from plugin.devstore.storefront import seed_demo_shop, storefront_routes
from plugin.keys import ShopRef
from plugin.middleware.hot_routes import HotRoutes
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.proxy import proxy_context, proxy_mount
from widgets.routes import hot_storefront_routes, proxy_widget_routes, widget_routes

TUESDAY_MORNING = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # 10:00 in Berlin: the demo shop is open


class Clock:
    def __init__(self, now: datetime = TUESDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def services(settings: Settings, redis: Redis) -> AsyncIterator[Services]:
    async with httpx.AsyncClient() as http:
        yield build_services(settings, redis, http)


@pytest.fixture
async def shop(services: Services) -> ShopRef:
    return await seed_demo_shop(services, install=True)


def widget_app(settings: Settings, redis: Redis, clock: Clock, *extra_routes: BaseRoute, hot: bool = True) -> Starlette:
    """The widget routes (direct and behind the proxy) on `clock`, then `extra_routes`, then the dev storefront.
    `hot`: the storefront's hot reads dispatched ahead of the router, as the app does (False: router only)."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with httpx.AsyncClient() as http:
            yield {"services": build_services(settings, redis, http)}

    routes = [
        *widget_routes(clock=clock),
        proxy_mount(proxy_widget_routes(lambda request: proxy_context(request).shop, clock=clock)),
        *extra_routes,
        Mount("/devstore", routes=storefront_routes()),
    ]
    middleware = [Middleware(HotRoutes, routes=hot_storefront_routes(routes))] if hot else []
    return Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
