"""Widget fixtures: the demo shop seeded through plugin.shop_data, and the smallest app serving the widgets with a
fixed clock (a Tuesday morning in Berlin, before the 14:00 cutoff)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager

import httpx
import pytest
from redis.asyncio import Redis

from plugin.settings import Settings
from tests.conftest import serve_in_process
from tests.widget_app import Clock, clock, services, shop, widget_app

__all__ = ["clock", "services", "shop"]  # fixtures shared with the help tests
SHOP_ORIGIN = "https://upfront-demo.example"

WidgetClient = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def widget_client(settings: Settings, redis: Redis, clock: Clock) -> WidgetClient:
    """`async with widget_client() as client:` the widget routes, the proxy mount and the dev storefront."""
    return lambda: serve_in_process(widget_app(settings, redis, clock))
