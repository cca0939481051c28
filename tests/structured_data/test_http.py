"""`/structured-data` behind the signed Shopify app proxy and on the CORS storefront route: the demo shop's facts as
schema.org pieces, withheld where they would not hold, and clear 400s for bad input."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plugin.devstore.shopify import sign_proxy
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts, save_facts
from tests.conftest import SHOPIFY_SECRET
from tests.structured_data.vocabulary import (
    google_return_policy_problems,
    google_shipping_problems,
    schema_problems,
)
from tests.widgets.conftest import WidgetClient
from widgets.estimator.learning import MIN_SAMPLES, DeliverySample, record_delivery, refresh_learned_transit
from widgets.settings import (
    WidgetSettings,
    WidgetSettingsError,
    default_settings,
    save_widget_settings,
    settings_from_dict,
)

pytestmark = pytest.mark.anyio
POLICY_URL = "https://upfront-demo.example/policies/refund-policy"
GERMANY_ZONE = "gid://shopify/DeliveryZone/1"


def signed(shop: ShopRef, **params: str) -> str:
    pairs = [*params.items(), ("shop", shop.id), ("logged_in_customer_id", "")]
    pairs += [("path_prefix", "/apps/upfront"), ("timestamp", str(int(time.time())))]
    return "/proxy/structured-data?" + sign_proxy(SHOPIFY_SECRET, pairs)


async def turn_on(services: Services, shop: ShopRef, on: bool = True) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, {"structured_data": on}, defaults)


async def state_returns(services: Services, shop: ShopRef, days: int | None) -> None:
    await turn_on(services, shop)
    facts = await load_facts(services.redis, services.keys, shop)
    assert facts is not None
    changed = replace(
        facts,
        refund_policy_text=f"You can return items within {days} days for a full refund.",
        refund_policy_url=POLICY_URL,
        ship_to_countries=("DE", "AT"),
    )
    await save_facts(services.redis, services.keys, changed)


async def test_behind_the_app_proxy_the_offer_gets_its_shipping_and_return_policy(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await state_returns(services, shop, 30)
    async with widget_client() as client:
        answer = await client.get(signed(shop, price="24.90", currency="EUR"))
        store = (await client.get(signed(shop))).json()["store"]  # asked for a page without an offer
    assert answer.status_code == 200
    body = answer.json()
    assert "store" not in body
    details = body["offer"]["shippingDetails"]
    offer = {"@type": "Offer", "price": "24.90", "priceCurrency": "EUR", **body["offer"]}
    assert schema_problems(offer) == [] and schema_problems(store) == []
    assert all(google_shipping_problems(node, "EUR") == [] for node in details)
    # The demo's Germany zone: Standard is capped by weight (unknown here), free shipping starts at 50,00 €.
    rates = [
        (sorted(r["addressCountry"] for r in node["shippingDestination"]), node["shippingRate"]) for node in details
    ]
    money = {"@type": "MonetaryAmount", "value": 9.90, "currency": "EUR"}
    assert rates == [(["DE"], money), (["AT", "FR", "NL"], money)]  # Express; the Europe zone's Standard
    policy = body["offer"]["hasMerchantReturnPolicy"]
    assert google_return_policy_problems(policy) == []
    assert policy["merchantReturnDays"] == 30 and policy["merchantReturnLink"] == POLICY_URL
    assert store["@type"] == "OnlineStore" and store["hasMerchantReturnPolicy"] == policy


@pytest.mark.parametrize(
    ("items", "rates"),
    [
        # The mug is in the "Fragile goods" profile: its own rates, not the general profile's.
        ("632910394:808950812:1", [(["DE"], 6.90), (["DE"], 12.90), (["AT", "FR", "NL"], 14.90)]),
        ("632910394", [(["DE"], 6.90), (["DE"], 12.90), (["AT", "FR", "NL"], 14.90)]),
        ("632910392:808950810:1", [(["DE"], 4.90), (["DE"], 9.90), (["AT", "FR", "NL"], 9.90)]),  # general profile
    ],
    ids=["custom-profile-variant", "custom-profile-product", "general-profile"],
)
async def test_the_pages_product_chooses_the_delivery_profile_whose_rates_are_stated(
    widget_client: WidgetClient, services: Services, shop: ShopRef, items: str, rates: list[tuple[list[str], float]]
) -> None:
    await state_returns(services, shop, 30)
    async with widget_client() as client:
        answer = await client.get(signed(shop, price="14.50", currency="EUR", weight_g="400", items=items))
        estimate = await client.get(
            f"/storefront/shopify/{shop.id}/estimate",
            params={"country": "DE", "subtotal": "14.50", "weight_g": "400", "items": items},
        )
    assert answer.status_code == 200 and estimate.status_code == 200
    details = answer.json()["offer"]["shippingDetails"]
    assert all(google_shipping_problems(node, "EUR") == [] for node in details)
    stated = [
        (sorted(r["addressCountry"] for r in n["shippingDestination"]), n["shippingRate"]["value"]) for n in details
    ]
    assert stated == rates
    # The same rates the storefront's estimate shows for that product in Germany.
    options = estimate.json()["options"]
    shown = sorted(float(o["cost"]) for o in options if o["cost"] is not None and o["kind"] != "pickup")
    assert sorted(value for countries, value in rates if countries == ["DE"]) == shown


async def test_a_delivery_time_is_stated_from_the_merchants_days_or_the_stores_own_deliveries_never_a_default(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    """No merchant transit days: the storefront dates every option with a labelled default, which search engines
    are not told; once the store's deliveries by Express to Germany teach a window, that window is stated."""
    await state_returns(services, shop, 30)  # structured data on
    no_days = {"estimator": {"default_transit_days": None, "method_transit_days": None}}  # the demo merchant's gone
    await save_widget_settings(
        services.redis, services.keys, shop, no_days, default_settings(services.settings.manifest.widgets)
    )

    async def shipping_details() -> list[dict[str, Any]]:
        async with widget_client() as client:
            answer = await client.get(signed(shop, price="24.90", currency="EUR"))
        found: list[dict[str, Any]] = answer.json()["offer"]["shippingDetails"]
        return found

    assert [node.get("deliveryTime") for node in await shipping_details()] == [None, None]  # Express DE, Standard EU
    delivered = datetime.now(UTC).date() - timedelta(days=3)
    for n in range(MIN_SAMPLES):
        days = 1 if n % 2 else 2
        sample = DeliverySample(f"s{n}", GERMANY_ZONE, "Express", delivered - timedelta(days=days), delivered, days)
        assert await record_delivery(services, shop, sample, datetime.now(UTC))
    await refresh_learned_transit(services, shop)
    express, europe = await shipping_details()
    assert "deliveryTime" not in europe and google_shipping_problems(express, "EUR") == []
    window = {"@type": "QuantitativeValue", "minValue": 1, "maxValue": 2, "unitCode": "DAY"}
    assert express["deliveryTime"]["transitTime"] == window


async def test_products_of_several_profiles_get_no_shipping_rate(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await state_returns(services, shop, 30)
    async with widget_client() as client:
        answer = await client.get(signed(shop, price="39.40", currency="EUR", items="632910394,632910392"))
    body = answer.json()
    assert "shippingDetails" not in body["offer"] and "hasMerchantReturnPolicy" in body["offer"]
    assert body["withheld"] == "the page's products ship by different delivery profiles"


async def test_an_offer_in_another_currency_or_a_shop_without_a_window_gets_no_invented_facts(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await state_returns(services, shop, None)
    async with widget_client() as client:
        foreign = await client.get(f"/storefront/shopify/{shop.id}/structured-data?price=24.90&currency=USD")
        unknown = await client.get(f"/storefront/shopify/{shop.id}/structured-data?price=5&currency=XYZ")
        no_price = await client.get(f"/storefront/shopify/{shop.id}/structured-data")
    assert foreign.status_code == 200
    assert foreign.json() == {"offer": {}, "withheld": "rates are in EUR, the offer in USD"}
    assert unknown.json()["withheld"] == "rates are in EUR, the offer in XYZ"
    assert no_price.json() == {"offer": {}, "withheld": "no price given, so no shipping rate can be stated"}


async def test_off_in_the_shops_settings_nothing_is_stated(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await state_returns(services, shop, 30)
    await turn_on(services, shop, False)
    async with widget_client() as client:
        answer = await client.get(signed(shop, price="24.90", currency="EUR"))
    assert answer.json() == {"offer": {}, "withheld": "off in the shop's settings"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("price=abc", "price"),
        ("price=1e9", "price"),
        ("currency=EURO", "currency"),
        ("weight_g=-5", "weight_g"),
        ("items=tote", "items"),
        ("items=1:2:0", "items"),
        ("items=", "items"),
    ],
    ids=[
        "not-a-number",
        "exponent",
        "not-a-currency-code",
        "negative-weight",
        "items-not-ids",
        "items-zero-quantity",
        "items-empty",
    ],
)
async def test_bad_input_is_refused_with_the_field(
    widget_client: WidgetClient, shop: ShopRef, query: str, field: str
) -> None:
    async with widget_client() as client:
        answer = await client.get(f"/storefront/shopify/{shop.id}/structured-data?{query}")
    assert answer.status_code == 400
    assert answer.json()["field"] == field


def test_the_setting_is_a_flag_and_off_by_default() -> None:
    defaults = WidgetSettings()
    assert defaults.structured_data is False
    assert settings_from_dict({"structured_data": True}, defaults).structured_data is True
    with pytest.raises(WidgetSettingsError) as refused:
        settings_from_dict({"structured_data": "yes"}, defaults)
    assert refused.value.field == "structured_data"
