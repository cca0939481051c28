"""Every email stage, in every shipped locale, rendered through the real templates with orders in the platforms'
documented shapes (mapped by the real adapters): HTML and text show no leaked object, `None`, template syntax or
empty label, with the default wording and with merchant texts that use every variable."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from plugin.bigcommerce.mapping import order_from_bigcommerce, shop_facts_from_store
from plugin.catalogs import LOCALE_DIR
from plugin.devstore.bigcommerce import demo_store
from plugin.devstore.shopify_demo import demo_orders
from plugin.email.compose import MessageLinks, content_for_order, delay_notice_for, format_window
from plugin.email.journey_settings import JourneySettings, StageSettings, TemplateOverride
from plugin.email.render import email_templates, render_message
from plugin.email.stages import DelayCause, Stage, is_marketing
from plugin.email.wording import LOCALES, wording
from plugin.keys import ShopRef
from plugin.platform import Order, ShopFacts
from plugin.shopify.order_queries import order_from
from tests.email_checks import email_problems

SHOPIFY = ShopRef("shopify", "demo-shop.myshopify.com")
BIGCOMMERCE = ShopRef("bigcommerce", "demo123")
FACTS = ShopFacts(SHOPIFY, "Demo Shop", "EUR", "Europe/Berlin", "DE", email="hello@demo.example", domains=("d.test",))
LINK = "https://upfront.test/email/link?t=signed"
# Every variable a merchant may use, in every text: a missing value must read naturally, never "None" or "".
MERCHANT = TemplateOverride(
    subject="{{ order.name }} from {{ shop.name }}",
    intro="Hi {{ customer.first_name or 'there' }}, your order {{ order.name }} ({{ order.total }}) is on its way."
    "{% if shipment.carrier %} {{ shipment.carrier }} carries it.{% endif %}",
    body="{% if shipment.tracking_number %}Tracking {{ shipment.tracking_number }} at {{ shipment.tracking_url }}."
    "{% endif %}{% if delivery.window %} Expected {{ delivery.window }}.{% endif %} Thanks from {{ shop.name }}.",
)


def _shopify(index: int) -> Order:
    return order_from(demo_orders()[index], SHOPIFY)


def _bigcommerce(order_id: int) -> Order:
    store = demo_store()
    return order_from_bigcommerce(
        BIGCOMMERCE,
        store.orders[order_id],
        shipments=store.shipments.get(order_id, ()),
        products=store.order_products[order_id],
    )


def _untracked() -> Order:
    """Shipped without a carrier, number or link: the tracking part must leave out what it does not know."""
    node = demo_orders()[0]
    node["fulfillments"][0]["trackingInfo"] = []
    return order_from(node, SHOPIFY)


ORDERS = {
    "shopify-shipped": _shopify(0),
    "shopify-unfulfilled": _shopify(1),
    "shopify-untracked": _untracked(),
    "bigcommerce-shipped": _bigcommerce(101),
    "bigcommerce-two-lines": _bigcommerce(102),
}


def _settings(override: TemplateOverride | None, locale: str, feedback_kind: str) -> JourneySettings:
    stages = {stage: StageSettings(overrides={locale: override}) for stage in Stage} if override else {}
    return JourneySettings(
        stages=stages,
        feedback_kind=feedback_kind,
        review_url="https://demo.example/reviews",
        help_url="https://demo.example/help",
    )


def _links(stage: Stage, kind: str) -> MessageLinks:
    if not is_marketing(stage):
        return MessageLinks()
    scale = range(1, 6) if kind == "csat" else range(0, 11) if kind == "nps" else range(0)
    return MessageLinks(LINK, LINK, tuple((score, f"{LINK}&s={score}") for score in scale))


def test_every_shipped_locale_is_tested() -> None:
    shipped = {path.parent.parent.name for path in LOCALE_DIR.glob("*/LC_MESSAGES/email.po")}
    assert shipped == set(LOCALES) and {"en", "de", "fr", "es", "it", "nl", "pl", "sv", "pt", "ja"} <= shipped


def test_the_orders_are_realistic() -> None:
    shipped = ORDERS["shopify-shipped"].shipments[0]
    assert (shipped.carrier, shipped.tracking_number, shipped.tracking_url) == (
        "DHL",
        "00340434161094042557",
        "https://www.dhl.de/track",
    )
    assert ORDERS["bigcommerce-shipped"].shipments[0].tracking_number == "1Z999AA10123456784"
    assert len(ORDERS["bigcommerce-two-lines"].lines) == 2 and ORDERS["shopify-unfulfilled"].shipments == ()


@pytest.mark.parametrize("merchant", [False, True], ids=["default-wording", "merchant-texts"])
@pytest.mark.parametrize("order_case", list(ORDERS))
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("stage", list(Stage), ids=lambda stage: stage.value)
def test_every_stage_renders_cleanly(stage: Stage, locale: str, order_case: str, merchant: bool) -> None:
    order = ORDERS[order_case]
    facts = replace(FACTS, shop=order.shop)
    for kind in ("csat", "nps", "review") if stage is Stage.FEEDBACK else ("csat",):
        settings = _settings(MERCHANT if merchant else None, locale, kind)
        content = content_for_order(
            order,
            stage=stage,
            locale=locale,
            facts=facts,
            settings=settings,
            links=_links(stage, kind),
            delivery_window=format_window(date(2026, 11, 5), date(2026, 11, 7), locale)
            if stage is Stage.CONFIRMED
            else None,
            delivery_problem=stage is Stage.DELAYED,
        )
        rendered = render_message(content, settings.override(stage, locale))
        assert rendered.problems == ()
        assert email_problems(rendered.html, rendered.text, locale) == [], rendered.text
        assert order.name in rendered.text or stage in (Stage.FEEDBACK, Stage.RECOMMENDATIONS)
        if stage is Stage.CONFIRMED:
            labels = wording(locale).labels
            line = order.lines[0]
            for part in (rendered.text, rendered.html):
                assert f"{line.quantity} × {line.title}" in part and labels["items"] in part
        if merchant:
            assert rendered.subject == f"{order.name} from Demo Shop"


def test_the_bigcommerce_store_facts_feed_the_footer() -> None:
    store = demo_store()
    facts = shop_facts_from_store(BIGCOMMERCE, store.info)
    content = content_for_order(
        _bigcommerce(101),
        stage=Stage.SHIPPED,
        locale="en",
        facts=facts,
        settings=JourneySettings(),
        links=MessageLinks(),
    )
    rendered = render_message(content)
    assert email_problems(rendered.html, rendered.text, "en") == []
    assert "Upfront Demo Store" in rendered.text and "1Z999AA10123456784" in rendered.text


def test_the_checks_catch_the_broken_confirmation_of_issue_22() -> None:
    broken = "Order: #1001 <built-in method items of dict object at 0x7f>: 1 × Canvas tote\nTracking number: \n"
    html = "<p>&lt;built-in method items of dict object at 0x7f&gt;</p><table><tr><th>Tracking</th><td></td></tr>"
    assert set(email_problems(html, broken, "en")) == {
        "html: shows '<built-in'",
        "html: shows 'object at 0x'",
        "html: an empty <td>",
        "html markup: shows 'object at 0x'",
        "text: label without a value: 'Tracking number'",
        "text: shows '<built-in'",
        "text: shows 'object at 0x'",
    }
    assert email_problems("<p>Hi</p>", "Total: None\n{{ order.name }}\n", "en") != []
    assert email_problems("<p>Hi</p>", "Order: #1001\n: 1 × Canvas tote\n", "en") == [
        "text: a value without its label: ': 1 × Canvas tote'"
    ]


@pytest.mark.allow_error_logs("an email template printed a non-value")
def test_a_template_printing_a_method_or_none_logs_an_error_and_prints_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    template = email_templates().from_string("[{{ labels.items }}][{{ carrier }}][{{ labels['items'] }}]")
    assert template.render(labels={"items": "Items"}, carrier=None) == "[][][Items]"
    assert [record.getMessage() for record in caplog.records if record.levelname == "ERROR"] == [
        "an email template printed a non-value"
    ] * 2


@pytest.mark.parametrize("merchant", [False, True], ids=["default-wording", "merchant-texts"])
@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("cause", list(DelayCause), ids=lambda cause: cause.value)
def test_a_delay_notice_says_its_cause_and_the_new_expectation_whatever_the_texts(
    cause: DelayCause, locale: str, merchant: bool
) -> None:
    order = ORDERS["shopify-shipped"]
    settings = _settings(MERCHANT if merchant else None, locale, "csat")
    expected = format_window(date(2026, 11, 12), date(2026, 11, 12), locale)
    notice = delay_notice_for(
        {"cause": cause.value, "quiet_days": "6", "promised": "2026-11-05/2026-11-07", "expected": "2026-11-12"},
        locale,
    )
    content = content_for_order(
        order,
        stage=Stage.DELAYED,
        locale=locale,
        facts=replace(FACTS, shop=order.shop),
        settings=settings,
        links=_links(Stage.DELAYED, "csat"),
        delivery_problem=True,
        delay=notice,
    )
    rendered = render_message(content, settings.override(Stage.DELAYED, locale))
    labels = wording(locale).labels
    said = {
        DelayCause.STALLED: labels["delay_stalled"].format(days=6),
        DelayCause.EXCEPTION: labels["delay_exception"],
        DelayCause.LATE: labels["delay_late"].format(
            window=format_window(date(2026, 11, 5), date(2026, 11, 7), locale)
        ),
    }[cause].replace("..", ".")
    # A date ending in an abbreviation ("12. Nov.") closes the sentence with its own period, never two.
    new_expectation = labels["delay_expected"].format(date=expected).replace("..", ".")
    for part in (rendered.text, rendered.html.replace("&#8211;", "–")):
        assert said in part and new_expectation in part and ".." not in part.replace("...", ""), part
    assert email_problems(rendered.html, rendered.text, locale) == [], rendered.text
