"""The admin speaks the staff member's language: Shopify names it in the app URL's `locale`, BigCommerce in the
load callback's signed user; the shell passes it on to every fragment, and the browser's languages come last."""

from __future__ import annotations

import pytest

from plugin.admin.language import LOCALE_HEADER, accept_language, shipped_locale
from plugin.catalogs import LOCALES, messages
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from tests.admin.conftest import CSRF_META, AdminClients

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("locale", LOCALES)
async def test_a_shopify_users_admin_language_names_every_page_in_the_shell(admin: AdminClients, locale: str) -> None:
    # Shopify appends the user's locale as a BCP 47 tag ("pt-BR"): the language is what we ship.
    tag = {"pt": "pt-BR", "en": "en"}.get(locale, locale)
    shell = await admin.http.get("/admin/estimator", params={"shop": "a.myshopify.com", "locale": tag})
    catalog = messages("admin", locale)
    assert shell.status_code == 200
    assert f'<html lang="{locale}">' in shell.text
    assert f"<title>{catalog.text('nav_estimator')} · Upfront</title>" in shell.text
    assert catalog.text("nav_at_risk") in shell.text
    assert f'"{LOCALE_HEADER}"' in shell.text  # the script sends it with every fragment


async def test_a_bigcommerce_users_locale_from_the_load_callback_carries_through_the_session(
    admin: AdminClients,
) -> None:
    owner = admin.emulators.bigcommerce.stores[DEMO_STORE_HASH].owner
    jwt = admin.emulators.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user={**owner, "locale": "de-DE"})
    loaded = await admin.http.get("/bigcommerce/load", params={"signed_payload_jwt": jwt})
    assert loaded.status_code == 200
    shell = await admin.http.get("/admin/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert '<html lang="de">' in shell.text and "<title>Einrichtung · Upfront</title>" in shell.text
    assert CSRF_META.search(shell.text)


async def test_without_a_platform_locale_the_browsers_languages_decide_then_english(admin: AdminClients) -> None:
    swedish = await admin.http.get("/admin/", headers={"Accept-Language": "xx, sv-SE;q=0.8, de;q=0.5"})
    assert '<html lang="sv">' in swedish.text
    unknown = await admin.http.get("/admin/", params={"locale": "tlh"}, headers={"Accept-Language": "tlh"})
    assert '<html lang="en">' in unknown.text and "<title>Setup · Upfront</title>" in unknown.text


def test_language_tags_are_read_as_browsers_and_platforms_write_them() -> None:
    assert accept_language("fr-CH, fr;q=0.9, en;q=0.8, de;q=0.7, *;q=0.5") == ["fr-CH", "fr", "en", "de"]
    assert accept_language("de;q=0, nl") == ["nl"]
    assert accept_language("en;q=oops, ja") == ["ja"]
    assert shipped_locale("pt_BR") == "pt" and shipped_locale("zh-TW", "ja-JP") == "ja"
    assert shipped_locale("", None, "klingon") is None
