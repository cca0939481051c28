"""Tracking fixtures: the Shopify, BigCommerce and AfterShip emulators behind one httpx transport (the app's
outbound client), an installed Shopify demo shop whose AfterShip account is connected, and the
real SMTP server on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_services
from plugin.devstore.aftership import Account, AfterShipEmulator, create_aftership_emulator
from plugin.devstore.bigcommerce import BigCommerceEmulator, create_bigcommerce_emulator
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator, create_shopify_emulator
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.adapter import shopify_platform
from plugin.tracking.connection import connect
from plugin.tracking.model import Credentials
from tests.conftest import APP_URL, BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, SHOPIFY_API_KEY, SHOPIFY_SECRET
from tests.smtp import Inbox, inbox, smtp_server, smtp_url

__all__ = ["Inbox", "inbox", "smtp_server", "smtp_url"]
DEVSTORE = "http://devstore.test"
SHOP = ShopRef("shopify", DEMO_SHOP)


@pytest.fixture
def test_env(test_env: dict[str, str], smtp_url: str) -> dict[str, str]:
    api_origin, login_origin = BigCommerceEmulator.origins(DEVSTORE + "/bigcommerce")
    test_env.update(
        UPFRONT_BIGCOMMERCE_API_ORIGIN=api_origin,
        UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN=login_origin,
        UPFRONT_SHOPIFY_ORIGIN=DEVSTORE + "/shopify/{shop}",
        UPFRONT_AFTERSHIP_API_ORIGIN=DEVSTORE + "/aftership",
        UPFRONT_SMTP_URL=smtp_url,
        UPFRONT_MAIL_FROM="Upfront <mail@upfront.test>",
    )
    return test_env


@pytest.fixture
def shopify() -> ShopifyEmulator:
    return create_shopify_emulator(SHOPIFY_SECRET, SHOPIFY_API_KEY, APP_URL)


@pytest.fixture
def bigcommerce() -> BigCommerceEmulator:
    return create_bigcommerce_emulator(BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, APP_URL)


@pytest.fixture
def aftership() -> AfterShipEmulator:
    return create_aftership_emulator()


@pytest.fixture
def account(aftership: AfterShipEmulator) -> Account:
    """The merchant's AfterShip account (its API key and webhook secret)."""
    return aftership.add_account()


@pytest.fixture
async def devstore_http(
    shopify: ShopifyEmulator, bigcommerce: BigCommerceEmulator, aftership: AfterShipEmulator
) -> AsyncIterator[httpx.AsyncClient]:
    emulators = [
        Mount("/shopify", app=shopify),
        Mount("/bigcommerce", app=bigcommerce),
        Mount("/aftership", app=aftership),
    ]
    both = Starlette(routes=emulators)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=both), base_url=DEVSTORE) as client:
        yield client


@pytest.fixture
def services(settings: Settings, redis: Redis, devstore_http: httpx.AsyncClient) -> Services:
    return build_services(settings, redis, devstore_http)


@pytest.fixture
async def installed(services: Services, shopify: ShopifyEmulator) -> ShopRef:
    token = await shopify_platform(services).endpoint.exchange_session_token(SHOP, shopify.session_token())
    await services.shops.save_token(SHOP, token)
    return SHOP


@pytest.fixture
async def connected(services: Services, installed: ShopRef, account: Account) -> ShopRef:
    """The installed shop with its AfterShip account connected, as the admin's form does it."""
    await connect(services, installed, Credentials(account.api_key, account.webhook_secret))
    return installed
