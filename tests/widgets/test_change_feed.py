"""The shop change feed: a storefront repeat costs Redis nothing while no change is announced, a change made in
this process shows on the very next request, one announced by another process within moments, and one never
announced within the trust window."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest
from redis.asyncio import Redis

from plugin import shop_changes
from plugin.devstore.storefront import seed_demo_shop
from plugin.keys import Keys, ShopRef
from plugin.privacy.erasure import redact_shop
from plugin.services import Services
from plugin.shop_changes import ShopChangeFeed, announce, changes_channel
from plugin.shop_data import load_facts, load_shipping_setup, save_facts, save_shipping_setup
from plugin.shops import StoredToken, shop_record_key
from tests.conftest import AppClientFactory
from tests.redis_cluster import command_calls, subscribers
from widgets.settings import default_settings, save_widget_settings

pytestmark = pytest.mark.anyio

SHOP = ShopRef("shopify", "upfront-demo.myshopify.com")
ESTIMATE = f"/storefront/shopify/{SHOP.id}/estimate"
CART = {"subtotal": "24.90", "country": "DE"}


# --- the feed's bookkeeping ---------------------------------------------------------------------------------


def _feed(redis: Redis, trust_seconds: float = 60.0) -> ShopChangeFeed:
    feed = ShopChangeFeed(redis, Keys("unit"), trust_seconds=trust_seconds)
    feed.listening = True  # as once subscribed
    return feed


async def test_a_read_is_trusted_until_its_shop_is_announced(redis: Redis) -> None:
    feed = _feed(redis)
    mark = feed.mark(SHOP)
    feed.confirm(SHOP, mark, {"facts": "1"})
    assert feed.current_versions(SHOP) == {"facts": "1"}
    feed.forget(ShopRef("shopify", "other.myshopify.com").tag)
    assert feed.current_versions(SHOP) == {"facts": "1"}, "another shop's change is not this one's"
    feed.forget(SHOP.tag)
    assert feed.current_versions(SHOP) is None


async def test_a_read_overtaken_by_an_announcement_is_not_trusted(redis: Redis) -> None:
    feed = _feed(redis)
    mark = feed.mark(SHOP)  # the read starts
    feed.forget(SHOP.tag)  # a change is announced while it is under way
    feed.confirm(SHOP, mark, {"facts": "1"})
    assert feed.current_versions(SHOP) is None


async def test_nothing_is_trusted_while_not_listening_after_a_resubscription_or_for_too_long(redis: Redis) -> None:
    feed = _feed(redis)
    feed.confirm(SHOP, feed.mark(SHOP), {"facts": "1"})
    feed.listening = False
    assert feed.current_versions(SHOP) is None
    feed.listening = True
    feed.forget_all()  # what a (re)subscription does
    assert feed.current_versions(SHOP) is None
    brief = _feed(redis, trust_seconds=0.05)
    brief.confirm(SHOP, brief.mark(SHOP), {"facts": "1"})
    await asyncio.sleep(0.06)
    assert brief.current_versions(SHOP) is None


# --- every write to a shop's status or data version announces it -------------------------------------------


async def _save_facts(services: Services) -> None:
    facts = await load_facts(services.redis, services.keys, SHOP)
    assert facts is not None
    await save_facts(services.redis, services.keys, facts)


async def _save_setup(services: Services) -> None:
    setup = await load_shipping_setup(services.redis, services.keys, SHOP)
    assert setup is not None
    await save_shipping_setup(services.redis, services.keys, SHOP, setup)


async def _save_settings(services: Services) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, SHOP, {"estimator": {"heading": "Soon"}}, defaults)


async def _reinstall(services: Services) -> None:
    await services.shops.save_token(SHOP, StoredToken(access_token="fresh", scope=""))


async def _uninstall(services: Services) -> None:
    assert await services.shops.mark_uninstalled(SHOP)


async def _erase(services: Services) -> None:
    await redact_shop(services, SHOP)


WRITES: dict[str, Callable[[Services], Awaitable[None]]] = {
    "facts": _save_facts,
    "shipping": _save_setup,
    "settings": _save_settings,
    "install": _reinstall,
    "uninstall": _uninstall,
    "erasure": _erase,
}


@pytest.mark.parametrize("write", list(WRITES))
async def test_every_write_is_forgotten_here_at_once_and_announced_to_other_processes(
    services: Services, redis: Redis, write: str
) -> None:
    await _seeded(services)
    here = ShopChangeFeed(redis, services.keys)
    here.listening = True  # a feed whose listener has not run: only the writer's own forgetting can reach it
    here.confirm(SHOP, here.mark(SHOP), {"facts": "1"})
    elsewhere = redis.pubsub()
    await elsewhere.subscribe(changes_channel(services.keys))
    assert (await elsewhere.get_message(timeout=1))["type"] == "subscribe"
    await WRITES[write](services)
    assert here.current_versions(SHOP) is None
    announced = await elsewhere.get_message(timeout=1)
    await elsewhere.aclose()
    assert announced is not None and (announced["type"], announced["data"]) == ("message", SHOP.tag)


# --- through the app --------------------------------------------------------------------------------------


async def _seeded(services: Services) -> None:
    await seed_demo_shop(services, install=True)


async def _eventually(check: Callable[[], Awaitable[bool]], within: float) -> float:
    started = time.monotonic()
    while not await check():
        assert time.monotonic() - started < within, f"not seen within {within} s"
        await asyncio.sleep(0.02)
    return time.monotonic() - started


async def _wait_listening(client: httpx.AsyncClient, redis: Redis, keys: Keys) -> None:
    async def subscribed() -> bool:
        return await subscribers(redis, changes_channel(keys)) > 0

    await _eventually(subscribed, within=5)


async def test_a_repeat_costs_redis_nothing_and_a_local_change_shows_at_once(
    app_client: AppClientFactory, services: Services, redis: Redis
) -> None:
    await _seeded(services)
    async with app_client() as client:
        await _wait_listening(client, redis, services.keys)
        first = await client.get(ESTIMATE, params=CART)
        await client.get(ESTIMATE, params=CART)  # confirmed by now
        before = await command_calls(redis)
        repeat = await client.get(ESTIMATE, params=CART)
        assert await command_calls(redis) == before, "a repeat asked Redis for something"
        assert repeat.content == first.content or repeat.json()["options"] == first.json()["options"]

        defaults = default_settings(services.settings.manifest.widgets)
        await save_widget_settings(services.redis, services.keys, SHOP, {"estimator": {"enabled": False}}, defaults)
        fragment = await client.get(f"/storefront/shopify/{SHOP.id}/widgets/estimate", params={**CART, "bucket": "99"})
        assert fragment.headers["x-upfront-variant"] == "off", "the settings change was not seen at once"


async def test_a_change_announced_by_another_process_shows_within_moments(
    app_client: AppClientFactory, services: Services, redis: Redis
) -> None:
    await _seeded(services)
    async with app_client() as client:
        await _wait_listening(client, redis, services.keys)
        assert (await client.get(ESTIMATE, params=CART)).status_code == 200
        # What another process's uninstall writes: the status, and the announcement in the same transaction.
        async with redis.pipeline(transaction=True) as pipe:
            pipe.hset(shop_record_key(services.keys, SHOP), "status", "uninstalled")
            announce(pipe, services.keys, SHOP)
            await pipe.execute()

        async def gone() -> bool:
            return (await client.get(ESTIMATE, params=CART)).status_code == 404

        assert await _eventually(gone, within=1.0) < 1.0


async def test_a_change_never_announced_shows_once_the_trust_window_ends(
    app_client: AppClientFactory, services: Services, redis: Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(shop_changes, "TRUST_SECONDS", 0.5)
    await _seeded(services)
    async with app_client() as client:
        await _wait_listening(client, redis, services.keys)
        await client.get(ESTIMATE, params=CART)
        assert (await client.get(ESTIMATE, params=CART)).status_code == 200
        await redis.hset(shop_record_key(services.keys, SHOP), "status", "uninstalled")  # no announcement

        async def gone() -> bool:
            return (await client.get(ESTIMATE, params=CART)).status_code == 404

        waited = await _eventually(gone, within=3.0)
    assert waited > 0.1, "the unannounced change was seen too early: the shop was not being trusted at all"
