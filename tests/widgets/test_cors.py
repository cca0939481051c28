"""CORS on /storefront: the shop's own storefront origins are allowed, everyone else is refused, never a wildcard."""

from __future__ import annotations

import pytest

from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.services import Services
from plugin.shop_data import save_facts
from plugin.shops import StoredToken
from tests.widgets.conftest import SHOP_ORIGIN, WidgetClient

pytestmark = pytest.mark.anyio

BASE = "/storefront/shopify/upfront-demo.myshopify.com"
QUERY = {"subtotal": "10", "country": "DE"}


@pytest.mark.parametrize(
    "origin",
    [SHOP_ORIGIN, "https://upfront-demo.myshopify.com", "https://UPFRONT-DEMO.example:443"],
    ids=["primary-domain", "myshopify-domain", "same-origin-spelled-differently"],
)
async def test_the_shops_own_origins_may_read_answers(widget_client: WidgetClient, shop: ShopRef, origin: str) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=QUERY, headers={"Origin": origin})
        preflight = await client.options(
            f"{BASE}/events",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == origin
    assert "X-Upfront-Variant" in answer.headers["access-control-expose-headers"]
    assert "Origin" in answer.headers["vary"]
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == origin
    assert "POST" in preflight.headers["access-control-allow-methods"]


@pytest.mark.parametrize(
    "origin",
    [
        "https://evil.example",
        "http://upfront-demo.example",
        "https://upfront-demo.example.evil.example",
        "https://other-shop.myshopify.com",
        "null",
    ],
    ids=["foreign", "plain-http", "suffix-trick", "another-shop", "null-origin"],
)
async def test_other_origins_are_refused_before_anything_runs(
    widget_client: WidgetClient, services: Services, shop: ShopRef, origin: str
) -> None:
    batch = '{"consent": "analytics", "events": [{"widget": "estimate", "variant": "treatment", "type": "impression"}]}'
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=QUERY, headers={"Origin": origin})
        preflight = await client.options(
            f"{BASE}/estimate", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
        )
        beacon = await client.post(f"{BASE}/events", content=batch, headers={"Origin": origin})
    for refused in (answer, preflight, beacon):
        assert refused.status_code == 403
        assert "access-control-allow-origin" not in refused.headers
    assert [key async for key in services.redis.scan_iter(match=services.keys.shop(shop, "outcomes", "*"))] == []


async def test_requests_without_an_origin_pass_without_cors_headers(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=QUERY)
    assert answer.status_code == 200
    assert "access-control-allow-origin" not in answer.headers


async def test_a_bigcommerce_store_allows_its_default_storefront_domain(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    store = ShopRef("bigcommerce", "abc123")
    await services.shops.save_token(store, StoredToken("t", ""))
    await save_facts(
        services.redis,
        services.keys,
        ShopFacts(store, "BC shop", "USD", "America/Chicago", "US", domains=("shop.example.com",)),
    )
    async with widget_client() as client:
        default = await client.get(
            "/storefront/bigcommerce/abc123/widgets/badges",
            params={"placement": "product"},
            headers={"Origin": "https://store-abc123.mybigcommerce.com"},
        )
        custom = await client.get(
            "/storefront/bigcommerce/abc123/widgets/badges",
            params={"placement": "product"},
            headers={"Origin": "https://shop.example.com"},
        )
        demo = await client.get(
            "/storefront/bigcommerce/abc123/widgets/badges",
            params={"placement": "product"},
            headers={"Origin": SHOP_ORIGIN},
        )
    assert default.headers["access-control-allow-origin"] == "https://store-abc123.mybigcommerce.com"
    assert custom.headers["access-control-allow-origin"] == "https://shop.example.com"
    assert demo.status_code == 403
