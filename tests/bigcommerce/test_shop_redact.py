"""48 hours after uninstall every key of the store is gone; other stores keep theirs; a reinstall cancels it."""

from __future__ import annotations

import time

import httpx
import pytest

from plugin.bigcommerce.jobs import SHOP_REDACT, redact_shop
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, BigCommerceEmulator, demo_store
from plugin.jobs import due_keys
from plugin.keys import ShopRef
from plugin.privacy.erasure import redact_shop as erase_shop
from plugin.services import Services
from tests.bigcommerce.conftest import run_jobs
from tests.conftest import AppClientFactory

pytestmark = pytest.mark.anyio

SHOP = ShopRef("bigcommerce", DEMO_STORE_HASH)
OTHER = ShopRef("bigcommerce", "other456")


async def shop_keys(services: Services, shop: ShopRef) -> list[str]:
    return [key async for key in services.redis.scan_iter(match=services.keys.shop_pattern(shop), count=1000)]


async def make_due(services: Services, job_prefix: str) -> None:
    """Fast-forward 48 hours for the matching scheduled jobs."""
    for queue in due_keys(services.keys):
        for job_id in await services.redis.zrange(queue, 0, -1):
            if str(job_id).startswith(job_prefix):
                await services.redis.zadd(queue, {job_id: time.time() - 1}, xx=True)


async def install_both(client: httpx.AsyncClient, emulator: BigCommerceEmulator, services: Services) -> None:
    emulator.stores[OTHER.id] = demo_store(OTHER.id)
    for store_hash in (DEMO_STORE_HASH, OTHER.id):
        assert (await client.get("/bigcommerce/auth", params=emulator.authorize(store_hash))).status_code == 200
    assert await run_jobs(services) == 2


async def test_redact_deletes_every_key_of_the_store_and_keeps_other_stores(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        await install_both(client, emulator, services)
        await services.redis.hset(services.keys.shop(SHOP, "order", "100"), "status", "open")
        other_before = sorted(await shop_keys(services, OTHER))
        assert len(await shop_keys(services, SHOP)) >= 6 and len(other_before) >= 6
        response = await client.get(
            "/bigcommerce/uninstall", params={"signed_payload_jwt": emulator.signed_payload_jwt()}
        )
    assert response.status_code == 200

    assert await run_jobs(services) == 0  # not before 48 hours
    assert await shop_keys(services, SHOP)
    await make_due(services, SHOP_REDACT)
    assert await run_jobs(services) == 1

    assert await shop_keys(services, SHOP) == []
    assert sorted(await shop_keys(services, OTHER)) == other_before
    assert await services.shops.active_shops() == [OTHER]
    assert SHOP.tag not in await services.redis.smembers(services.keys.global_("shops"))


async def test_a_reinstall_within_48_hours_keeps_the_data(
    app_client: AppClientFactory, emulator: BigCommerceEmulator, emulator_http: httpx.AsyncClient, services: Services
) -> None:
    async with app_client(http=emulator_http) as client:
        await client.get("/bigcommerce/auth", params=emulator.authorize())
        await run_jobs(services)
        await client.get("/bigcommerce/uninstall", params={"signed_payload_jwt": emulator.signed_payload_jwt()})
        await client.get("/bigcommerce/auth", params=emulator.authorize())
    await make_due(services, SHOP_REDACT)
    await run_jobs(services)
    assert await services.shops.is_active(SHOP)
    assert await services.shops.load_token(SHOP) is not None


async def test_a_redact_for_an_earlier_uninstall_waits_for_the_latest_one(services: Services) -> None:
    record = services.keys.shop(SHOP, "shop")
    await services.redis.hset(record, mapping={"status": "uninstalled", "uninstalled_at": "2000.0"})
    await redact_shop(services, SHOP, {"uninstalled_at": "1000.0"}, erase_shop=erase_shop)
    assert await services.redis.exists(record)
    await redact_shop(services, SHOP, {"uninstalled_at": "2000.0"}, erase_shop=erase_shop)
    assert await shop_keys(services, SHOP) == []
