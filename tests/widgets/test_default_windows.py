"""A shop whose merchant typed no transit times still shows a delivery window for every option, worded as an
estimate; the merchant's own numbers are shown as they are."""

from __future__ import annotations

import pytest

from plugin.keys import ShopRef
from plugin.services import Services
from tests.widgets.conftest import WidgetClient
from widgets.settings import default_settings, save_widget_settings

pytestmark = pytest.mark.anyio
BASE = "/storefront/shopify/upfront-demo.myshopify.com"
CART = {"subtotal": "24.90", "weight_g": "400", "locale": "en", "placement": "product", "bucket": "50"}


async def _forget_transit(services: Services, shop: ShopRef, methods: dict[str, list[int]] | None) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    changes = {"estimator": {"default_transit_days": None, "method_transit_days": methods}}
    await save_widget_settings(services.redis, services.keys, shop, changes, defaults)


@pytest.mark.parametrize("country", ["DE", "AT", "US"], ids=["domestic", "same-region", "international"])
async def test_every_option_is_dated_and_a_default_is_labelled_an_estimate(
    widget_client: WidgetClient, services: Services, shop: ShopRef, country: str
) -> None:
    await _forget_transit(services, shop, None)
    async with widget_client() as client:
        data = await client.get(f"{BASE}/estimate", params={**CART, "country": country})
        fragment = await client.get(f"{BASE}/widgets/estimate", params={**CART, "country": country})
    options = [o for o in data.json()["options"] if o["kind"] != "pickup"]  # a pickup is ready, not delivered
    assert options and all(o["delivery"] is not None and o["delivery"]["source"] == "default" for o in options)
    html = fragment.text
    dated = html.count('class="upfront-d"') - html.count("Ready in")
    assert html.count("(est.)") == dated >= 1


async def test_the_merchants_number_is_not_called_an_estimate(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await _forget_transit(services, shop, {"Express": [1, 1]})
    async with widget_client() as client:
        data = await client.get(f"{BASE}/estimate", params={**CART, "country": "DE"})
        fragment = await client.get(f"{BASE}/widgets/estimate", params={**CART, "country": "DE"})
    sources = {o["name"]: o["delivery"]["source"] for o in data.json()["options"] if o["delivery"]}
    assert sources["Express"] == "merchant" and sources["Standard"] == "default"
    # The widget lists Standard, then the Berlin pickup; Standard's default window is called an estimate.
    standard = next(line for line in fragment.text.splitlines() if ">Standard<" in line)
    assert "(est.)" in standard
