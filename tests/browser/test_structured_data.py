"""Search engines' view of both dev store product pages in headless Chromium: the script merges the shop's shipping
and return facts into the theme's own Product JSON-LD (a plain Product on Shopify, an @graph with @id references on
BigCommerce). The markup stays valid JSON in schema.org's vocabulary, the Product is there once, and a page
without Product markup gets the store's return policy alone."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import load_facts, save_facts
from tests.browser.conftest import LiveServer, close_context, new_context
from tests.browser.test_layout import BIGCOMMERCE_STOREFRONT, both_storefronts, seed_bigcommerce_demo
from tests.structured_data.vocabulary import (
    google_return_policy_problems,
    google_shipping_problems,
    schema_problems,
)
from widgets.settings import default_settings, save_widget_settings

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

POLICY_URL = "https://upfront-demo.example/policies/refund-policy"
ALL_MARKUP = """() => [...document.querySelectorAll('script[type="application/ld+json"]')].map((s) => s.textContent)"""
MERGED = """(pattern) => [...document.querySelectorAll('script[type="application/ld+json"]')]
  .some((s) => new RegExp(pattern).test(s.textContent))"""


async def state_return_window(services: Services, shop: ShopRef, days: int | None) -> None:
    """Turns structured data on (it is off by default) and states the shop's return window, or none."""
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, {"structured_data": True}, defaults)
    facts = await load_facts(services.redis, services.keys, shop)
    assert facts is not None
    stated = replace(
        facts,
        refund_policy_text=f"You can return items within {days} days for a full refund.",
        refund_policy_url=POLICY_URL,
    )
    await save_facts(services.redis, services.keys, stated)


@pytest.fixture
async def stores(services: Services, shop: ShopRef) -> None:
    """The Shopify demo shop states a 30-day window; the BigCommerce demo store states none."""
    await state_return_window(services, shop, 30)
    await state_return_window(services, await seed_bigcommerce_demo(services), None)


@pytest.fixture
def two_storefronts(settings: Settings, listener: socket.socket, stores: None) -> Iterator[str]:
    with LiveServer(both_storefronts(settings), listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def nodes(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, list):
        for item in document:
            yield from nodes(item)
    elif isinstance(document, dict):
        yield document
        for value in document.values():
            yield from nodes(value)


def typed(documents: list[Any], type_name: str) -> list[dict[str, Any]]:
    return [node for node in nodes(documents) if node.get("@type") == type_name]


async def merged_markup(page: Page, added: str = "shippingDetails|hasMerchantReturnPolicy") -> list[Any]:
    """The page's JSON-LD once the script has added what `added` matches (the theme must not state it already)."""
    await page.wait_for_function(MERGED, arg=added)
    texts: list[str] = await page.evaluate(ALL_MARKUP)
    return [json.loads(text) for text in texts]  # each one still valid JSON


@pytest.mark.parametrize(
    ("storefront", "currency", "policy"),
    [("/devstore", "EUR", True), (BIGCOMMERCE_STOREFRONT, "USD", False)],
    ids=["shopify", "bigcommerce"],
)
async def test_the_product_page_has_one_product_with_the_shops_shipping_and_returns(
    browser: Browser, two_storefronts: str, storefront: str, currency: str, policy: bool
) -> None:
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{two_storefronts}{storefront}/products/canvas-tote")
    documents = await merged_markup(page)
    assert len(documents) == 1  # merged into the theme's own script, none added
    assert len(typed(documents, "Product")) == 1
    assert schema_problems(documents) == []
    [offer] = typed(documents, "Offer")
    assert offer["priceCurrency"] == currency and offer["price"] == "24.90"  # the theme's own, untouched
    assert offer["shippingDetails"], "the offer carries the shop's rates"
    assert all(google_shipping_problems(details, currency) == [] for details in offer["shippingDetails"])
    assert all("deliveryTime" in details for details in offer["shippingDetails"])  # the demo states windows
    if policy:
        assert offer["hasMerchantReturnPolicy"]["merchantReturnDays"] == 30
        assert google_return_policy_problems(offer["hasMerchantReturnPolicy"]) == []
    else:
        assert "hasMerchantReturnPolicy" not in offer  # no window stated: no policy claimed
    await close_context(context)


async def test_a_product_in_its_own_delivery_profile_states_that_profiles_rates(
    browser: Browser, two_storefronts: str
) -> None:
    """The mug ships by the demo shop's "Fragile goods" profile: the embed names it, and its rates are stated."""
    context = await new_context(browser)
    page = await context.new_page()
    await page.goto(f"{two_storefronts}/devstore/products/enamel-mug")
    [offer] = typed(await merged_markup(page), "Offer")
    stated = [
        (sorted(r["addressCountry"] for r in node["shippingDestination"]), node["shippingRate"]["value"])
        for node in offer["shippingDetails"]
    ]
    assert stated == [(["DE"], 6.90), (["DE"], 12.90), (["AT", "FR", "NL"], 14.90)]
    await close_context(context)


async def test_a_page_without_product_markup_gets_only_the_stores_return_policy(
    browser: Browser, two_storefronts: str
) -> None:
    context = await new_context(browser)
    page = await context.new_page()

    async def without_markup(route: Route) -> None:
        response = await route.fetch()
        html = re.sub(r'<script type="application/ld\+json">.*?</script>', "", await response.text(), flags=re.S)
        await route.fulfill(response=response, body=html)

    await page.route("**/devstore/products/*", without_markup)
    await page.goto(f"{two_storefronts}/devstore/products/canvas-tote")
    documents = await merged_markup(page)
    assert [document["@type"] for document in documents] == ["OnlineStore"]
    assert typed(documents, "Product") == [] and typed(documents, "Offer") == []  # no price or stock invented
    assert schema_problems(documents) == []
    assert google_return_policy_problems(documents[0]["hasMerchantReturnPolicy"]) == []
    await close_context(context)


# A theme that describes variants as a ProductGroup, one of whose offers already states its own shipping.
VARIANTS: dict[str, Any] = {
    "@context": "https://schema.org",
    "@type": "ProductGroup",
    "@id": "https://upfront-demo.example/products/canvas-tote#group",
    "name": "Canvas tote",
    "hasVariant": [
        {
            "@type": "Product",
            "name": "Canvas tote, natural",
            "offers": {"@type": "Offer", "price": "24.90", "priceCurrency": "EUR"},
        },
        {
            "@type": "Product",
            "name": "Canvas tote, black",
            "offers": {
                "@type": "Offer",
                "price": "29.90",
                "priceCurrency": "EUR",
                "shippingDetails": {
                    "@type": "OfferShippingDetails",
                    "shippingRate": {"@type": "MonetaryAmount", "value": 0, "currency": "EUR"},
                    "shippingDestination": {"@type": "DefinedRegion", "addressCountry": "DE"},
                },
            },
        },
    ],
}


async def test_variants_get_the_facts_and_what_the_theme_states_wins(browser: Browser, two_storefronts: str) -> None:
    context = await new_context(browser)
    page = await context.new_page()
    theme_markup = f'<script type="application/ld+json">{json.dumps(VARIANTS)}</script>'

    async def with_variants(route: Route) -> None:
        response = await route.fetch()
        pattern = r'<script type="application/ld\+json">.*?</script>'
        html = re.sub(pattern, lambda _: theme_markup, await response.text(), flags=re.S)
        await route.fulfill(response=response, body=html)

    await page.route("**/devstore/products/*", with_variants)
    await page.goto(f"{two_storefronts}/devstore/products/canvas-tote")
    documents = await merged_markup(page, "hasMerchantReturnPolicy")  # the theme states shipping for one variant
    assert len(documents) == 1 and len(typed(documents, "ProductGroup")) == 1
    assert schema_problems(documents) == []
    natural, black = (variant["offers"] for variant in documents[0]["hasVariant"])
    assert natural["shippingDetails"] and natural["hasMerchantReturnPolicy"]["merchantReturnDays"] == 30
    assert black["shippingDetails"] == VARIANTS["hasVariant"][1]["offers"]["shippingDetails"]  # the theme's own
    assert black["hasMerchantReturnPolicy"]["merchantReturnDays"] == 30  # what the theme did not state is added
    await close_context(context)
