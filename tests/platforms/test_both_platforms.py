"""Behaviour both adapters must share, run once per platform against its emulator."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from plugin.shop_data import load_facts, load_shipping_setup
from tests.conftest import AppClientFactory
from tests.platforms.conftest import Platform, run_worker_until_idle
from webhooks.handlers.orders import order_key
from webhooks.reconcile import reconcile_shop, schedule_resync
from webhooks.stats import collect_stats

pytestmark = pytest.mark.anyio


async def test_install_syncs_facts_and_shipping_then_an_order_webhook_stores_the_order(
    platform: Platform, services, app_client: AppClientFactory, devstore_http
) -> None:
    async with app_client(http=devstore_http) as client:
        await platform.install(client)
        await run_worker_until_idle(services)
        assert await services.shops.is_active(platform.shop)
        facts = await load_facts(services.redis, services.keys, platform.shop)
        setup = await load_shipping_setup(services.redis, services.keys, platform.shop)
        assert facts is not None and facts.currency
        assert setup is not None and setup.zones, "shipping zones synced after install"

        headers, body = platform.order_webhook()
        response = await client.post(platform.webhook_path, headers=headers, content=body)
        assert response.json() == {"status": "queued"}
        again = await client.post(platform.webhook_path, headers=headers, content=body)
        assert again.json() == {"status": "duplicate"}
        await run_worker_until_idle(services)

    stored = await services.redis.hgetall(order_key(services.keys, platform.shop, platform.known_order_id))
    state = json.loads(stored["state"])
    assert state["id"] == platform.known_order_id
    assert state["status"] in {"open", "fulfilled", "partially_fulfilled", "cancelled"}
    assert "email" not in state, "the projection keeps no contact data"
    stats = await collect_stats(services.redis, services.keys)
    assert (stats.received, stats.duplicates, stats.handled, stats.dead) == (1, 1, 1, 0)


async def test_a_forged_webhook_is_refused_and_changes_nothing(
    platform: Platform, services, app_client: AppClientFactory, devstore_http
) -> None:
    async with app_client(http=devstore_http) as client:
        await platform.install(client)
        headers, body = platform.order_webhook(forged=True)
        response = await client.post(platform.webhook_path, headers=headers, content=body)
    assert response.status_code == 401
    assert (await collect_stats(services.redis, services.keys)).received == 0


async def test_uninstall_stops_the_shop_and_later_events_are_not_applied(
    platform: Platform, services, app_client: AppClientFactory, devstore_http
) -> None:
    async with app_client(http=devstore_http) as client:
        await platform.install(client)
        await run_worker_until_idle(services)
        await platform.uninstall(client)
        if platform.name == "shopify":  # a webhook: the worker first confirms it with Shopify
            assert await services.shops.is_active(platform.shop), "nothing stops on a webhook alone"
            await run_worker_until_idle(services)
        assert not await services.shops.is_active(platform.shop)
        assert await services.shops.load_token(platform.shop) is None
        headers, body = platform.order_webhook()
        await client.post(platform.webhook_path, headers=headers, content=body)
        await run_worker_until_idle(services)
    assert not await services.redis.exists(order_key(services.keys, platform.shop, platform.known_order_id))


async def test_reconciliation_queues_orders_the_webhooks_missed(
    platform: Platform, services, app_client: AppClientFactory, devstore_http
) -> None:
    async with app_client(http=devstore_http) as client:
        await platform.install(client)
    await run_worker_until_idle(services)
    # No order webhook ever arrived; the periodic reconciliation lists recent orders through the adapter.
    await services.redis.set(
        services.keys.shop(platform.shop, "reconciled_at"), str((datetime.now(UTC) - timedelta(days=3650)).timestamp())
    )
    await reconcile_shop(services, platform.shop, {})
    await run_worker_until_idle(services)
    stats = await collect_stats(services.redis, services.keys)
    assert stats.received >= 1 and stats.dead == 0
    orders = [key async for key in services.redis.scan_iter(match=services.keys.shop(platform.shop, "order", "*"))]
    assert len(orders) == stats.received

    await reconcile_shop(services, platform.shop, {})
    assert (await collect_stats(services.redis, services.keys)).received == stats.received, "nothing queued twice"


async def test_the_periodic_resync_fetches_facts_and_rates_again(
    platform: Platform, services, app_client: AppClientFactory, devstore_http
) -> None:
    async with app_client(http=devstore_http) as client:
        await platform.install(client)
        await run_worker_until_idle(services)
    # Rates and facts change in the platform's admin without a webhook; here: what we had is gone.
    await services.redis.delete(
        services.keys.shop(platform.shop, "facts"), services.keys.shop(platform.shop, "shipping", "setup")
    )
    assert await schedule_resync(services) == 1
    assert await schedule_resync(services) == 0, "once per window, however many workers ask"
    await run_worker_until_idle(services)
    assert await load_facts(services.redis, services.keys, platform.shop) is not None
    assert await load_shipping_setup(services.redis, services.keys, platform.shop) is not None
