"""The prompt fragment: answers that agree with the estimator and the badges, a human path in every prompt with an
honest availability line for the shop's clock, merchant text shown as text, nothing for the holdout."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from html import unescape
from typing import Any

import pytest

from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.services import Services
from tests.csp import runs_nothing
from tests.help.conftest import FRIDAY_NIGHT, TUESDAY_NIGHT, Clock, HelpClient, change_help, storefront
from widgets.help.answers import shipping_lines
from widgets.help.wording import HelpWording
from widgets.i18n import Wording

pytestmark = pytest.mark.anyio

PRODUCT = {"rule": "hesitating", "page": "product", "tz": "Europe/Berlin", "country": "DE", "subtotal": "24.90"}


def text_of(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


async def prompt(client: Any, **params: str) -> str:
    answer = await client.get(storefront("/help/prompt"), params={**PRODUCT, **params})
    assert answer.status_code == 200, answer.text
    return str(answer.text)


async def test_the_shipping_and_returns_answers_say_what_the_estimate_and_badges_say(help_client: HelpClient) -> None:
    async with help_client() as client:
        html = await prompt(client)
        estimate = await client.get(
            storefront("/widgets/estimate"), params={"country": "DE", "subtotal": "24.90", "placement": "product"}
        )
        badges = await client.get(storefront("/widgets/badges"), params={"placement": "footer"})
        elsewhere = await prompt(client, country="US", postcode="not a postcode")
    said = text_of(html)
    widget = text_of(estimate.text)
    for fact in ("4,90 €", "Thu, Nov 19 – Mon, Nov 23", "25,10 €"):
        assert fact in said and fact in widget
    assert "Free shipping to Germany on orders over 50,00 €" in said  # for this page's tote
    # The shop-wide badge does not say it: the fragile mug's delivery profile has no free shipping.
    assert "Free shipping" not in text_of(badges.text)
    assert "You can return items within 30 days. Returns are free." in said
    assert "Free returns within 30 days" in text_of(badges.text)
    assert 'href="https://upfront-demo.example/policies/refund-policy"' in html
    # A postcode the estimator refuses still gets the country's answer, never an invented one.
    assert "International to United States: 19,90 €" in text_of(elsewhere)


async def test_the_shipping_answer_is_in_the_shoppers_currency_as_the_estimate_is(help_client: HelpClient) -> None:
    dollars = {"currency": "USD", "rate": "1.0843", "subtotal": "27.00"}  # what the script sends on Shopify
    async with help_client() as client:
        said = text_of(await prompt(client, **dollars))
        estimate = await client.get(
            storefront("/widgets/estimate"), params={"country": "DE", "placement": "product", **dollars}
        )
    widget = text_of(estimate.text)
    for fact in ("$5.31", "$27.22"):
        assert fact in said and fact in widget
    assert "Free shipping to Germany on orders over $54.22" in said
    assert "€" not in said.split("return")[0]  # no shipping amount is written in the shop's own currency


def test_the_shipping_answer_admits_what_it_cannot_say() -> None:
    facts = ShopFacts(ShopRef("shopify", "x.myshopify.com"), "X", "EUR", "Europe/Berlin", "DE")
    words = HelpWording(Wording("en", facts))
    assert shipping_lines({"ships_here": False, "options": []}, "JP", Decimal(0), words) == [
        "We don't ship to Japan yet."
    ]
    assert shipping_lines(None, "DE", Decimal(0), words) == ["Shipping costs are calculated at checkout."]


def test_a_shipping_line_ending_in_an_abbreviated_date_has_one_period() -> None:
    facts = ShopFacts(ShopRef("shopify", "x.myshopify.com"), "X", "EUR", "Europe/Berlin", "DE")
    express = {"name": "Express", "cost": "9.90", "free": False, "earliest": "2026-12-04", "latest": "2026-12-04"}
    estimate = {"ships_here": True, "options": [express]}
    german = shipping_lines(estimate, "DE", Decimal(0), HelpWording(Wording("de", facts)))
    english = shipping_lines(estimate, "DE", Decimal(0), HelpWording(Wording("en", facts)))
    assert german == ["Express nach Deutschland: 9,90\u00a0€, Lieferung Fr., 4. Dez."]
    assert english == ["Express to Germany: €9.90, delivery Fri, Dec 4."]
    # Japanese joins the clauses and ends the sentence with its own marks.
    [japanese] = shipping_lines(estimate, "DE", Decimal(0), HelpWording(Wording("ja", facts)))
    assert japanese.endswith("。") and "、お届け予定" in japanese and ", " not in japanese


@pytest.mark.parametrize(
    ("now", "online", "status"),
    [
        (datetime(2026, 11, 17, 9, 0, tzinfo=UTC), "yes", "We're online now and typically reply within 2 hours."),
        (
            datetime(2026, 11, 17, 15, 30, tzinfo=UTC),
            "yes",
            "We're online until 17:00 (Berlin time); we'll reply by tomorrow at 10:30 (Berlin time).",
        ),
        (
            TUESDAY_NIGHT,
            "no",
            "We're offline right now. We're back tomorrow at 9:00 (Berlin time) and will answer your message",
        ),
        (FRIDAY_NIGHT, "no", "We're back tomorrow at 10:00 (Berlin time)"),
        (datetime(2026, 11, 21, 14, 0, tzinfo=UTC), "no", "We're back on Monday at 9:00 (Berlin time)"),
        (datetime(2026, 12, 24, 10, 0, tzinfo=UTC), "no", "We're closed for Christmas."),
    ],
    ids=["open", "closing-soon", "tuesday-night", "friday-night", "saturday-afternoon", "christmas-closure"],
)
async def test_the_human_path_tells_the_truth_about_the_shops_clock(
    help_client: HelpClient, clock: Clock, now: datetime, online: str, status: str
) -> None:
    clock.now = now
    async with help_client() as client:
        html = await prompt(client)
    assert f'data-upfront-online="{online}"' in html
    assert status in text_of(html)
    # The way to a person is always there: channels, hours and the form (open from the start when offline).
    assert 'href="mailto:hello@upfront-demo.example"' in html and 'href="tel:+49301234567"' in html
    assert 'href="https://wa.me/491512345678"' in html
    assert "Hours (Berlin time): Mon–Fri 9:00–17:00; Sat 10:00–14:00" in text_of(html)
    assert ("<details data-upfront-write open>" in html) == (online == "no")


async def test_times_are_the_shops_and_name_its_timezone_wherever_the_shopper_is(
    help_client: HelpClient, clock: Clock
) -> None:
    clock.now = TUESDAY_NIGHT  # 21:00 in Berlin, 15:00 in New York: "tomorrow" is the shop's tomorrow
    async with help_client() as client:
        new_york = text_of(await prompt(client, tz="America/New_York"))
        german = text_of(await prompt(client, locale="de-DE"))
    assert "We're back tomorrow at 9:00 (Berlin time)" in new_york
    assert "Hours (Berlin time): Mon–Fri 9:00–17:00; Sat 10:00–14:00" in new_york
    assert "Wir sind morgen um 9:00 Uhr (Zeit in Berlin) wieder da" in german
    assert "Erreichbar (Zeit in Berlin): Mo.–Fr. 9:00–17:00; Sa. 10:00–14:00" in german


async def test_without_hours_no_time_is_promised(help_client: HelpClient, services: Services, shop: ShopRef) -> None:
    await change_help(services, shop, {"hours": None, "reply_minutes": None})
    async with help_client() as client:
        html = await prompt(client)
    assert "We'll reply as soon as we can." in text_of(html)
    assert 'data-upfront-online="unknown"' in html and "data-upfront-hours" not in html


async def test_answers_follow_the_page_and_the_rules_choice(
    help_client: HelpClient, services: Services, shop: ShopRef
) -> None:
    async with help_client() as client:
        product = await prompt(client)
        cart = await prompt(client, page="cart")
        await change_help(
            services,
            shop,
            {"rules": [{"id": "returns", "trigger": {"type": "policy_open"}, "prompt": {"faq": ["returns"]}}]},
        )
        chosen = await prompt(client, rule="returns")
    assert re.findall(r'data-upfront-faq="([a-z]+)"', product) == ["shipping", "returns", "care"]
    assert re.findall(r'data-upfront-faq="([a-z]+)"', cart) == ["shipping", "returns"]
    assert re.findall(r'data-upfront-faq="([a-z]+)"', chosen) == ["returns"]
    assert "Questions about shipping or returns?" in text_of(chosen)


async def test_merchant_text_is_shown_as_text(help_client: HelpClient, services: Services, shop: ShopRef) -> None:
    hostile = '<img src=x onerror="alert(1)">'
    await change_help(
        services,
        shop,
        {
            "faq": [{"id": "x", "question": {"en": hostile}, "answer": {"en": "<script>alert(2)</script>"}}],
            "rules": [
                {
                    "id": "r",
                    "trigger": {"type": "idle"},
                    "prompt": {
                        "text": {"en": hostile},
                        "actions": [{"label": {"en": hostile}, "url": "https://x.example/"}],
                    },
                }
            ],
        },
    )
    async with help_client() as client:
        html = await prompt(client, rule="r")
    assert "<img" not in html and "<script" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html


async def test_the_prompt_fragment_opened_directly_runs_nothing(help_client: HelpClient) -> None:
    async with help_client() as client:
        answer = await client.get(storefront("/help/prompt"), params=PRODUCT)
    assert answer.status_code == 200 and "Can we help?" in answer.text
    assert runs_nothing(answer.headers["content-security-policy"])


async def test_the_holdout_and_bad_input_get_no_prompt(help_client: HelpClient) -> None:
    async with help_client() as client:
        control = await client.get(storefront("/help/prompt"), params={**PRODUCT, "bucket": "3"})
        bad_bucket = await client.get(storefront("/help/prompt"), params={**PRODUCT, "bucket": "x"})
        unknown_rule = await client.get(storefront("/help/prompt"), params={**PRODUCT, "rule": "gone"})
        unknown_shop = await client.get("/storefront/shopify/nobody.myshopify.com/help/prompt")
    assert control.status_code == 200 and control.text == "" and control.headers["x-upfront-variant"] == "control"
    assert bad_bucket.status_code == 400
    assert unknown_rule.status_code == 200 and "Can we help?" in unknown_rule.text
    assert unknown_shop.status_code == 404
