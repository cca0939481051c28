"""What a webhook alone can do: replayed and re-addressed deliveries, through the full app and the dev store.

Shopify signs only a delivery's body; its topic, shop, event id and time headers can be rewritten by anyone who
holds one signed body. These tests hold such bodies and try, the way issue #17 reproduced it."""

from __future__ import annotations

import asyncio
import logging
import uuid

import anyio
import httpx
import pytest

from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.shopify import DEMO_SHOP
from plugin.devstore.storefront import seed_demo_shop
from plugin.keys import ShopRef
from plugin.partitions import layout_key
from plugin.privacy.audit import global_audit_trail
from plugin.services import Services
from plugin.shops import StoredToken
from tests.conftest import AppClientFactory
from tests.devstores import DevStores, devstore_http, services, stores, test_env
from tests.platforms.conftest import run_worker_until_idle
from webhooks.admission import installation_status
from webhooks.handlers.lifecycle import UNINSTALL_REFUSED
from webhooks.handlers.privacy import SHOP_REDACT_REFUSED
from webhooks.stats import collect_stats

__all__ = ["devstore_http", "services", "stores", "test_env"]

pytestmark = pytest.mark.anyio

VICTIM = ShopRef("shopify", DEMO_SHOP)
ATTACKER = "attacker-shop.myshopify.com"
STORE = ShopRef("bigcommerce", DEMO_STORE_HASH)
BADGES = f"/storefront/shopify/{DEMO_SHOP}/widgets/badges"
BADGE_QUERY = {"placement": "product", "bucket": "50"}
NOT_INSTALLED = {"status": "ignored", "reason": "shop not installed"}
COMPLIANCE = ("customers/data_request", "customers/redact", "shop/redact")


def readdressed(
    delivery: tuple[dict[str, str], bytes], *, topic: str, shop: str = DEMO_SHOP, at: str | None = None
) -> tuple[dict[str, str], bytes]:
    """A signed body re-posted with rewritten (unsigned) headers: a new topic, shop, event id and time."""
    headers, body = delivery
    headers = {
        **headers,
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": shop,
        "X-Shopify-Event-Id": str(uuid.uuid4()),
    }
    if at is not None:
        headers["X-Shopify-Triggered-At"] = at
    return headers, body


async def install_shopify(client: httpx.AsyncClient, stores: DevStores, services: Services) -> None:
    """Shopify's managed install (session token exchanged for an offline token), then the post-install sync."""
    token = stores.shopify.session_token(DEMO_SHOP)
    answer = await client.get("/admin/api/session", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    await seed_demo_shop(services, DEMO_SHOP)
    await run_worker_until_idle(services)


async def post(
    client: httpx.AsyncClient, delivery: tuple[dict[str, str], bytes], platform: str = "shopify"
) -> httpx.Response:
    headers, body = delivery
    return await client.post(f"/webhooks/{platform}", headers=headers, content=body)


async def test_a_replayed_body_cannot_uninstall_another_shop(
    app_client: AppClientFactory,
    stores: DevStores,
    services: Services,
    devstore_http: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shopify = stores.shopify
    async with app_client(http=devstore_http) as client:
        await install_shopify(client, stores, services)
        assert (await client.get(BADGES, params=BADGE_QUERY)).status_code == 200
        received_before = (await collect_stats(services.redis, services.keys)).received

        # Issue #17's reproduction: another shop's order body, re-addressed as the victim's uninstall from 2030.
        order = shopify.webhook("orders/create", ATTACKER)
        replay = await post(client, readdressed(order, topic="app/uninstalled", at="2030-01-01T00:00:00Z"))
        assert (replay.status_code, replay.json()) == (
            400,
            {"error": "body of a app/uninstalled delivery has no myshopify_domain"},  # an order names no shop
        )
        # The victim's own uninstall body (say, kept from an earlier uninstall) dated 2030, which would have
        # beaten every later install when deliveries are ordered by time.
        own_body = shopify.webhook("app/uninstalled", DEMO_SHOP)
        from_2030 = await post(client, readdressed(own_body, topic="app/uninstalled", at="2030-01-01T00:00:00Z"))
        assert (from_2030.status_code, from_2030.json()) == (
            400,
            {"error": "Triggered-At header is more than 5 minutes in the future"},
        )
        # Another shop's genuine uninstall body, pinned on the victim.
        theirs = await post(client, readdressed(shopify.webhook("app/uninstalled", ATTACKER), topic="app/uninstalled"))
        assert (theirs.status_code, theirs.json()) == (
            401,
            {"error": "body's myshopify_domain is not the shop in the shop domain header"},
        )
        assert (await collect_stats(services.redis, services.keys)).received == received_before, "nothing queued"

        # The same body with fresh headers and a present time names the right shop: it is queued, and the
        # worker asks Shopify, whose answer (the token works) decides.
        own = await post(client, readdressed(own_body, topic="app/uninstalled"))
        assert own.json() == {"status": "queued"}
        with caplog.at_level(logging.WARNING, logger="webhooks.handlers.lifecycle"):
            await run_worker_until_idle(services)

        assert await services.shops.is_active(VICTIM)
        assert await services.shops.load_token(VICTIM) is not None
        assert not await services.platforms["shopify"].installation_revoked(VICTIM), "the token still works"
        assert (await client.get(BADGES, params=BADGE_QUERY)).status_code == 200
    refused = [record for record in caplog.records if record.getMessage().startswith("uninstall refused")]
    assert [(record.levelno, getattr(record, "shop", None)) for record in refused] == [(logging.WARNING, VICTIM.tag)]
    audit = [entry for entry in await global_audit_trail(services) if entry["action"] == UNINSTALL_REFUSED]
    assert [entry["shop"] for entry in audit] == [VICTIM.tag]
    assert set(audit[0]) == {"id", "action", "at", "counts", "shop"}  # no personal data


async def test_a_genuine_uninstall_is_confirmed_with_shopify_and_stops_the_shop(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient
) -> None:
    async with app_client(http=devstore_http) as client:
        await install_shopify(client, stores, services)
        answer = await post(client, stores.shopify.uninstall_app(DEMO_SHOP))  # token revoked, then delivered
        assert answer.json() == {"status": "queued"}
        await run_worker_until_idle(services)
        assert not await services.shops.is_active(VICTIM)
        assert await services.shops.load_token(VICTIM) is None
        assert (await client.get(BADGES, params=BADGE_QUERY)).status_code == 404
    assert not any(entry["action"] == UNINSTALL_REFUSED for entry in await global_audit_trail(services))


async def test_an_event_claiming_a_future_time_is_refused(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient
) -> None:
    async with app_client(http=devstore_http) as client:
        await install_shopify(client, stores, services)
        before = (await collect_stats(services.redis, services.keys)).received
        delivery = readdressed(stores.shopify.webhook("orders/updated"), topic="orders/updated", at="2031-05-01T00:00Z")
        answer = await post(client, delivery)
        assert answer.status_code == 400 and "Triggered-At" in answer.json()["error"]
        far_past = readdressed(delivery, topic="orders/updated", at="2019-05-01T00:00:00Z")
        assert (await post(client, far_past)).json() == {"status": "queued"}  # late is normal: retries last hours
    assert (await collect_stats(services.redis, services.keys)).received == before + 1


@pytest.mark.parametrize("topic", ["shop/update", *COMPLIANCE])
async def test_a_body_naming_another_shop_is_refused_and_nothing_is_queued(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient, topic: str
) -> None:
    async with app_client(http=devstore_http) as client:
        await install_shopify(client, stores, services)
        before = (await collect_stats(services.redis, services.keys)).received
        answer = await post(client, readdressed(stores.shopify.webhook(topic, ATTACKER), topic=topic))
    assert answer.status_code == 401
    assert "is not the shop in the shop domain header" in answer.json()["error"]
    assert (await collect_stats(services.redis, services.keys)).received == before


async def test_an_old_shop_redact_body_re_sent_does_not_erase_a_shop_that_uses_the_app(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient
) -> None:
    async with app_client(http=devstore_http) as client:
        await install_shopify(client, stores, services)
        # Installed long ago (more than the 48 h by which shop/redact follows an uninstall).
        await services.redis.hset(services.shops.record_key(VICTIM), "installed_at", "1000000000")
        answer = await post(client, stores.shopify.webhook("shop/redact", DEMO_SHOP))
        assert answer.json() == {"status": "queued"}  # owed to a shop installed once: the worker decides
        await run_worker_until_idle(services)
        assert await services.shops.is_active(VICTIM)
        assert (await client.get(BADGES, params=BADGE_QUERY)).status_code == 200
    audit = [(entry["action"], entry["shop"]) for entry in await global_audit_trail(services)]
    assert audit == [(SHOP_REDACT_REFUSED, VICTIM.tag)]


async def test_a_shop_that_never_installed_is_answered_and_nothing_is_created(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient
) -> None:
    async with app_client(http=devstore_http) as client:
        answers = [
            await post(client, stores.shopify.webhook(topic, "never-installed.myshopify.com"))
            for topic in ("orders/create", "app/uninstalled", "shop/update", *COMPLIANCE)
        ]
        store_answer = await post(
            client, stores.bigcommerce.webhook_delivery("store/app/uninstalled", DEMO_STORE_HASH), "bigcommerce"
        )
    assert [(answer.status_code, answer.json()) for answer in [*answers, store_answer]] == [(200, NOT_INSTALLED)] * 7
    created = [key async for key in services.redis.scan_iter(match=f"{services.keys.prefix}:*")]
    assert [key for key in created if key != layout_key(services.keys)] == []  # the app's partition layout only


async def test_an_uninstalled_shop_gets_its_privacy_requests_handled_and_nothing_else(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient
) -> None:
    async with app_client(http=devstore_http) as client:
        await install_shopify(client, stores, services)
        await post(client, stores.shopify.uninstall_app(DEMO_SHOP))
        await run_worker_until_idle(services)
        assert await services.shops.status(VICTIM) == "uninstalled"
        before = (await collect_stats(services.redis, services.keys)).received
        ignored = [await post(client, stores.shopify.webhook(topic)) for topic in ("orders/create", "app/uninstalled")]
        owed = [await post(client, stores.shopify.webhook(topic)) for topic in COMPLIANCE]
    assert [answer.json() for answer in ignored] == [NOT_INSTALLED] * 2
    assert [answer.json() for answer in owed] == [{"status": "queued"}] * 3  # shop/redact comes 48 h later
    assert (await collect_stats(services.redis, services.keys)).received == before + 3


async def test_a_bigcommerce_uninstall_webhook_is_confirmed_with_bigcommerce(
    app_client: AppClientFactory, stores: DevStores, services: Services, devstore_http: httpx.AsyncClient
) -> None:
    bigcommerce = stores.bigcommerce
    async with app_client(http=devstore_http) as client:
        installed = await client.get("/bigcommerce/auth", params=bigcommerce.authorize(DEMO_STORE_HASH))
        assert installed.status_code == 200, installed.text
        await run_worker_until_idle(services)
        # An authentic store/app/uninstalled while the store still has the app (its token works): refused.
        early = await post(
            client, bigcommerce.webhook_delivery("store/app/uninstalled", DEMO_STORE_HASH), "bigcommerce"
        )
        assert early.json() == {"status": "queued"}
        await run_worker_until_idle(services)
        assert await services.shops.is_active(STORE)
        # The merchant uninstalls: BigCommerce revokes the token and delivers the webhook.
        genuine = await post(client, bigcommerce.uninstall_app(DEMO_STORE_HASH), "bigcommerce")
        assert genuine.json() == {"status": "queued"}
        await run_worker_until_idle(services)
    assert not await services.shops.is_active(STORE)
    audit = [entry["shop"] for entry in await global_audit_trail(services) if entry["action"] == UNINSTALL_REFUSED]
    assert audit == [STORE.tag]


async def _status_reads(services: Services) -> int:
    stats = await services.redis.info("commandstats")
    return int(stats.get("cmdstat_hget", {}).get("calls", 0))


async def test_the_installation_status_is_known_in_process_and_follows_every_change_at_once(
    services: Services,
) -> None:
    feed = services.shop_changes
    listening = asyncio.create_task(feed.run())
    try:
        with anyio.fail_after(10):
            while not feed.listening:
                await anyio.sleep(0.01)
        assert await installation_status(services, VICTIM) == ""
        reads = await _status_reads(services)
        assert [await installation_status(services, VICTIM) for _ in range(3)] == [""] * 3
        assert await _status_reads(services) == reads, "a known status costs no Redis round trip"
        await services.shops.save_token(VICTIM, StoredToken("shpat_x", ""))
        assert await installation_status(services, VICTIM) == "active"
        await services.shops.mark_uninstalled(VICTIM)
        assert await installation_status(services, VICTIM) == "uninstalled"
    finally:
        await feed.stop(listening)
