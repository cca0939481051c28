"""The estimate API and fragment: validation, honest answers, destination fallback, cache and its invalidation."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from plugin.keys import ShopRef
from plugin.rates import Handling, Method, MethodKind, Region, Zone
from plugin.services import Services
from plugin.shop_data import facts_key, load_shipping_setup, save_shipping_setup, shipping_setup_key
from tests.widgets.conftest import Clock, WidgetClient
from widgets.settings import default_settings, save_widget_settings

pytestmark = pytest.mark.anyio

BASE = "/storefront/shopify/upfront-demo.myshopify.com"
CART = {"subtotal": "24.90", "weight_g": "400", "country": "DE"}


async def test_a_quote_lists_options_with_decimal_costs_dates_and_free_shipping_progress(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=CART)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "quoted"
    assert body["currency"] == "EUR"
    assert [(o["kind"], o["name"], o["cost"], o["free"]) for o in body["options"]] == [
        ("shipping", "Standard", "4.90", False),
        ("shipping", "Express", "9.90", False),
        ("pickup", "Berlin shop", "0.00", True),  # the demo shop's location with local pickup on
    ]
    assert body["options"][2]["ready"] == "TWO_HOURS" and body["options"][2]["delivery"] is None
    # Tuesday 10:00 in Berlin, shipped today: Standard 2-4 business days, Express next day (the merchant's numbers).
    assert body["options"][0]["delivery"] == {"earliest": "2026-11-19", "latest": "2026-11-23", "source": "merchant"}
    assert body["options"][1]["delivery"] == {"earliest": "2026-11-18", "latest": "2026-11-18", "source": "merchant"}
    assert body["free_shipping"] == {"threshold": "50.00", "remaining": "25.10"}
    assert body["calculated_at_checkout"] == []
    assert body["order_within_s"] == 4 * 3600


@pytest.mark.parametrize(
    ("params", "field", "reason_part"),
    [
        ({"country": "DE"}, "subtotal", "is required"),
        ({**CART, "subtotal": "12,50"}, "subtotal", "plain decimal"),
        ({**CART, "subtotal": "-1"}, "subtotal", "negative"),
        ({**CART, "subtotal": "1.999", "currency": "EUR"}, "subtotal", "decimals"),
        ({**CART, "subtotal": "123456789012345"}, "subtotal", "15 digits before the decimal point, at most 12"),
        ({**CART, "country": "XX"}, "country", "unknown country"),
        ({**CART, "postcode": "ABC"}, "postcode", "not a valid postcode for DE"),
        ({**CART, "currency": "EURO"}, "currency", "three-letter ISO 4217"),
        ({**CART, "weight_g": "heavy"}, "weight_g", "whole number"),
        ({**CART, "item_count": "0"}, "item_count", "between 1"),
    ],
    ids=[
        "no-subtotal",
        "comma-subtotal",
        "negative",
        "too-precise",
        "fifteen-digits",
        "country",
        "postcode",
        "bad-currency",
        "weight",
        "items",
    ],
)
async def test_bad_input_is_refused_with_the_field_and_a_reason(
    widget_client: WidgetClient, shop: ShopRef, params: dict[str, str], field: str, reason_part: str
) -> None:
    async with widget_client() as client:
        for path in ("/estimate", "/widgets/estimate"):
            answer = await client.get(BASE + path, params=params)
            assert answer.status_code == 400, path
            assert answer.json()["field"] == field
            assert reason_part in answer.json()["error"]


async def test_a_huge_postcode_is_refused_without_being_echoed(widget_client: WidgetClient, shop: ShopRef) -> None:
    postcode = "<script>" + "1" * 5000
    async with widget_client() as client:
        for path in ("/estimate", "/widgets/estimate"):
            answer = await client.get(BASE + path, params={**CART, "postcode": postcode})
            assert (answer.status_code, answer.json()["field"]) == (400, "postcode"), path
            reason = answer.json()["error"]
            assert reason == "'<SCRIPT>" + "1" * 32 + "…' is not a valid postcode for DE", path
            assert len(answer.content) < 300, path


async def test_a_bad_holdout_bucket_or_placement_is_refused(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        bucket = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "100"})
        empty = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": ""})
        placement = await client.get(f"{BASE}/widgets/estimate", params={**CART, "placement": "sidebar"})
    assert (bucket.status_code, bucket.json()["field"]) == (400, "bucket")
    assert (empty.status_code, empty.json()["field"]) == (400, "bucket")  # the schema says a whole number
    assert (placement.status_code, placement.json()["field"]) == (400, "placement")


@pytest.mark.parametrize(
    "path",
    [
        "/storefront/shopify/nobody.myshopify.com/estimate",
        "/storefront/magento/upfront-demo.myshopify.com/estimate",
        "/storefront/shopify/bad%20shop/estimate",
    ],
    ids=["unknown-shop", "unknown-platform", "malformed-shop"],
)
async def test_an_unknown_shop_is_404(widget_client: WidgetClient, shop: ShopRef, path: str) -> None:
    async with widget_client() as client:
        answer = await client.get(path, params=CART)
    assert answer.status_code == 404


async def test_an_uninstalled_shop_is_404(widget_client: WidgetClient, services: Services, shop: ShopRef) -> None:
    await services.shops.mark_uninstalled(shop)
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=CART)
        badges = await client.get(f"{BASE}/widgets/badges", params={"placement": "product"})
    assert answer.status_code == 404
    assert badges.status_code == 404


async def test_an_installed_shop_not_yet_synced_is_503(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await services.redis.delete(facts_key(services.keys, shop))
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params=CART)
    assert answer.status_code == 503


async def test_a_destination_without_rates_gets_an_honest_answer_not_an_error(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    domestic_only = replace(setup, zones=tuple(z for z in setup.zones if z.name == "Germany"))
    await save_shipping_setup(services.redis, services.keys, shop, domestic_only)
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params={**CART, "country": "JP"})
        html = await client.get(f"{BASE}/widgets/estimate", params={**CART, "country": "JP", "bucket": "99"})
    assert answer.status_code == 200
    assert answer.json()["status"] == "not_shipped"
    assert answer.json()["message"] == "We don't ship to JP yet."
    assert answer.json()["options"] == []
    assert "We don&#39;t ship to Japan yet." in html.text


async def test_carrier_rates_and_a_missing_setup_say_calculated_at_checkout(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    carrier = Zone("dhl", "Carrier", regions=(Region("DE"),), methods=(Method("c", "DHL Paket", MethodKind.CARRIER),))
    await save_shipping_setup(services.redis, services.keys, shop, replace(setup, zones=(carrier,), pickups=()))
    async with widget_client() as client:
        carrier_answer = (await client.get(f"{BASE}/estimate", params=CART)).json()
        await services.redis.delete(shipping_setup_key(services.keys, shop))
        missing_answer = (await client.get(f"{BASE}/estimate", params=CART)).json()
    assert carrier_answer["status"] == "at_checkout"
    assert carrier_answer["calculated_at_checkout"] == ["DHL Paket"]
    assert carrier_answer["options"][0]["cost"] is None
    assert missing_answer["status"] == "at_checkout"
    assert missing_answer["message"] == "Shipping costs are calculated at checkout."


@pytest.mark.parametrize(
    ("typical_costs", "cost", "status", "at_checkout"),
    [
        ({"DHL Paket": "9.00"}, "10.95", "quoted", []),  # 9.00 + 1.50 fixed + 5 % of 9.00
        ({"c": "9"}, "10.95", "quoted", []),  # by method id
        ({"Some other carrier": "9.00"}, None, "at_checkout", ["DHL Paket"]),
        ({}, None, "at_checkout", ["DHL Paket"]),
    ],
    ids=["by-name", "by-id", "another-method", "none"],
)
async def test_a_carriers_typical_cost_from_the_settings_is_shown_with_handling_but_not_as_a_quote(
    widget_client: WidgetClient,
    services: Services,
    shop: ShopRef,
    typical_costs: dict[str, str],
    cost: str | None,
    status: str,
    at_checkout: list[str],
) -> None:
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    dhl = Method("c", "DHL Paket", MethodKind.CARRIER, handling=Handling(Decimal("1.50"), Decimal(5)))
    carrier = Zone("dhl", "Carrier", regions=(Region("DE"),), methods=(dhl,))
    await save_shipping_setup(services.redis, services.keys, shop, replace(setup, zones=(carrier,), pickups=()))
    defaults = default_settings(services.settings.manifest.widgets)
    changes = {"estimator": {"method_typical_costs": typical_costs}}
    await save_widget_settings(services.redis, services.keys, shop, changes, defaults)
    async with widget_client() as client:
        answer = (await client.get(f"{BASE}/estimate", params=CART)).json()
    [option] = answer["options"]
    assert (option["name"], option["cost"], option["computable"], option["free"]) == ("DHL Paket", cost, False, False)
    assert (answer["status"], answer["calculated_at_checkout"]) == (status, at_checkout)


@pytest.mark.parametrize(
    ("headers", "country", "source"),
    [
        ({"CF-IPCountry": "FR"}, "FR", "header"),
        ({"Accept-Language": "en;q=0.9, de-AT;q=0.8, nl-NL;q=0.5"}, "AT", "accept-language"),
        ({"CF-IPCountry": "XX", "Accept-Language": "nl-NL"}, "NL", "accept-language"),
        ({"Accept-Language": "en"}, "DE", "shop"),
    ],
    ids=["edge-header", "language-region", "bad-header-then-language", "shop-country"],
)
async def test_without_a_country_the_destination_falls_back(
    widget_client: WidgetClient, shop: ShopRef, headers: dict[str, str], country: str, source: str
) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/estimate", params={"subtotal": "10"}, headers=headers)
    assert answer.json()["destination"]["country"] == country
    assert answer.json()["destination"]["source"] == source


async def test_answers_are_cached_until_a_rate_changes(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    cheaper = replace(
        setup,
        zones=tuple(
            replace(
                z, methods=tuple(replace(m, rate=Decimal("3.50")) if m.name == "Standard" else m for m in z.methods)
            )
            for z in setup.zones
        ),
    )
    pattern = services.keys.shop(shop, "cache", "*")
    async with widget_client() as client:
        first = (await client.get(f"{BASE}/estimate", params=CART)).json()
    [entry] = [key async for key in services.redis.scan_iter(match=pattern)]
    assert 0 < await services.redis.ttl(entry) <= 60
    # Mark the cached answer: another process (a fresh app, nothing in memory) must be served from it for an
    # equivalent request (inputs spelled differently).
    stored = await services.redis.get(entry)
    assert stored is not None
    marked = json.loads(stored)
    marked["options"][0]["cost"] = "1.23"
    await services.redis.set(entry, json.dumps(marked), keepttl=True)
    async with widget_client() as other_process:
        cached = (
            await other_process.get(f"{BASE}/estimate", params={**CART, "weight_g": " 400 ", "country": "de"})
        ).json()
        await save_shipping_setup(services.redis, services.keys, shop, cheaper)
        fresh = (await other_process.get(f"{BASE}/estimate", params=CART)).json()
    assert first["options"][0]["cost"] == "4.90"
    assert cached["options"][0]["cost"] == "1.23"
    assert fresh["options"][0]["cost"] == "3.50"


async def test_a_resynced_setup_replaces_the_parsed_shop_kept_in_memory(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    async with widget_client() as client:
        before = (await client.get(f"{BASE}/estimate", params=CART)).json()
        # As a platform sync does: plugin.shop_data writes the setup and bumps the shop's data version.
        await save_shipping_setup(services.redis, services.keys, shop, replace(setup, zones=()))
        after = (await client.get(f"{BASE}/estimate", params=CART)).json()
    assert before["status"] == "quoted"
    assert after["status"] == "not_shipped"


async def test_a_settings_change_shows_on_the_next_request(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    async with widget_client() as client:
        before = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99"})
        await save_widget_settings(
            services.redis, services.keys, shop, {"estimator": {"heading": "Delivery"}}, defaults
        )
        after = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99"})
    assert "Shipping estimate" in before.text
    assert ">Delivery<" in after.text


async def test_the_fragment_formats_money_dates_progress_and_the_cutoff_countdown(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    async with widget_client() as client:
        english = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99", "locale": "en-GB"})
        german = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99", "locale": "de"})
    assert english.headers["content-type"].startswith("text/html")
    assert english.headers["x-upfront-variant"] == "treatment"
    text = english.text
    assert "Shipping to Germany" in text
    assert "4,90 €" in text  # the shop's own money format
    assert "Thu, Nov 19\u2009–\u2009Mon, Nov 23" in text  # CLDR's interval, thin spaces included
    assert "Add 25,10 € more for free shipping" in text
    assert "Order within 4 h 0 min to ship today" in text
    assert "Versand nach Deutschland" in german.text
    assert "Noch 25,10 € bis zum kostenlosen Versand" in german.text


async def test_the_countdown_shows_only_while_it_is_true(
    widget_client: WidgetClient, shop: ShopRef, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 17, 12, 47, tzinfo=UTC)  # 13:47 in Berlin
    async with widget_client() as client:
        before_cutoff = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99"})
        clock.now = datetime(2026, 11, 17, 13, 1, tzinfo=UTC)  # 14:01: today's parcels have left
        after_cutoff = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99"})
        clock.now = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)  # Saturday: no shipping today at all
        weekend = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "99"})
    assert "Order within 13 min to ship today" in before_cutoff.text
    assert "Order within" not in after_cutoff.text
    assert "Order within" not in weekend.text


async def test_the_holdout_control_group_gets_an_empty_fragment(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        control = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "3"})
        treatment = await client.get(f"{BASE}/widgets/estimate", params={**CART, "bucket": "10"})
    assert (control.headers["x-upfront-variant"], control.text) == ("control", "")
    assert treatment.headers["x-upfront-variant"] == "treatment"
    assert "upfront-est" in treatment.text


async def test_a_disabled_estimator_or_placement_renders_nothing(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, {"estimator": {"placements": ["cart"]}}, defaults)
    async with widget_client() as client:
        product = await client.get(f"{BASE}/widgets/estimate", params={**CART, "placement": "product"})
        cart = await client.get(f"{BASE}/widgets/estimate", params={**CART, "placement": "cart"})
    assert (product.headers["x-upfront-variant"], product.text) == ("off", "")
    assert "upfront-est" in cart.text
