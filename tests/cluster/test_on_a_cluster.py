"""What only a real Redis Cluster shows: shops spread over the primaries, a shop's keys are listed without scanning
the keyspace, and a change announced on one node reaches an app subscribed on another."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import anyio
import httpx
import pytest
from redis.asyncio import RedisCluster

from plugin import shop_changes
from plugin.admin.dashboard import build_dashboard
from plugin.app import build_services, create_app
from plugin.devstore.storefront import seed_demo_shop
from plugin.email.records import create_message, load_message
from plugin.email.stages import Stage
from plugin.keys import Keys, ShopRef
from plugin.privacy.consent import record_consent
from plugin.privacy.erasure import erase_subject
from plugin.privacy.export import export_subject
from plugin.privacy.exports import list_exports
from plugin.privacy.registry import personal_data_stores
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_changes import changes_channel
from plugin.shop_index import every_shop_key
from plugin.shops import StoredToken
from plugin.storage import RedisStore, connect
from tests.conftest import serve_in_process
from tests.privacy.support import order
from tests.redis_cluster import command_calls

pytestmark = pytest.mark.anyio
SHOP = ShopRef("shopify", "cluster-shop.myshopify.com")
PERSON = DataSubject(customer_id="5550001", email="ines@example.com", order_ids=("9100001",))


@pytest.fixture
async def services(settings: Settings, redis: RedisStore) -> AsyncIterator[Services]:
    assert isinstance(redis, RedisCluster), "these tests run on the cluster only"
    async with httpx.AsyncClient() as http:
        yield build_services(settings, redis, http)


def _scans(calls: dict[str, int]) -> int:
    return calls.get("cmdstat_scan", 0)


async def test_shops_spread_over_every_primary_and_a_full_scan_reads_every_node(services: Services) -> None:
    redis = services.redis
    assert isinstance(redis, RedisCluster)
    for n in range(30):
        await redis.set(services.keys.shop(ShopRef("shopify", f"spread-{n}.myshopify.com"), "probe"), "1")
    nodes = {redis.get_node_from_key(services.keys.shop(ShopRef("shopify", f"spread-{n}.myshopify.com"), "probe"))
             for n in range(30)}  # fmt: skip
    assert len(nodes) == len(redis.get_primaries()) == 3
    scanned = [key async for key in redis.scan_iter(match=f"{services.keys.prefix}:*", count=1000)]
    assert len(scanned) == 30, "SCAN on the cluster client walks every primary (the privacy trace relies on it)"


async def test_a_shops_keys_are_listed_and_erased_without_scanning_the_keyspace(services: Services) -> None:
    redis = services.redis
    await services.shops.save_token(SHOP, StoredToken("token", "read_orders"))
    await order(services, SHOP, "9100001", PERSON.customer_id, email=PERSON.email)
    await order(services, SHOP, "9100002", PERSON.customer_id)
    ref, _ = await create_message(services, SHOP, "9100001", Stage.SHIPPED, state="scheduled", due=time.time())
    await record_consent(
        services, SHOP, purpose="marketing_email", granted=True, source="storefront_widget", channel="email",
        text="Keep me posted", text_version="v1", email=PERSON.email,
    )  # fmt: skip

    # The event pipeline's store still finds dedupe markers by SCAN: their layout is being replaced by the
    # partitioned pipeline (issue #19 item 1), which must index them; every other store is held to no SCAN here.
    stores = [store for store in personal_data_stores() if store.name != "event_pipeline"]
    before = _scans(await command_calls(redis))
    exported = await export_subject(services, SHOP, PERSON, stores=stores)
    assert {o["order_id"] for o in exported.document["stores"]["orders"]} == {"9100001", "9100002"}
    assert [summary.export_id for summary in await list_exports(services, SHOP)] == [exported.export_id]
    await build_dashboard(services, SHOP, 30, datetime.now(UTC))
    erased = await erase_subject(services, SHOP, PERSON, stores=stores)
    assert erased.counts["orders"] == 2 and erased.counts["consent_ledger"] >= 1
    assert await load_message(services, SHOP, ref) is None, "the message record went with the person's orders"
    listed = await every_shop_key(redis, services.keys, SHOP)
    assert _scans(await command_calls(redis)) == before, "none of it scanned the keyspace"

    scanned = sorted([key async for key in redis.scan_iter(match=services.keys.shop_pattern(SHOP), count=1000)])
    assert sorted(listed) == scanned and listed, "the slot listing finds exactly the shop's keys"


async def _subscribed_nodes(redis: RedisCluster, channel: str) -> set[str]:
    found = set()
    for node in redis.get_primaries():
        answer: Any = await redis.execute_command("PUBSUB NUMSUB", channel, target_nodes=node)
        if any(int(count) for _, count in answer):
            found.add(node.name)
    return found


async def test_a_change_published_on_one_node_reaches_an_app_subscribed_on_another(
    settings: Settings, redis_url: str, key_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two app instances, each with its own cluster client: the one that writes and the one that serves."""
    # The reader trusts what it confirmed for ten minutes: only the announcement can make it see the change sooner.
    monkeypatch.setattr(shop_changes, "TRUST_SECONDS", 600.0)
    writer_redis, reader_redis = connect(redis_url), connect(redis_url)
    assert isinstance(writer_redis, RedisCluster) and isinstance(reader_redis, RedisCluster)
    await writer_redis.initialize()
    shop = ShopRef("shopify", "upfront-demo.myshopify.com")
    # A key prefix that puts the change channel's slot and the shop's slot on different primaries.
    prefix = next(
        candidate
        for candidate in (f"{key_prefix}n{n}" for n in range(100))
        if writer_redis.get_node_from_key(changes_channel(Keys(candidate))).name
        != writer_redis.get_node_from_key(Keys(candidate).shop(shop, "shop")).name
    )
    settings = settings.with_overrides(key_prefix=prefix)
    estimate, cart = f"/storefront/shopify/{shop.id}/estimate", {"subtotal": "24.90", "country": "DE"}
    try:
        async with httpx.AsyncClient() as http:
            writer = build_services(settings, writer_redis, http)
            await seed_demo_shop(writer, install=True)
            channel = changes_channel(writer.keys)
            async with serve_in_process(create_app(settings, redis=reader_redis)) as reader:
                deadline = time.monotonic() + 10
                while not (listening := await _subscribed_nodes(writer_redis, channel)):
                    assert time.monotonic() < deadline, "the reader's feed never subscribed"
                    await anyio.sleep(0.02)
                published_on = writer_redis.get_node_from_key(writer.shops.record_key(shop)).name
                assert published_on not in listening, "the reader listens on another node than the shop's"
                assert (await reader.get(estimate, params=cart)).status_code == 200
                assert (await reader.get(estimate, params=cart)).status_code == 200  # now trusted without Redis

                await writer.shops.mark_uninstalled(shop)
                deadline = time.monotonic() + 60
                while (await reader.get(estimate, params=cart)).status_code != 404:
                    assert time.monotonic() < deadline, "the uninstall was not seen through the cluster"
                    await anyio.sleep(0.01)
    finally:
        leftovers = [key async for key in writer_redis.scan_iter(match=f"{prefix}:*", count=1000)]
        if leftovers:
            await writer_redis.delete(*leftovers)
        await writer_redis.aclose()
        await reader_redis.aclose()
