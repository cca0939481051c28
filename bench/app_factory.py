"""The real app for load tests, built from the environment exactly as `upfront serve` builds it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from plugin.app import create_app
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import load_settings
from plugin.shops import StoredToken

# A Shopify shop to register as installed at startup: deliveries for shops not installed are answered but not
# queued, so an ingest measurement needs its shop installed to measure the whole path.
BENCH_SHOP_VARIABLE = "UPFRONT_BENCH_SHOPIFY_SHOP"
# With a count, shops bench-0 ... bench-<count - 1>.myshopify.com are installed as well (the cluster bench's 1,000).
BENCH_SHOPS_VARIABLE = "UPFRONT_BENCH_SHOPIFY_SHOPS"


def bench_shops(count: int) -> list[str]:
    return [f"bench-{index}.myshopify.com" for index in range(count)]


def create() -> Starlette:
    app = create_app(load_settings())
    shops = [os.environ[BENCH_SHOP_VARIABLE]] if os.environ.get(BENCH_SHOP_VARIABLE) else []
    shops += bench_shops(int(os.environ.get(BENCH_SHOPS_VARIABLE) or 0))
    if shops:
        running = app.router.lifespan_context

        @asynccontextmanager
        async def with_shops_installed(app: Starlette) -> AsyncIterator[Any]:
            async with running(app) as state:
                assert state is not None  # create_app's lifespan yields its services
                services: Services = state["services"]
                for shop in shops:
                    await services.shops.save_token(ShopRef("shopify", shop), StoredToken("bench-token", ""))
                yield state

        app.router.lifespan_context = with_shops_installed
    return app
