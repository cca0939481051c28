"""Trust badges: claims the shop's facts support are shown with their facts; the rest are refused with a reason."""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal

import pytest

from plugin.catalogs import messages
from plugin.devstore.storefront import demo_shipping_setup
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.rates import (
    MerchantOverrides,
    Method,
    MethodKind,
    MethodOverride,
    Region,
    ShippingSetup,
    Zone,
    apply_overrides,
)
from plugin.services import Services
from plugin.shop_data import load_facts, save_facts
from tests.help.conftest import change_help
from tests.widgets.conftest import WidgetClient
from widgets.badges import Accepted, Badge, Refused, check_badge
from widgets.badges.phrases import CATALOG
from widgets.badges.sources import Confirmations
from widgets.estimator.learning import OnTime
from widgets.settings import default_settings, save_widget_settings

pytestmark = pytest.mark.anyio

SHOP = ShopRef("shopify", "upfront-demo.myshopify.com")
FACTS = ShopFacts(
    SHOP,
    "Upfront Demo",
    "EUR",
    "Europe/Berlin",
    "DE",
    email="hello@upfront-demo.example",
    payment_methods=("Visa", "PayPal"),
    refund_policy_url="https://upfront-demo.example/policies/refund-policy",
    refund_policy_text="You can return items within 30 days. Approved refunds go back to your payment method.",
    shipping_policy_url="https://upfront-demo.example/policies/shipping-policy",
)
SETUP = demo_shipping_setup("DE", "Europe/Berlin", "EUR")
BASE = "/storefront/shopify/upfront-demo.myshopify.com"


@pytest.mark.parametrize(
    ("badge", "facts", "setup", "claim", "values"),
    [
        (Badge("secure_checkout"), FACTS, SETUP, "secure_checkout", {"platform": "shopify"}),
        (
            Badge("secure_checkout"),
            replace(FACTS, shop=ShopRef("bigcommerce", "x")),
            SETUP,
            "secure_checkout",
            {"platform": "bigcommerce"},
        ),
        (Badge("free_returns", Confirmations(free_returns=True)), FACTS, SETUP, "free_returns", {"days": 30}),
        (Badge("money_back"), FACTS, SETUP, "money_back", {"days": 30}),
        (Badge("payment_methods"), FACTS, SETUP, "payment_methods", {"methods": ("Visa", "PayPal")}),
        (
            Badge("delivery_promise"),
            FACTS,
            replace(SETUP, profiles=()),  # the general profile alone: free over 50 to Germany
            "free_shipping_over",
            {"country": "DE", "threshold": Decimal("50.00"), "currency": "EUR"},
        ),
        (
            # The fragile mug's profile has no free shipping: the shop-wide badge states the delivery time instead.
            Badge("delivery_promise"),
            FACTS,
            replace(SETUP, default_transit_days=(2, 4)),
            "delivery_days",
            {"country": "DE", "low": 3, "high": 5},
        ),
        (
            Badge("delivery_promise"),
            FACTS,
            replace(
                SETUP,
                default_transit_days=(2, 3),
                zones=(Zone("z", "DE", (Region("DE"),), methods=(Method("m", "Std", MethodKind.FLAT, Decimal(5)),)),),
            ),
            "delivery_days",
            {"country": "DE", "low": 3, "high": 4},
        ),
        (
            # The merchant gives the fragile profile's Standard (its cheapest to Germany) 6–8 days: the shop-wide
            # claim spans every profile, 2–8 days in transit plus the processing day.
            Badge("delivery_promise"),
            FACTS,
            apply_overrides(
                SETUP,
                MerchantOverrides(
                    default_transit_days=(2, 4),
                    methods=(MethodOverride("gid://shopify/DeliveryMethodDefinition/41", transit_days=(6, 8)),),
                ),
            ),
            "delivery_days",
            {"country": "DE", "low": 3, "high": 9},
        ),
        (
            Badge("support", support_hours="Mon–Fri 9–17"),
            FACTS,
            SETUP,
            "support",
            {"text": "Mon–Fri 9–17"},
        ),
    ],
    ids=[
        "secure",
        "secure-bigcommerce",
        "free-returns",
        "money-back",
        "payments",
        "free-over",
        "profile-without-free-shipping",
        "slower-profile",
        "transit",
        "support",
    ],
)
def test_true_claims_are_accepted_with_the_facts_behind_them(
    badge: Badge, facts: ShopFacts, setup: ShippingSetup, claim: str, values: dict[str, object]
) -> None:
    result = check_badge(facts, setup, badge)
    assert isinstance(result, Accepted)
    assert (result.claim, dict(result.values)) == (claim, values)


def test_badges_link_to_the_policy_that_backs_them() -> None:
    returns = check_badge(FACTS, SETUP, Badge("money_back"))
    support = check_badge(FACTS, SETUP, Badge("support", support_hours="9-17"))
    assert isinstance(returns, Accepted) and returns.link is not None
    assert returns.link.url == FACTS.refund_policy_url
    assert isinstance(support, Accepted) and support.link is not None
    assert support.link.url == "mailto:hello@upfront-demo.example"


@pytest.mark.parametrize(
    ("badge", "facts", "setup", "reason_part"),
    [
        (Badge("free_returns"), FACTS, SETUP, "not confirmed that returns cost the shopper nothing"),
        (
            Badge("free_returns", Confirmations(free_returns=True)),
            replace(FACTS, refund_policy_text=None),
            SETUP,
            "no refund policy text states a return window",
        ),
        (Badge("money_back"), replace(FACTS, refund_policy_url=None), SETUP, "no published refund policy"),
        (Badge("money_back"), replace(FACTS, refund_policy_url="javascript:alert(1)"), SETUP, "no published refund"),
        (Badge("payment_methods"), replace(FACTS, payment_methods=()), SETUP, "no accepted payment methods"),
        (Badge("delivery_promise"), FACTS, None, "no shipping rates have been synced"),
        (
            Badge("delivery_promise"),
            FACTS,
            replace(SETUP, zones=tuple(z for z in SETUP.zones if not z.name.startswith(("Germany", "Rest")))),
            "no shipping zone covers the shop's own country (DE)",
        ),
        (
            Badge("delivery_promise"),
            FACTS,
            replace(
                SETUP, zones=(Zone("c", "DE", (Region("DE"),), methods=(Method("c", "DHL", MethodKind.CARRIER),)),)
            ),
            "calculated by a carrier",
        ),
        (
            # A flat rate with no free shipping and no transit days from the merchant: neither platform states a
            # delivery or processing time, so "ships within a day" would be the app's default, not the shop's fact.
            Badge("delivery_promise"),
            FACTS,
            replace(
                SETUP,
                zones=(Zone("z", "DE", (Region("DE"),), methods=(Method("m", "Std", MethodKind.FLAT, Decimal(5)),)),),
            ),
            "no free shipping to DE and no delivery time to state",
        ),
        (Badge("support"), FACTS, SETUP, "set your support hours"),
        (Badge("support", support_hours="9-17"), replace(FACTS, email=None), SETUP, "no way to reach support"),
    ],
    ids=[
        "free-unconfirmed",
        "no-window",
        "no-policy-page",
        "unsafe-policy-link",
        "no-payments",
        "no-setup",
        "no-domestic-zone",
        "carrier-only",
        "flat-rate-no-transit",
        "no-hours",
        "no-contact",
    ],
)
def test_unsupported_claims_are_refused_with_a_reason(
    badge: Badge, facts: ShopFacts, setup: ShippingSetup | None, reason_part: str
) -> None:
    result = check_badge(facts, setup, badge)
    assert isinstance(result, Refused)
    assert reason_part in result.reason


def test_unknown_badges_do_not_exist() -> None:
    with pytest.raises(ValueError, match="unknown badge"):
        Badge("ssl_seal_by_trustco")


async def test_the_fragment_shows_only_true_claims_worded_from_the_facts(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(
        services.redis,
        services.keys,
        shop,
        {"badges": {"free_returns_confirmed": False, "kinds": ["free_returns", "money_back", "delivery_promise"]}},
        defaults,
    )
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/widgets/badges", params={"placement": "product", "bucket": "50"})
    html = answer.text
    assert answer.status_code == 200
    assert "Free returns" not in html  # not confirmed by the merchant
    assert "30-day money-back guarantee" in html
    # The demo's mug ships by a profile without free shipping: the shop-wide claim is the merchant's delivery days.
    assert "Delivery to Germany in 2–4 business days" in html and "Free shipping" not in html
    assert 'href="https://upfront-demo.example/policies/refund-policy"' in html
    assert 'aria-hidden="true"' in html and "<svg" in html
    assert '<ul class="upfront-r upfront-r-product" aria-label="Why shop with us">' in html


async def test_product_placement_shows_at_most_three_badges_the_footer_all(
    widget_client: WidgetClient, shop: ShopRef
) -> None:
    async with widget_client() as client:
        product = await client.get(f"{BASE}/widgets/badges", params={"placement": "product", "bucket": "50"})
        footer = await client.get(f"{BASE}/widgets/badges", params={"placement": "footer", "bucket": "50"})
    assert product.text.count("data-upfront-badge=") == 3
    assert footer.text.count("data-upfront-badge=") == 6


async def test_a_footer_under_the_pages_own_badges_leaves_those_out(widget_client: WidgetClient, shop: ShopRef) -> None:
    async with widget_client() as client:
        cart = await client.get(f"{BASE}/widgets/badges", params={"placement": "cart", "bucket": "50"})
        footer = await client.get(
            f"{BASE}/widgets/badges", params={"placement": "footer", "shown": "cart", "bucket": "50"}
        )
        wrong = await client.get(f"{BASE}/widgets/badges", params={"placement": "footer", "shown": "sidebar"})
    on_cart = re.findall(r'data-upfront-badge="(\w+)"', cart.text)
    in_footer = re.findall(r'data-upfront-badge="(\w+)"', footer.text)
    assert len(on_cart) == 3 and len(in_footer) == 3
    assert not set(on_cart) & set(in_footer)
    assert (wrong.status_code, wrong.json()["field"]) == (400, "shown")


@pytest.mark.parametrize("placement", ["", "sidebar"], ids=["missing", "unknown"])
async def test_a_bad_placement_is_refused(widget_client: WidgetClient, shop: ShopRef, placement: str) -> None:
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/widgets/badges", params={"placement": placement})
    assert answer.status_code == 400
    assert answer.json()["field"] == "placement"


async def test_a_placement_the_merchant_did_not_choose_renders_nothing(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, {"badges": {"placements": ["cart"]}}, defaults)
    async with widget_client() as client:
        answer = await client.get(f"{BASE}/widgets/badges", params={"placement": "product"})
    assert (answer.text, answer.headers["x-upfront-variant"]) == ("", "off")


@pytest.mark.parametrize(
    "hostile",
    ['<script>alert("x")</script>', '" onerror="alert(1)', "<img src=x onerror=alert(1)>"],
    ids=["script-tag", "attribute-break", "img-onerror"],
)
async def test_merchant_text_is_rendered_as_text(
    widget_client: WidgetClient, services: Services, shop: ShopRef, hostile: str
) -> None:
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(
        services.redis,
        services.keys,
        shop,
        {"estimator": {"heading": hostile}, "badges": {"kinds": ["support"], "support_hours": hostile}},
        defaults,
    )
    await change_help(services, shop, {"hours": None})  # so the badge shows the merchant's own support text
    facts = await load_facts(services.redis, services.keys, shop)
    assert facts is not None
    await save_facts(services.redis, services.keys, replace(facts, name=hostile))
    async with widget_client() as client:
        badges = await client.get(f"{BASE}/widgets/badges", params={"placement": "product", "bucket": "50"})
        estimate = await client.get(
            f"{BASE}/widgets/estimate", params={"subtotal": "10", "country": "DE", "bucket": "50"}
        )
    for html in (badges.text, estimate.text):
        assert hostile not in html
        assert "<script>" not in html and "<img" not in html
        assert "&lt;" in html or "&#34;" in html


@pytest.mark.parametrize(
    ("locale", "said"),
    [
        ("en", "Hours (Berlin time): Mon–Fri 9:00–17:00; Sat 10:00–14:00"),
        ("de", "Erreichbar (Zeit in Berlin): Mo.–Fr. 9:00–17:00; Sa. 10:00–14:00"),
    ],
    ids=["en", "de"],
)
async def test_the_support_badge_states_the_hours_the_help_prompt_states(
    widget_client: WidgetClient, shop: ShopRef, locale: str, said: str
) -> None:
    """One source: the help settings' hours (Saturday included), not the badge's own text, named by timezone."""
    async with widget_client() as client:
        footer = await client.get(
            f"{BASE}/widgets/badges", params={"placement": "footer", "bucket": "50", "locale": locale}
        )
        asked = {"rule": "hesitating", "bucket": "50", "locale": locale}
        prompt = await client.get(f"{BASE}/help/prompt", params=asked)
    support = footer.text.split('data-upfront-badge="support"')[1].split("</li>")[0]
    assert said in support
    assert said in prompt.text


async def test_without_business_hours_the_support_badge_names_the_shops_timezone(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    await change_help(services, shop, {"hours": None})
    async with widget_client() as client:
        footer = await client.get(f"{BASE}/widgets/badges", params={"placement": "footer", "bucket": "50"})
    support = footer.text.split('data-upfront-badge="support"')[1].split("</li>")[0]
    assert "Mon–Fri 9:00–17:00 (Berlin time)" in support  # the merchant's badge text, the zone named


async def test_changed_business_hours_show_on_the_badge_at_once(
    widget_client: WidgetClient, services: Services, shop: ShopRef
) -> None:
    async with widget_client() as client:
        before = await client.get(f"{BASE}/widgets/badges", params={"placement": "footer", "bucket": "50"})
        await change_help(services, shop, {"hours": {"weekly": {"mon": [["08:00", "12:00"]]}}})
        after = await client.get(f"{BASE}/widgets/badges", params={"placement": "footer", "bucket": "50"})
    assert "Sat 10:00–14:00" in before.text
    assert "Hours (Berlin time): Mon 8:00–12:00" in after.text and "Sat" not in after.text


def test_every_shown_badge_says_where_its_facts_come_from() -> None:
    kinds = ("secure_checkout", "money_back", "payment_methods", "delivery_promise")
    general = replace(SETUP, profiles=())  # free shipping over 50 for every product
    shown = {kind: check_badge(FACTS, general, Badge(kind)) for kind in kinds}
    shown["support"] = check_badge(FACTS, SETUP, Badge("support", support_hours="Mon–Fri 9–17"))
    sources = {kind: [(s.origin, s.field) for s in check.sources] for kind, check in shown.items()}
    assert all(isinstance(check, Accepted) for check in shown.values())
    assert sources["secure_checkout"] == [("platform", "the shop's platform")]
    assert sources["delivery_promise"] == [("platform", "Shopify deliveryProfiles")]
    assert sources["support"] == [
        ("merchant", "support hours on the badges page"),
        ("platform", "Shopify Shop.contactEmail"),
    ]
    assert ("policy_text", "Shopify refund policy text (ShopPolicy.body, REFUND_POLICY)") in sources["money_back"]
    assert sources["payment_methods"] == [("platform", "Shopify payment methods")]


@pytest.mark.parametrize(
    ("samples", "locale", "reads"),
    [
        (1, "en", "1 delivery measured against its promised window in the last 90 days; the badge needs at least 100"),
        (3, "en", "3 deliveries measured against their promised window in the last 90 days"),
        (1, "pl", "1 dostawa zmierzona"),
        (3, "pl", "3 dostawy zmierzone"),
        (5, "pl", "5 dostaw zmierzonych"),
        (22, "pl", "22 dostawy zmierzone"),
        (12, "pl", "12 dostaw zmierzonych"),
        (3, "ja", "過去90日間で約束したお届け期間と照合した配達は3件です"),
    ],
)
def test_a_refusal_reads_in_the_admins_language_in_the_counts_plural_form(
    samples: int, locale: str, reads: str
) -> None:
    refused = check_badge(FACTS, SETUP, Badge("on_time", on_time=OnTime(samples, samples, 90)))
    assert isinstance(refused, Refused)
    assert reads in refused.why.say(messages(CATALOG, locale))


def test_a_contradiction_lists_and_quotes_the_way_the_language_does() -> None:
    facts = replace(FACTS, refund_policy_text="Returns within 14 days, or 30 days for members.")
    refused = check_badge(facts, SETUP, Badge("money_back", Confirmations(return_window_days=60, money_back=True)))
    assert isinstance(refused, Refused) and refused.withheld
    assert "your refund policy says 14 and 30 days" in refused.reason  # English, as the settings API states it
    assert "nennt 14 und 30 Tage („" in refused.why.say(messages(CATALOG, "de"))
    assert "返金ポリシーには14、30日と記載されています（「" in refused.why.say(messages(CATALOG, "ja"))


def test_a_delivery_time_names_the_merchants_transit_days_as_its_source() -> None:
    stated = check_badge(FACTS, replace(SETUP, default_transit_days=(2, 4)), Badge("delivery_promise"))
    assert isinstance(stated, Accepted) and stated.claim == "delivery_days"
    assert [(s.origin, s.field, s.says) for s in stated.sources] == [
        ("platform", "Shopify deliveryProfiles", "the synced shipping rates"),
        ("merchant", "transit days on the shipping estimator page", "2–4 business days in transit"),
    ]


def test_the_on_time_rate_names_the_deliveries_it_was_measured_from() -> None:
    stated = check_badge(FACTS, SETUP, Badge("on_time", on_time=OnTime(1131, 1202)))
    assert isinstance(stated, Accepted) and dict(stated.values) == {"percent": 94, "count": 1202, "days": 90}
    assert [(s.origin, s.field, s.says) for s in stated.sources] == [
        (
            "platform",
            "your store's delivered shipments, each against the window its confirmation promised",
            "1131 of 1202 within the promised window, last 90 days",
        )
    ]
