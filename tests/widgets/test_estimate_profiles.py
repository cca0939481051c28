"""The storefront estimate with the page's or cart's items: the demo shop's product-specific profile and its
pickup location, through the JSON answer and the rendered fragment."""

from __future__ import annotations

import pytest

from plugin.devstore.shopify_demo import DEMO_PRODUCT_IDS
from plugin.keys import ShopRef
from tests.widgets.conftest import WidgetClient

pytestmark = pytest.mark.anyio

BASE = "/storefront/shopify/upfront-demo.myshopify.com"
TOTE = ":".join((*DEMO_PRODUCT_IDS["canvas-tote"], "1", "400"))
MUG = ":".join((*DEMO_PRODUCT_IDS["enamel-mug"], "1", "250"))


async def test_the_items_choose_the_profile_and_a_mixed_cart_adds_up(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    cart = {"subtotal": "30.00", "weight_g": "400", "country": "FR"}
    async with widget_client() as client:
        tote = (await client.get(f"{BASE}/estimate", params={**cart, "items": TOTE})).json()
        mug = (await client.get(f"{BASE}/estimate", params={**cart, "items": MUG})).json()
        both = (await client.get(f"{BASE}/estimate", params={**cart, "items": f"{TOTE},{MUG}"})).json()
    assert [(o["name"], o["cost"]) for o in tote["options"]] == [("Standard", "9.90")]
    assert [(o["name"], o["cost"]) for o in mug["options"]] == [("Standard", "14.90")]
    assert [(o["name"], o["cost"]) for o in both["options"]] == [("Standard", "24.80")]
    assert tote["ships_from"] == ["DE"]


async def test_the_fragment_names_pickup_as_pickup_with_its_ready_time(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    params = {"subtotal": "30.00", "weight_g": "400", "country": "DE", "items": TOTE, "bucket": "99", "locale": "en"}
    async with widget_client() as client:
        german = await client.get(f"{BASE}/widgets/estimate", params=params)
        austrian = await client.get(f"{BASE}/widgets/estimate", params={**params, "country": "AT"})
    assert german.headers["x-upfront-variant"] == "treatment"
    assert "Pickup at Berlin shop" in german.text and "Ready in 2 hours" in german.text
    assert "Pickup" not in austrian.text


async def test_malformed_items_get_a_400_naming_the_field(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        for path in ("/estimate", "/widgets/estimate"):
            answer = await client.get(BASE + path, params={"subtotal": "10", "country": "DE", "items": "tote"})
            assert (answer.status_code, answer.json()["field"]) == (400, "items"), path
            assert "numeric ids" in answer.json()["error"]
