"""Both dev store emulators behind one httpx transport, with the app's adapters pointed at them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_services
from plugin.devstore.bigcommerce import BigCommerceEmulator, create_bigcommerce_emulator
from plugin.devstore.shopify import ShopifyEmulator, create_shopify_emulator
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import APP_URL, BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, SHOPIFY_API_KEY, SHOPIFY_SECRET

DEVSTORE = "http://devstore.test"


@dataclass
class DevStores:
    shopify: ShopifyEmulator
    bigcommerce: BigCommerceEmulator


@pytest.fixture
def stores() -> DevStores:
    return DevStores(
        shopify=create_shopify_emulator(SHOPIFY_SECRET, SHOPIFY_API_KEY, APP_URL),
        bigcommerce=create_bigcommerce_emulator(BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, APP_URL),
    )


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    api_origin, login_origin = BigCommerceEmulator.origins(DEVSTORE + "/bigcommerce")
    test_env.update(
        UPFRONT_SHOPIFY_ORIGIN=DEVSTORE + "/shopify/{shop}",
        UPFRONT_BIGCOMMERCE_API_ORIGIN=api_origin,
        UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN=login_origin,
    )
    return test_env


@pytest.fixture
async def devstore_http(stores: DevStores) -> AsyncIterator[httpx.AsyncClient]:
    both = Starlette(routes=[Mount("/shopify", app=stores.shopify), Mount("/bigcommerce", app=stores.bigcommerce)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=both), base_url=DEVSTORE) as client:
        yield client


@pytest.fixture
def services(settings: Settings, redis: Redis, devstore_http: httpx.AsyncClient) -> Services:
    return build_services(settings, redis, devstore_http)
