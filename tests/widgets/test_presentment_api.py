"""A EUR Shopify shop answers shoppers in USD, GBP and CHF (Markets): the estimate API, the fragment's free-shipping
line and the badges, through the demo shop's synced currency settings; a currency it does not sell in is answered
in EUR with a sentence saying so; a malformed one is refused."""

from __future__ import annotations

from dataclasses import replace

import pytest

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_shipping_setup, save_shipping_setup
from tests.widgets.conftest import WidgetClient

pytestmark = pytest.mark.anyio

BASE = "/storefront/shopify/upfront-demo.myshopify.com"
# The demo shop (EUR): Standard 4.90, Express 9.90 and free shipping from 50.00 within Germany.
CART = {"weight_g": "400", "country": "DE"}


@pytest.mark.parametrize(
    ("asked", "costs", "progress"),
    [
        # Shopify's automatic rates, as the storefront states them (Shopify.currency.rate): x rate, half up.
        (
            {"currency": "USD", "rate": "1.0843", "subtotal": "27.00"},
            ["5.31", "10.73"],  # 5.31307, 10.73457
            {"threshold": "54.22", "remaining": "27.22"},  # 54.215
        ),
        (
            {"currency": "GBP", "rate": "0.8612", "subtotal": "21.44"},
            ["4.22", "8.53"],  # 4.21988, 8.52588
            {"threshold": "43.06", "remaining": "21.62"},
        ),
        # CHF has a manual rate in the shop's currency settings: it wins over whatever the browser sends.
        (
            {"currency": "CHF", "rate": "2.5", "subtotal": "23.41"},
            ["4.61", "9.31"],  # 0.94: 4.606, 9.306
            {"threshold": "47.00", "remaining": "23.59"},
        ),
    ],
    ids=["usd", "gbp", "chf-manual-rate"],
)
async def test_a_euro_shop_answers_in_the_shoppers_currency(
    widget_client: WidgetClient, shop: ShopRef, asked: dict[str, str], costs: list[str], progress: dict[str, str]
) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params={**CART, **asked})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "quoted"
    assert body["currency"] == asked["currency"]
    assert body["currency_message"] is None
    assert [option["cost"] for option in body["options"] if option["kind"] != "pickup"] == costs
    assert body["free_shipping"] == progress


async def test_the_fragment_shows_prices_and_the_free_shipping_line_in_the_shoppers_currency(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    params = {**CART, "currency": "USD", "rate": "1.0843", "subtotal": "27.00", "locale": "en", "bucket": "50"}
    async with widget_client() as client:
        english = await client.get(f"{BASE}/widgets/estimate", params=params)
        german = await client.get(f"{BASE}/widgets/estimate", params={**params, "locale": "de"})
        swiss = await client.get(f"{BASE}/widgets/estimate", params={**params, "currency": "CHF", "locale": "de-CH"})
    assert english.status_code == 200
    # The widget lists two options: the cheapest delivery and the pickup (the express one is counted at checkout).
    assert "$5.31" in english.text and "Pickup at Berlin shop" in english.text
    assert "Add $27.22 more for free shipping" in english.text
    assert "€" not in english.text
    assert "5,31\xa0$" in german.text  # German writes dollars its own way
    assert "Noch 27,22\xa0$ bis zum kostenlosen Versand" in german.text
    assert "CHF\xa04.61" in swiss.text  # Swiss German, at the shop's manual CHF rate


async def test_badges_state_the_free_shipping_threshold_in_the_shoppers_currency(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    # Without the demo's fragile-goods profile (no free shipping), free shipping over 50 holds for every product.
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    await save_shipping_setup(services.redis, services.keys, shop, replace(setup, profiles=()))
    params = {"placement": "footer", "locale": "en", "bucket": "50"}
    async with widget_client() as client:
        own = await client.get(f"{BASE}/widgets/badges", params=params)
        dollars = await client.get(f"{BASE}/widgets/badges", params={**params, "currency": "USD", "rate": "1.0843"})
        unsold = await client.get(f"{BASE}/widgets/badges", params={**params, "currency": "JPY", "rate": "160"})
        malformed = await client.get(f"{BASE}/widgets/badges", params={**params, "currency": "DOLLAR"})
    assert "Free shipping to Germany over 50,00 €" in own.text
    assert "Free shipping to Germany over $54.22" in dollars.text
    assert "Free shipping to Germany over 50,00 €" in unsold.text  # JPY is switched off: the shop's own
    assert malformed.status_code == 400 and malformed.json()["field"] == "currency"


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ({"currency": "JPY", "rate": "160"}, "Shipping costs are shown in EUR: this shop does not sell in JPY."),
        ({"currency": "SEK"}, "Shipping costs are shown in EUR: this shop does not sell in SEK."),
        ({"currency": "USD"}, "Shipping costs are shown in EUR, the shop's currency."),  # sold, but no rate sent
        ({"currency": "USD", "rate": "0"}, "Shipping costs are shown in EUR, the shop's currency."),  # not sane
        ({"currency": "USD", "rate": "12345678"}, "Shipping costs are shown in EUR, the shop's currency."),
    ],
    ids=["switched-off", "not-a-market", "no-rate", "zero-rate", "absurd-rate"],
)
async def test_a_currency_without_a_rate_gets_a_clear_answer_in_the_shops_currency(
    widget_client: WidgetClient, shop: ShopRef, asked: dict[str, str], message: str
) -> None:
    params = {**CART, **asked, "subtotal": "1000.00"}
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=params)
        widget = await client.get(f"{BASE}/widgets/estimate", params={**params, "locale": "en", "bucket": "50"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert (body["status"], body["currency"], body["currency_message"]) == ("quoted", "EUR", message)
    # The cart's value in EUR is unknown: prices as for an empty cart, and no claim about free shipping.
    assert [option["cost"] for option in body["options"] if option["kind"] != "pickup"] == ["4.90", "9.90"]
    assert body["free_shipping"] is None
    assert widget.status_code == 200
    assert message.replace("'", "&#39;") in widget.text and "4,90 €" in widget.text


@pytest.mark.parametrize(
    ("asked", "field"),
    [
        ({"currency": "US"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": "USD", "rate": "fast"}, "rate"),
        ({"currency": "USD", "rate": "-1.08"}, "rate"),
        ({"currency": "USD", "rate": "1.08e0"}, "rate"),
    ],
    ids=["two-letters", "four-letters", "word-rate", "negative-rate", "exponent-rate"],
)
async def test_malformed_currency_input_is_refused(
    widget_client: WidgetClient, shop: ShopRef, asked: dict[str, str], field: str
) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params={**CART, **asked, "subtotal": "10.00"})
    assert answer.status_code == 400
    assert answer.json()["field"] == field


async def test_answers_for_different_rates_are_kept_apart(widget_client: WidgetClient, shop: ShopRef) -> None:
    # A forged rate changes only the answer to the question that carried it, never a cached answer for another.
    params = {**CART, "currency": "USD", "subtotal": "27.00"}
    async with widget_client() as client:
        forged = await client.get(f"{BASE}/estimate", params={**params, "rate": "100"})
        honest = await client.get(f"{BASE}/estimate", params={**params, "rate": "1.0843"})
    assert forged.json()["options"][0]["cost"] == "490.00"
    assert honest.json()["options"][0]["cost"] == "5.31"


@pytest.mark.parametrize("bucket", ["0", "99"], ids=["holdout", "treatment"])
async def test_a_malformed_rate_is_refused_whether_or_not_the_badges_show(
    widget_client: WidgetClient, shop: ShopRef, bucket: str
) -> None:
    # A holdout visitor gets no badges, but the same bad query gets the same 400 (the published schema says so).
    async with widget_client() as client:
        answer = await client.get(
            f"{BASE}/widgets/badges",
            params={"placement": "product", "bucket": bucket, "currency": "USD", "rate": "1e3"},
        )
    assert (answer.status_code, answer.json()["field"]) == (400, "rate")
