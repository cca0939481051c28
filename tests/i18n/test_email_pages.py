"""The email pages speak the customer's language too: a link that does not work says so in the language the browser
asks for (a regional tag like `pt-BR` included), and in English for a language we do not ship."""

from __future__ import annotations

import re
from html import escape

import pytest

from plugin.catalogs import LOCALES
from plugin.email.journey_settings import JourneySettings
from plugin.email.preview import render_sample
from plugin.email.stages import Stage
from plugin.email.wording import wording
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from tests.conftest import AppClientFactory

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("asked", [*(f"{locale}-XX,en;q=0.5" for locale in LOCALES), "ko-KR,ko;q=0.9"])
async def test_a_broken_link_page_is_in_the_browsers_language(app_client: AppClientFactory, asked: str) -> None:
    locale = asked[:2] if asked[:2] in LOCALES else "en"
    pages = wording(locale).pages
    async with app_client() as client:
        answer = await client.get("/email/preferences?t=not-a-token", headers={"Accept-Language": asked})
    assert answer.status_code == 403
    assert f'<html lang="{locale}">' in answer.text
    assert escape(pages["invalid_title"], quote=False) in answer.text
    assert escape(pages["invalid_text"], quote=False) in answer.text


@pytest.mark.parametrize("locale", LOCALES)
def test_a_delay_notice_ends_its_sentence_once_in_every_locale(locale: str) -> None:
    # The new expectation's date can end in an abbreviation ("6 déc.", "6. Dez."): one period closes the sentence.
    shop = ShopRef("shopify", "upfront-demo.myshopify.com")
    facts = ShopFacts(shop, "Upfront Demo", "EUR", "Europe/Berlin", "DE")
    text = render_sample(Stage.DELAYED, locale, JourneySettings(), facts, shop).text
    assert not re.search(r"[^.]\.\.(\s|$)", text), text
