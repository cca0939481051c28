"""Every admin page reads whole in every shipped language: each page's content, fetched as the shell fetches it,
has no English sentence left in German or Japanese (whatever the English page shows, apart from the shop's own
data and names that stay as they are), and renders in all ten locales without a missing text."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from plugin.admin.language import LOCALE_HEADER
from plugin.admin.web import PAGES
from plugin.catalogs import LOCALES
from tests.admin.conftest import AdminClients

pytestmark = pytest.mark.anyio

# Attributes a merchant reads or hears as text.
READ_ATTRIBUTES = ("aria-label", "placeholder", "title", "alt")
# What stays as written in every language: names. Anything else found unchanged in German and Japanese is either
# the demo shop's own data (SHOP_DATA, each with where it comes from) or was not translated.
KEPT_AS_WRITTEN = re.compile(
    r"^(Upfront|Shopify|BigCommerce|Gorgias|Zendesk|Chatwoot|AfterShip|Twilio|GDPR|CSV|JSON|HTML|SMS|URL|API|"
    r"Webhooks?|OK|DHL|UPS|FedEx|USPS|Royal Mail|PostNord|CSAT|NPS|ISO 3166|Klarna|PayPal|Apple Pay|Google Pay|"
    r"Shop Pay|Amazon Pay|American Express)$"
)

# The demo shop's data that pages show as the shop wrote it (the seeded shop's names for things), by page.
SHOP_DATA: dict[str, set[str]] = {
    "help": {
        # The demo shop's support address and timezone (plugin/devstore/storefront.py, shopify_demo.py).
        "hello@upfront-demo.example",
        "Europe/Berlin",
        # The prompts' default texts in the demo shop's language (English, help.po), shown as what the English
        # prompt-text input says while it is empty: what shoppers read, not the admin's words.
        "Can we help?",
        "Before you go: any questions? We're happy to help.",
        "Questions about shipping? Here is what we can tell you.",
    },
    # The demo Shopify store's shipping method (plugin/devstore/shopify_demo.py), in the delivery times table.
    "estimator": {"Free shipping"},
    # The preview's subject is the customer's email in the shop's language (its default wording, plugin/locale/en/
    # LC_MESSAGES/email.po), not the admin's: the merchant edits and previews what their customers receive.
    "emails": {"Thank you for your order #1001"},
}


class _Texts(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre", "textarea", "template"):
            self._skip += 1
        self.found += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
        if tag in ("input", "button") and dict(attrs).get("type") in ("submit", "button"):
            self.found += [value for name, value in attrs if name == "value" and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre", "textarea", "template") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.found.append(data)


def sentences(html: str) -> set[str]:
    """The page's words a merchant reads: text nodes and read attributes with at least two Latin words, trimmed."""
    parser = _Texts()
    parser.feed(html)
    found = set()
    for raw in parser.found:
        text = " ".join(raw.split()).strip(" :·–—()")
        if len(re.findall(r"[A-Za-z]{2,}", text)) >= 2 and not KEPT_AS_WRITTEN.match(text):
            found.add(text)
    return found


async def fragment(admin: AdminClients, page: str, locale: str) -> str:
    response = await admin.http.get(f"/admin/api/fragments/{page}", headers={**admin.shopify(), LOCALE_HEADER: locale})
    assert response.status_code == 200, (page, locale, response.text[:300])
    return response.text


@pytest.mark.parametrize("page", PAGES)
async def test_no_english_is_left_on_the_page_in_german_or_japanese(admin: AdminClients, page: str) -> None:
    english = sentences(await fragment(admin, page, "en"))
    unchanged = english & sentences(await fragment(admin, page, "ja")) & sentences(await fragment(admin, page, "de"))
    assert sorted(unchanged - SHOP_DATA.get(page, set())) == [], (
        f"{page}: English left in the German and Japanese pages"
    )


@pytest.mark.parametrize("page", PAGES)
async def test_every_locale_renders_every_page(admin: AdminClients, page: str) -> None:
    for locale in LOCALES:
        html = await fragment(admin, page, locale)
        assert "<h1>" in html, (page, locale)
        # A `{field}` left unfilled means a translation names a field its English text does not.
        assert not re.findall(r"(?<!\{)\{[a-z_]+\}(?!\})", html), (page, locale)
