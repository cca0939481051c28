"""Every shipped locale renders every storefront widget (estimate, trust badges, help prompt, online and offline)
from its own catalog: the fragment is marked with its language, says the locale's words with CLDR's country names,
dates and plural forms, and shows no English sentence in its place and no message key."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
from babel import Locale

from plugin.catalogs import LOCALES, SOURCE_LOCALE, messages
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from tests.help.conftest import FRIDAY_NIGHT, TUESDAY_NIGHT, HelpClient, storefront
from tests.widget_app import TUESDAY_MORNING, Clock
from widgets.badges.catalogue import Accepted
from widgets.badges.http import badge_view
from widgets.german_destinations import destination_phrases
from widgets.i18n import Wording

pytestmark = pytest.mark.anyio

CART = {"country": "DE", "subtotal": "24.90", "placement": "cart", "bucket": "50"}
PROMPT = {"rule": "hesitating", "page": "product", "tz": "Europe/Berlin", "country": "DE", "subtotal": "24.90"}
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
# The 30-day returns badge in each locale's plural form for 30 (Polish "dni", French "jours", Japanese one form).
RETURNS_30 = {
    "en": "Free returns within 30 days",
    "de": "Kostenlose Rücksendung innerhalb von 30 Tagen",
    "fr": "Retours gratuits sous 30 jours",
    "es": "Devoluciones gratis en 30 días",
    "it": "Reso gratuito entro 30 giorni",
    "nl": "Gratis retourneren binnen 30 dagen",
    "pl": "Darmowy zwrot w ciągu 30 dni",
    "sv": "Fri retur inom 30 dagar",
    "pt": "Devolução grátis em até 30 dias",
    "ja": "30日以内の返品は無料",
}


def text_of(html: str) -> str:
    """What a shopper reads, labels for assistive technology included."""
    labels = " ".join(re.findall(r'(?:aria-label|placeholder|title)="([^"]*)"', html))
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html) + " " + labels).split())


def _texts(domain: str, locale: str) -> list[str]:
    catalog = messages(domain, locale)
    return [*catalog.texts.values(), *(form for forms in catalog.plurals.values() for form in forms)]


def english_leaks(shown: str, locale: str) -> list[str]:
    """English sentence parts (between placeholders, 12+ characters) that this locale's catalogs never say: shown,
    they are a gap the English fallback filled."""
    if locale == SOURCE_LOCALE:
        return []
    own = " | ".join(_texts("storefront", locale) + _texts("help", locale))
    chunks = {
        chunk.strip()
        for domain in ("storefront", "help")
        for text in _texts(domain, SOURCE_LOCALE)
        for chunk in _PLACEHOLDER.split(text)
        if len(chunk.strip()) >= 12
    }
    return sorted(chunk for chunk in chunks if chunk in shown and chunk not in own)


def shown_keys(shown: str) -> list[str]:
    keys = {key for domain in ("storefront", "help") for key in messages(domain, SOURCE_LOCALE).texts}
    keys |= {key for domain in ("storefront", "help") for key in messages(domain, SOURCE_LOCALE).plurals}
    return sorted(word for word in re.findall(r"\b[a-z]+(?:_[a-zA-Z]+)+\b", shown) if word in keys)


@pytest.mark.parametrize("locale", LOCALES)
async def test_the_estimate_and_badges_speak_the_locale(help_client: HelpClient, locale: str) -> None:
    words = messages("storefront", locale)
    germany = Locale.parse(locale).territories["DE"]
    async with help_client() as client:
        estimate = await client.get(storefront("/widgets/estimate"), params={**CART, "locale": locale})
        product = await client.get(
            storefront("/widgets/estimate"), params={**CART, "placement": "product", "locale": locale}
        )
        footer = await client.get(storefront("/widgets/badges"), params={"placement": "footer", "locale": locale})
    for answer in (estimate, product, footer):
        assert answer.status_code == 200, answer.text
        assert f'lang="{locale}"' in answer.text
        shown = text_of(answer.text)
        assert english_leaks(shown, locale) == [] and shown_keys(shown) == []
    shown = text_of(estimate.text)
    assert words.text("estimate_label") in shown and words.text("shipping_to").format(country=germany) in shown
    assert words.text("change") in shown and words.text("postcode") in shown
    badges = text_of(footer.text)
    assert words.text("badges_label") in badges and words.text("support") in badges
    assert RETURNS_30[locale] in badges


@pytest.mark.parametrize("now", [TUESDAY_MORNING, TUESDAY_NIGHT, FRIDAY_NIGHT], ids=["open", "night", "weekend"])
@pytest.mark.parametrize("locale", LOCALES)
async def test_the_help_prompt_speaks_the_locale(
    help_client: HelpClient, clock: Clock, locale: str, now: datetime
) -> None:
    clock.now = now
    words = messages("help", locale)
    async with help_client() as client:
        answer = await client.get(storefront("/help/prompt"), params={**PROMPT, "locale": locale})
    assert answer.status_code == 200, answer.text
    assert f'lang="{locale}"' in answer.text
    shown = text_of(answer.text)
    assert english_leaks(shown, locale) == [] and shown_keys(shown) == []
    for key in ("human", "write", "your_email", "your_question", "send", "faq_shipping", "faq_returns"):
        assert words.text(key) in shown, key
    said = ("online", "online_plain", "online_until") if now == TUESDAY_MORNING else ("offline",)
    assert any(_PLACEHOLDER.split(words.text(key))[0].strip() in shown for key in said)


def test_the_leak_and_key_checks_see_what_they_look_for() -> None:
    assert english_leaks("Versand · Calculated at checkout", "de") == ["Calculated at checkout"]
    assert english_leaks("Wird an der Kasse berechnet", "de") == []
    assert shown_keys("Versand more_options, shipping_to") == ["more_options", "shipping_to"]
    assert shown_keys("Versand nach Deutschland") == []


def test_a_german_destination_takes_its_preposition_where_a_name_has_an_article() -> None:
    names = Locale("de").territories
    for code, phrase in destination_phrases().items():  # each phrase names the country as CLDR does
        assert phrase.endswith(names[code].split(" ")[-1]), (code, names[code], phrase)
    facts = ShopFacts(ShopRef("shopify", "x.myshopify.com"), "X", "EUR", "Europe/Berlin", "DE")
    german = Wording("de", facts)
    assert german.t("shipping_to", country=german.country("US")) == "Versand in die Vereinigten Staaten"
    assert german.t("shipping_to", country=german.country("CH")) == "Versand in die Schweiz"
    assert german.t("shipping_to", country=german.country("NG")) == "Versand nach Nigeria"  # not "Niger"
    assert german.t("shipping_to", country=german.country("AT")) == "Versand nach Österreich"
    assert Wording("en", facts).t("shipping_to", country="United States") == "Shipping to United States"


@pytest.mark.parametrize(("locale", "said"), [("de", "Nachnahme"), ("ja", "代金引換"), ("en", "Cash on delivery")])
def test_payment_methods_that_are_words_are_said_in_the_shoppers_language(locale: str, said: str) -> None:
    facts = ShopFacts(ShopRef("shopify", "x.myshopify.com"), "X", "EUR", "Europe/Berlin", "DE")
    badge = Accepted("payment_methods", "payment_methods", {"methods": ("Visa", "Cash on delivery")})
    view = badge_view(badge, Wording(locale, facts), datetime(2026, 12, 3, tzinfo=UTC))
    assert view.detail is not None and said in view.detail and "Visa" in view.detail  # brands stay as written
