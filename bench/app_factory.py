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


def create() -> Starlette:
    app = create_app(load_settings())
    shop = os.environ.get(BENCH_SHOP_VARIABLE)
    if shop:
        running = app.router.lifespan_context

        @asynccontextmanager
        async def with_shop_installed(app: Starlette) -> AsyncIterator[Any]:
            async with running(app) as state:
                assert state is not None  # create_app's lifespan yields its services
                services: Services = state["services"]
                await services.shops.save_token(ShopRef("shopify", shop), StoredToken("bench-token", ""))
                yield state

        app.router.lifespan_context = with_shop_installed
    return app
