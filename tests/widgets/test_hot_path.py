"""The storefront's hot reads: answered ahead of the router exactly as the router would answer them, a repeat
within the clock's second served from the encoded answer, and one shop check per request."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest
from redis.asyncio import Redis

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import serve_in_process
from tests.widget_app import Clock, widget_app
from tests.widgets.conftest import SHOP_ORIGIN

pytestmark = pytest.mark.anyio

BASE = "/storefront/shopify/upfront-demo.myshopify.com"
CART = {"subtotal": "24.90", "weight_g": "400", "country": "DE"}
# Per response, not per answer: the request id, and the date a server adds.
PER_RESPONSE = {"x-request-id", "date"}

REQUESTS: list[tuple[str, str, dict[str, str], dict[str, str]]] = [
    ("GET", f"{BASE}/estimate", CART, {}),
    ("GET", f"{BASE}/estimate", CART, {"Origin": SHOP_ORIGIN}),
    ("GET", f"{BASE}/estimate", CART, {"Origin": "https://elsewhere.example"}),
    ("GET", f"{BASE}/estimate", {"subtotal": "10"}, {"Accept-Language": "de-AT,de;q=0.9", "Origin": SHOP_ORIGIN}),
    ("GET", f"{BASE}/estimate", {"subtotal": "10"}, {"CF-IPCountry": "FR"}),
    ("GET", f"{BASE}/estimate", {**CART, "subtotal": "12,50"}, {}),
    ("GET", "/storefront/shopify/nobody.myshopify.com/estimate", CART, {"Origin": SHOP_ORIGIN}),
    ("GET", "/storefront/nowhere/upfront-demo.myshopify.com/estimate", CART, {}),
    ("GET", "/storefront/shopify/bad%20shop/estimate", CART, {}),
    ("GET", f"{BASE}/estimate/", CART, {}),
    ("HEAD", f"{BASE}/estimate", CART, {}),
    ("OPTIONS", f"{BASE}/estimate", {}, {"Origin": SHOP_ORIGIN, "Access-Control-Request-Method": "GET"}),
    ("GET", f"{BASE}/widgets/estimate", {**CART, "bucket": "99", "locale": "de"}, {"Origin": SHOP_ORIGIN}),
    ("GET", f"{BASE}/widgets/estimate", {**CART, "bucket": "7"}, {}),
    ("GET", f"{BASE}/widgets/badges", {"bucket": "99"}, {"Origin": SHOP_ORIGIN}),
]


def _comparable(response: httpx.Response) -> tuple[int, list[tuple[str, str]], str]:
    headers = sorted((name, value) for name, value in response.headers.items() if name not in PER_RESPONSE)
    body = re.sub(r"upfront-[0-9a-f]{8}-", "upfront-UID-", response.text)  # a fragment's per-render element ids
    return response.status_code, headers, body


async def test_the_hot_path_answers_exactly_as_the_router(
    settings: Settings, redis: Redis, clock: Clock, shop: ShopRef
) -> None:
    async with (
        serve_in_process(widget_app(settings, redis, clock, hot=True)) as hot,
        serve_in_process(widget_app(settings, redis, clock, hot=False)) as routed,
    ):
        for method, path, params, headers in REQUESTS:
            via_hot = await hot.request(method, path, params=params, headers=headers)
            via_router = await routed.request(method, path, params=params, headers=headers)
            assert _comparable(via_hot) == _comparable(via_router), (method, path, params, headers)


async def test_a_repeat_within_the_second_is_the_same_answer_and_the_next_second_a_new_one(
    settings: Settings, redis: Redis, clock: Clock, shop: ShopRef
) -> None:
    async with serve_in_process(widget_app(settings, redis, clock)) as client:
        first = await client.get(f"{BASE}/estimate", params=CART)
        clock.now += timedelta(milliseconds=999)
        repeat = await client.get(f"{BASE}/estimate", params=CART)
        clock.now += timedelta(milliseconds=1)
        later = await client.get(f"{BASE}/estimate", params=CART)
    assert repeat.content == first.content
    assert later.json()["order_within_s"] == first.json()["order_within_s"] - 1


async def test_an_answer_taken_from_request_headers_says_so_in_vary(
    settings: Settings, redis: Redis, clock: Clock, shop: ShopRef
) -> None:
    async with serve_in_process(widget_app(settings, redis, clock)) as client:
        austrian = await client.get(f"{BASE}/estimate", params={"subtotal": "10"}, headers={"Accept-Language": "de-AT"})
        french = await client.get(f"{BASE}/estimate", params={"subtotal": "10"}, headers={"Accept-Language": "fr-FR"})
        asked = await client.get(f"{BASE}/estimate", params=CART, headers={"Accept-Language": "fr-FR"})
    assert (austrian.json()["destination"]["country"], french.json()["destination"]["country"]) == ("AT", "FR")
    for answer in (austrian, french):
        vary = {part.strip().lower() for part in answer.headers["vary"].split(",")}
        assert {"accept-language", "cf-ipcountry", "origin"} <= vary
    assert asked.headers["vary"] == "Origin", "a country asked for depends on nothing else"


async def test_a_repeat_costs_redis_one_status_and_version_read(
    settings: Settings, redis: Redis, clock: Clock, services: Services, shop: ShopRef
) -> None:
    async with serve_in_process(widget_app(settings, redis, clock)) as client:
        await client.get(f"{BASE}/estimate", params=CART, headers={"Origin": SHOP_ORIGIN})
        before = await _command_calls(redis)
        repeat = await client.get(f"{BASE}/estimate", params=CART, headers={"Origin": SHOP_ORIGIN})
        after = await _command_calls(redis)
    assert repeat.headers["access-control-allow-origin"] == SHOP_ORIGIN
    sent = {name: after[name] - before.get(name, 0) for name in after if after[name] != before.get(name, 0)}
    assert sent == {"hget": 1, "hgetall": 1}, "the CORS check's shop load is the endpoint's too"


async def _command_calls(redis: Redis) -> dict[str, int]:
    stats = await redis.info("commandstats")
    return {
        name.removeprefix("cmdstat_"): int(values["calls"])
        for name, values in stats.items()
        if name not in ("cmdstat_info",)
    }
