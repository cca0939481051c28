"""Offline tokens stay usable: one refresh for two racing processes, legacy migration, and session-token exchange
when the stored token is missing or dead."""

from __future__ import annotations

import dataclasses
import time

import anyio
import httpx
import pytest

from plugin.devstore.shopify import TOKEN_EXCHANGE, ShopifyEmulator
from plugin.errors import AuthError
from plugin.jobs import pending_jobs
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.adapter import ShopifyPlatform, shopify_platform
from plugin.shops import ShopRegistry, StoredToken
from tests.conftest import AppClientFactory
from tests.shopify.conftest import SHOP

pytestmark = pytest.mark.anyio


async def expire_soon(services: Services) -> StoredToken:
    token = await services.shops.load_token(SHOP)
    assert token is not None
    await services.shops.save_token(SHOP, dataclasses.replace(token, expires_at=time.time() + 30))
    return token


async def test_two_processes_refreshing_at_once_spend_the_refresh_token_once(
    installed: ShopRef,
    services: Services,
    settings: Settings,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
) -> None:
    old = await expire_soon(services)
    emulator.token_latency = 0.2  # both processes see the stale token before either refresh answers
    # Two processes: their own adapter and registry, one Redis.
    processes = [
        ShopifyPlatform(settings, emulator_http, ShopRegistry(services.redis, services.keys, services.cipher))
        for _ in range(2)
    ]
    names: list[str] = []

    async def use(platform: ShopifyPlatform) -> None:
        names.append((await platform.fetch_shop_facts(SHOP)).name)

    async with anyio.create_task_group() as group:
        for platform in processes:
            group.start_soon(use, platform)

    assert names == ["Upfront Demo", "Upfront Demo"]
    assert emulator.grants.count("refresh_token") == 1
    new = await services.shops.load_token(SHOP)
    assert new is not None and new.access_token != old.access_token
    assert not emulator.refresh_tokens[str(new.refresh_token)].used
    assert await services.redis.get(services.keys.shop(SHOP, "lock", "token-refresh")) is None


async def test_a_fresh_token_is_used_without_refreshing(
    installed: ShopRef, services: Services, emulator: ShopifyEmulator
) -> None:
    await shopify_platform(services).fetch_shop_facts(SHOP)
    assert emulator.grants == []


async def test_a_legacy_non_expiring_token_is_migrated_once_and_retired(
    services: Services, emulator: ShopifyEmulator
) -> None:
    legacy = emulator.issue_legacy_token()
    await services.shops.save_token(SHOP, StoredToken(access_token=legacy, scope="read_orders"))
    platform = shopify_platform(services)
    await platform.fetch_shop_facts(SHOP)
    await platform.fetch_shop_facts(SHOP)
    assert emulator.grants == [TOKEN_EXCHANGE]
    migrated = await services.shops.load_token(SHOP)
    assert migrated is not None and migrated.access_token != legacy
    assert migrated.refresh_token and migrated.expires_at
    assert emulator.access_tokens[legacy].used  # Shopify retires the old token


async def test_a_dead_refresh_token_fails_then_the_next_admin_visit_exchanges_a_session_token(
    app_client: AppClientFactory,
    installed: ShopRef,
    services: Services,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
) -> None:
    token = await expire_soon(services)
    emulator.refresh_tokens[str(token.refresh_token)].used = True  # spent elsewhere, e.g. a lost answer
    with pytest.raises(AuthError):
        await shopify_platform(services).fetch_shop_facts(SHOP)

    async with app_client(http=emulator_http) as app:
        answer = await app.get("/admin/api/session", headers={"Authorization": f"Bearer {emulator.session_token()}"})
    assert answer.status_code == 200
    assert emulator.grants == [TOKEN_EXCHANGE]
    assert (await shopify_platform(services).fetch_shop_facts(SHOP)).currency == "EUR"


async def test_first_admin_visit_without_a_token_installs_by_token_exchange(
    app_client: AppClientFactory, services: Services, emulator: ShopifyEmulator, emulator_http: httpx.AsyncClient
) -> None:
    async with app_client(http=emulator_http) as app:
        answer = await app.get("/admin/api/session", headers={"Authorization": f"Bearer {emulator.session_token()}"})
    assert answer.status_code == 200
    assert emulator.grants == [TOKEN_EXCHANGE]
    assert await services.shops.is_active(SHOP)
    assert await pending_jobs(services.redis, services.keys) == 3


async def test_uninstalled_shop_cannot_refresh(
    installed: ShopRef, services: Services, emulator: ShopifyEmulator
) -> None:
    await services.shops.mark_uninstalled(SHOP)
    with pytest.raises(AuthError):
        await shopify_platform(services).fetch_shop_facts(SHOP)
    assert emulator.grants == []
