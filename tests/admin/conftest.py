"""Admin fixtures: the full app with both platform emulators behind its outbound client, a Shopify shop signed in
with emulator-minted session tokens, and a BigCommerce store signed in through its load callback."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_job_handlers, build_services
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator, create_bigcommerce_emulator
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator, create_shopify_emulator
from plugin.devstore.storefront import seed_demo_shop
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import (
    APP_URL,
    BIGCOMMERCE_CLIENT_ID,
    BIGCOMMERCE_SECRET,
    SHOPIFY_API_KEY,
    SHOPIFY_SECRET,
    AppClientFactory,
)

DEVSTORE = "http://devstore.test"
SHOP_A = ShopRef("shopify", DEMO_SHOP)
SHOP_B = ShopRef("shopify", "bravo-other.myshopify.com")
STORE_C = ShopRef("bigcommerce", DEMO_STORE_HASH)
CSRF_META = re.compile(r'<meta name="upfront-csrf" content="([^"]+)">')

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")


@dataclass
class Emulators:
    shopify: ShopifyEmulator
    bigcommerce: BigCommerceEmulator


@pytest.fixture
def emulators() -> Emulators:
    return Emulators(
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
async def devstore_http(emulators: Emulators) -> AsyncIterator[httpx.AsyncClient]:
    both = Starlette(
        routes=[Mount("/shopify", app=emulators.shopify), Mount("/bigcommerce", app=emulators.bigcommerce)]
    )
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=both), base_url=DEVSTORE) as client:
        yield client


@pytest.fixture
def services(settings: Settings, redis: Redis, devstore_http: httpx.AsyncClient) -> Services:
    return build_services(settings, redis, devstore_http)


def shopify_auth(emulators: Emulators, shop: ShopRef = SHOP_A, user_id: str = "42") -> dict[str, str]:
    """What App Bridge's `shopify.idToken()` hands the page: a fresh session token, as a Bearer header."""
    return {"Authorization": f"Bearer {emulators.shopify.session_token(shop.id, user_id=user_id)}"}


@dataclass
class AdminClients:
    """One app, three ways in: Shopify shops A and B by session token, BigCommerce store C by its cookie."""

    http: httpx.AsyncClient
    emulators: Emulators
    services: Services
    bigcommerce_csrf: str = ""

    def shopify(self, shop: ShopRef = SHOP_A) -> dict[str, str]:
        return shopify_auth(self.emulators, shop)

    async def open_bigcommerce(self) -> None:
        """The control panel's load callback, then the admin page it opens: the cookie and the page's CSRF token."""
        jwt = self.emulators.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH)
        loaded = await self.http.get("/bigcommerce/load", params={"signed_payload_jwt": jwt})
        assert loaded.status_code == 200, loaded.text
        shell = await self.http.get("/admin/")
        found = CSRF_META.search(shell.text)
        assert found, shell.text[:500]
        self.bigcommerce_csrf = found.group(1)


@pytest.fixture
async def admin(
    app_client: AppClientFactory, devstore_http: httpx.AsyncClient, services: Services, emulators: Emulators
) -> AsyncIterator[AdminClients]:
    """Shops A and B seeded as installed Shopify shops; store C installed through the BigCommerce auth callback and
    its post-install jobs (facts, shipping zones) run against the emulator."""
    async with app_client(http=devstore_http) as client:
        installed = await client.get("/bigcommerce/auth", params=emulators.bigcommerce.authorize(DEMO_STORE_HASH))
        assert installed.status_code == 200, installed.text
        await run_due_jobs(services, build_job_handlers())
        for shop in (SHOP_A, SHOP_B):
            await seed_demo_shop(services, shop.id, install=True)
        yield AdminClients(client, emulators, services)
