"""A BigCommerce cart's holdout variant: kept only with analytics consent, validated, rate limited, for the shop's
own storefront origins, never for Shopify shops (their carts carry the variant as an attribute)."""

from __future__ import annotations

import json

import pytest

from plugin.admin.conversions import CART_KEEP_SECONDS, cart_variant, cart_variant_key
from plugin.bigcommerce.mapping import shop_facts_from_store
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, demo_store
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import save_facts
from plugin.shops import StoredToken
from tests.widgets.conftest import WidgetClient
from widgets.cart_variant import MAX_BODY_BYTES, REQUESTS_PER_WINDOW

pytestmark = pytest.mark.anyio

PATH = f"/storefront/bigcommerce/{DEMO_STORE_HASH}/cart-variant"
STORE_ORIGIN = "https://demo-store.example"  # the demo store's domain
CART = "b5bda7f4-1a0b-4c35-9ac2-9e3e1d5d2b1e"
BEACON = {"Content-Type": "text/plain;charset=UTF-8", "Origin": STORE_ORIGIN}


def body(cart_id: object = CART, variant: object = "treatment", consent: str | None = "analytics") -> str:
    data: dict[str, object] = {"cart_id": cart_id, "variant": variant}
    if consent is not None:
        data["consent"] = consent
    return json.dumps(data)


@pytest.fixture
async def store(services: Services) -> ShopRef:
    """The BigCommerce demo store, installed and with its facts synced."""
    shop = ShopRef("bigcommerce", DEMO_STORE_HASH)
    await services.shops.save_token(shop, StoredToken(access_token="bc-placeholder", scope=""))
    await save_facts(services.redis, services.keys, shop_facts_from_store(shop, demo_store().info))
    return shop


async def test_a_consented_cart_variant_is_kept_for_30_days_without_anything_else(
    widget_client: WidgetClient, services: Services, store: ShopRef
) -> None:
    async with widget_client() as client:
        answer = await client.post(PATH, content=body(), headers=BEACON)
    assert answer.status_code == 204
    assert answer.headers["access-control-allow-origin"] == STORE_ORIGIN
    assert await cart_variant(services.redis, services.keys, store, CART) == "treatment"
    ttl = await services.redis.ttl(cart_variant_key(services.keys, store, CART))
    assert CART_KEEP_SECONDS - 60 < ttl <= CART_KEEP_SECONDS
    kept = [key async for key in services.redis.scan_iter(match=services.keys.shop(store, "conversions", "*"))]
    assert kept == [cart_variant_key(services.keys, store, CART)]


async def test_the_first_variant_of_a_cart_stays(
    widget_client: WidgetClient, services: Services, store: ShopRef
) -> None:
    async with widget_client() as client:
        first = await client.post(PATH, content=body(variant="control"), headers=BEACON)
        second = await client.post(PATH, content=body(variant="treatment"), headers=BEACON)
    assert (first.status_code, second.status_code) == (204, 204)
    assert await cart_variant(services.redis, services.keys, store, CART) == "control"


@pytest.mark.parametrize("consent", [None, "functional", "yes"], ids=["missing", "other-category", "vague"])
async def test_without_analytics_consent_nothing_is_kept(
    widget_client: WidgetClient, services: Services, store: ShopRef, consent: str | None
) -> None:
    async with widget_client() as client:
        answer = await client.post(PATH, content=body(consent=consent), headers=BEACON)
    assert answer.status_code == 403
    assert answer.json()["field"] == "consent"
    assert await cart_variant(services.redis, services.keys, store, CART) is None


@pytest.mark.parametrize(
    ("content", "field", "reason"),
    [
        ("not json", None, "JSON object"),
        ("[]", None, "JSON object"),
        (body(cart_id=None), "cart_id", "must be a cart id"),
        (body(cart_id=""), "cart_id", "must be a cart id"),
        (body(cart_id="a" * 65), "cart_id", "at most 64"),
        (body(cart_id="../order:1"), "cart_id", "letters, digits and '-'"),
        (body(cart_id=12345), "cart_id", "must be a cart id"),
        (body(variant="holdout"), "variant", "must be one of treatment, control"),
        (body(variant=None), "variant", "must be one of treatment, control"),
    ],
    ids=["not-json", "array", "no-cart", "empty-cart", "long-cart", "path-in-cart", "number-cart", "variant", "none"],
)
async def test_malformed_bodies_are_refused_with_the_field_and_a_reason(
    widget_client: WidgetClient, services: Services, store: ShopRef, content: str, field: str | None, reason: str
) -> None:
    async with widget_client() as client:
        answer = await client.post(PATH, content=content, headers=BEACON)
    assert answer.status_code == 400
    assert reason in answer.json()["error"]
    assert answer.json().get("field") == field
    kept = [key async for key in services.redis.scan_iter(match=services.keys.shop(store, "conversions", "*"))]
    assert kept == []


async def test_an_oversized_body_is_refused(widget_client: WidgetClient, store: ShopRef) -> None:
    async with widget_client() as client:
        answer = await client.post(PATH, content="x" * (MAX_BODY_BYTES + 1), headers=BEACON)
    assert answer.status_code == 413


async def test_one_address_is_rate_limited_per_shop_without_storing_the_address(
    widget_client: WidgetClient, services: Services, store: ShopRef
) -> None:
    async with widget_client() as client:
        answers = [
            await client.post(PATH, content=body(cart_id=f"cart-{n}"), headers=BEACON)
            for n in range(REQUESTS_PER_WINDOW + 1)
        ]
    assert [a.status_code for a in answers[:-1]] == [204] * REQUESTS_PER_WINDOW
    assert answers[-1].status_code == 429
    assert 0 < int(answers[-1].headers["retry-after"]) <= 60
    assert await cart_variant(services.redis, services.keys, store, f"cart-{REQUESTS_PER_WINDOW}") is None
    every_key = [key async for key in services.redis.scan_iter(match=services.keys.shop(store, "*"))]
    assert not any("127.0.0.1" in key for key in every_key)


async def test_a_foreign_origin_is_refused_before_anything_is_kept(
    widget_client: WidgetClient, services: Services, store: ShopRef
) -> None:
    async with widget_client() as client:
        answer = await client.post(PATH, content=body(), headers={**BEACON, "Origin": "https://evil.example"})
    assert answer.status_code == 403
    assert await cart_variant(services.redis, services.keys, store, CART) is None


@pytest.mark.parametrize(
    "path",
    [
        "/storefront/shopify/upfront-demo.myshopify.com/cart-variant",  # installed, but a Shopify shop
        "/storefront/bigcommerce/nobody123/cart-variant",
    ],
    ids=["shopify-shop", "unknown-store"],
)
async def test_only_installed_bigcommerce_stores_keep_cart_variants(
    widget_client: WidgetClient, services: Services, shop: ShopRef, store: ShopRef, path: str
) -> None:
    async with widget_client() as client:
        answer = await client.post(path, content=body())
    assert answer.status_code == 404
    keys = [key async for key in services.redis.scan_iter(match=services.keys.shop(shop, "conversions", "*"))]
    assert keys == []
