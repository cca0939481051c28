"""Widget fixtures: the demo shop seeded through plugin.shop_data, and the smallest app serving the widgets with a
fixed clock (a Tuesday morning in Berlin, before the 14:00 cutoff)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_services
from plugin.devstore.storefront import seed_demo_shop, storefront_routes
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.proxy import proxy_context, proxy_mount
from tests.conftest import serve_in_process
from widgets.routes import proxy_widget_routes, widget_routes

TUESDAY_MORNING = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # 10:00 in Berlin
SHOP_ORIGIN = "https://upfront-demo.example"


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


WidgetClient = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def widget_client(settings: Settings, redis: Redis, clock: Clock) -> WidgetClient:
    """`async with widget_client() as client:` the widget routes, the proxy mount and the dev storefront."""

    def build() -> Starlette:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
            async with httpx.AsyncClient() as http:
                yield {"services": build_services(settings, redis, http)}

        routes = [
            *widget_routes(clock=clock),
            proxy_mount(proxy_widget_routes(lambda request: proxy_context(request).shop, clock=clock)),
            Mount("/devstore", routes=storefront_routes()),
        ]
        return Starlette(routes=routes, lifespan=lifespan)

    return lambda: serve_in_process(build())
