"""The app proxy: `/proxy/...` answers only signed, fresh, unspliced requests, and tells endpoints who asks."""

from __future__ import annotations

import time

import pytest

from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator
from tests.conftest import AppClientFactory

pytestmark = pytest.mark.anyio


async def test_ping_answers_the_shop_and_logged_in_customer(
    app_client: AppClientFactory, emulator: ShopifyEmulator
) -> None:
    async with app_client() as app:
        customer = await app.get(f"/proxy/ping?{emulator.proxy_query(customer_id='7')}")
        guest = await app.get(f"/proxy/ping?{emulator.proxy_query(extra=[('extra', '1'), ('extra', '2')])}")
    assert customer.status_code == 200
    assert customer.json() == {"shop": DEMO_SHOP, "logged_in_customer_id": "7"}
    assert guest.json() == {"shop": DEMO_SHOP, "logged_in_customer_id": None}


@pytest.mark.parametrize(
    ("mutate", "status"),
    [
        pytest.param(lambda q: q.replace("logged_in_customer_id=", "logged_in_customer_id=8"), 401, id="tampered"),
        pytest.param(lambda q: q + "&shop=other.myshopify.com", 401, id="duplicate-shop"),
        pytest.param(lambda q: q + f"&timestamp={int(time.time())}", 401, id="duplicate-timestamp"),
        pytest.param(lambda q: q + "&signature=00", 401, id="duplicate-signature"),
        pytest.param(lambda q: q.split("&signature=")[0], 401, id="unsigned"),
        pytest.param(lambda q: "", 401, id="empty"),
    ],
)
async def test_bad_proxy_requests_are_refused(
    app_client: AppClientFactory, emulator: ShopifyEmulator, mutate: object, status: int
) -> None:
    query = mutate(emulator.proxy_query(customer_id="7"))  # type: ignore[operator]
    async with app_client() as app:
        answer = await app.get(f"/proxy/ping?{query}")
    assert answer.status_code == status
    assert "error" in answer.json()


@pytest.mark.parametrize("skew", [-91, 91], ids=["stale", "future"])
async def test_timestamps_more_than_90_seconds_off_are_refused(
    app_client: AppClientFactory, emulator: ShopifyEmulator, skew: int
) -> None:
    async with app_client() as app:
        answer = await app.get(f"/proxy/ping?{emulator.proxy_query(timestamp=int(time.time()) + skew)}")
    assert answer.status_code == 401


async def test_a_signed_but_malformed_shop_gets_400(app_client: AppClientFactory, emulator: ShopifyEmulator) -> None:
    async with app_client() as app:
        answer = await app.get(f"/proxy/ping?{emulator.proxy_query(shop='shop.example.com')}")
    assert answer.status_code == 400
