"""The merchant's own local delivery (stated in the admin, as Shopify does not share its local delivery settings
with apps): shown as such, only to a shopper whose postcode it serves, with its price, minimum order and window."""

from __future__ import annotations

from typing import Any

import pytest

from plugin.keys import ShopRef
from plugin.services import Services
from tests.widgets.conftest import WidgetClient
from widgets.settings import WidgetSettingsError, default_settings, save_widget_settings, settings_from_dict

pytestmark = pytest.mark.anyio
BASE = "/storefront/shopify/upfront-demo.myshopify.com"
CART = {"subtotal": "30.00", "weight_g": "400", "country": "DE", "locale": "en", "placement": "cart", "bucket": "99"}
BERLIN_MITTE = {"postcodes": "10115, 10117; 101*", "price": "3.50", "minimum_order": "20", "days": [0, 1]}


async def _offer(services: Services, shop: ShopRef, local: dict[str, Any] | None) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, {"estimator": {"local_delivery": local}}, defaults)


def _local(answer: dict[str, Any]) -> list[dict[str, Any]]:
    return [option for option in answer["options"] if option["kind"] == "local"]


async def test_a_served_postcode_gets_local_delivery_with_its_price_and_window(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await _offer(services, shop, BERLIN_MITTE)
    async with widget_client() as client:
        exact = (await client.get(f"{BASE}/estimate", params={**CART, "postcode": "10117"})).json()
        prefixed = (await client.get(f"{BASE}/estimate", params={**CART, "postcode": "10178"})).json()
        fragment = await client.get(f"{BASE}/widgets/estimate", params={**CART, "postcode": "10115"})
    for answer in (exact, prefixed):
        [local] = _local(answer)
        assert (local["name"], local["cost"], local["free"]) == ("Local delivery", "3.50", False)
        assert local["delivery"]["source"] == "merchant"
    assert fragment.headers["x-upfront-variant"] == "treatment"
    line = next(line for line in fragment.text.splitlines() if "Local delivery" in line)
    assert "3,50" in line or "3.50" in line


@pytest.mark.parametrize(
    "where",
    [
        {"postcode": "20095"},  # Hamburg: not listed
        {},  # no postcode: local delivery cannot be promised without an address
        {"country": "AT", "postcode": "1010"},  # another country
        {"postcode": "10115", "subtotal": "19.99"},  # under the minimum order
    ],
    ids=["other-postcode", "no-postcode", "other-country", "under-minimum"],
)
async def test_no_local_delivery_where_it_is_not_offered(
    widget_client: WidgetClient, services: Services, shop: ShopRef, where: dict[str, str]
) -> None:
    await _offer(services, shop, BERLIN_MITTE)
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params={**CART, **where})
        fragment = await client.get(f"{BASE}/widgets/estimate", params={**CART, **where})
    assert answer.status_code == 200 and _local(answer.json()) == []
    assert "Local delivery" not in fragment.text


async def test_it_is_priced_in_the_shoppers_currency_and_can_be_free(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await _offer(services, shop, BERLIN_MITTE)
    dollars = {**CART, "postcode": "10115", "currency": "USD", "rate": "1.0843"}
    async with widget_client() as client:
        over = (await client.get(f"{BASE}/estimate", params={**dollars, "subtotal": "21.69"})).json()
        under = (await client.get(f"{BASE}/estimate", params={**dollars, "subtotal": "21.68"})).json()
        await _offer(services, shop, {**BERLIN_MITTE, "price": "0"})
        free = (await client.get(f"{BASE}/estimate", params={**CART, "postcode": "10115"})).json()
    # EUR 3.50 x 1.0843 = USD 3.80; the EUR 20 minimum is USD 21.69, so a USD 21.68 cart is just under it.
    [local] = _local(over)
    assert (over["currency"], local["cost"]) == ("USD", "3.80")
    assert _local(under) == []
    [gratis] = _local(free)
    assert (gratis["cost"], gratis["free"]) == ("0.00", True)


async def test_the_merchant_is_told_what_is_wrong_and_nothing_changes(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    for bad, field in [
        ({"postcodes": "10115"}, "estimator.local_delivery.price"),
        ({"postcodes": "10115 <b>", "price": "1"}, "estimator.local_delivery.postcodes"),
        ({"postcodes": ["10115"], "price": "-1"}, "estimator.local_delivery.price"),
        ({"postcodes": "10115", "price": "1", "days": [3, 1]}, "estimator.local_delivery.days"),
        ({"postcodes": "10115", "price": "1", "radius": 5}, "estimator.local_delivery.radius"),
        ({}, "estimator.local_delivery.postcodes"),
        ({"postcodes": [""], "price": "1"}, "estimator.local_delivery.postcodes"),
        ({"postcodes": "", "price": "ten"}, "estimator.local_delivery.price"),  # checked even when off
    ]:
        with pytest.raises(WidgetSettingsError) as refused:
            settings_from_dict({"estimator": {"local_delivery": bad}}, defaults)
        assert refused.value.field == field
    # Emptied postcodes switch it off; a list works as well as the admin's text box.
    listed = settings_from_dict({"estimator": {"local_delivery": {"postcodes": ["101*"], "price": 2}}}, defaults)
    assert listed.estimator.local_delivery is not None and listed.estimator.local_delivery.postcodes == ("101*",)
    off = settings_from_dict({"estimator": {"local_delivery": {"postcodes": " ", "price": None}}}, listed)
    assert off.estimator.local_delivery is None
