"""Shopify fixtures: the dev store emulator, settings pointed at it, services wired as in production."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import build_services
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator, create_shopify_emulator
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.adapter import shopify_platform
from tests.conftest import APP_URL, SHOPIFY_API_KEY, SHOPIFY_SECRET

EMULATOR_BASE = "http://shopify.emulator"
SHOP = ShopRef("shopify", DEMO_SHOP)


class RecordingSleep:
    """Injected instead of anyio.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env["UPFRONT_SHOPIFY_ORIGIN"] = EMULATOR_BASE + "/{shop}"
    return test_env


@pytest.fixture
def emulator() -> ShopifyEmulator:
    return create_shopify_emulator(SHOPIFY_SECRET, SHOPIFY_API_KEY, APP_URL)


@pytest.fixture
async def emulator_http(emulator: ShopifyEmulator) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator), base_url=EMULATOR_BASE) as client:
        yield client


@pytest.fixture
def services(settings: Settings, redis: Redis, emulator_http: httpx.AsyncClient) -> Services:
    """The same wiring the app and the worker use, on the test's Redis prefix."""
    return build_services(settings, redis, emulator_http)


@pytest.fixture
async def installed(services: Services, emulator: ShopifyEmulator) -> ShopRef:
    """The demo shop with an expiring offline token, obtained from the emulator by token exchange."""
    token = await shopify_platform(services).endpoint.exchange_session_token(SHOP, emulator.session_token())
    await services.shops.save_token(SHOP, token)
    emulator.grants.clear()
    return SHOP
