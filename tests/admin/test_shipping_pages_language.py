"""The estimator and trust badge pages in the staff member's language: why a badge is withheld and where its facts
come from read in that language (platform field names as the platform writes them), the settings API keeps its
English reasons, and the storefront preview speaks the shopper language the merchant picks."""

from __future__ import annotations

import pytest

from plugin.admin.language import LOCALE_HEADER
from tests.admin.conftest import AdminClients

pytestmark = pytest.mark.anyio


def row(page: str, badge: str) -> str:
    return page.split(f'data-badge="{badge}"')[1].split("</tr>")[0]


async def test_a_withheld_badge_says_why_in_the_admins_language(admin: AdminClients) -> None:
    auth = admin.shopify()
    changed = await admin.http.put(
        "/admin/api/widgets/settings",
        json={"badges": {"return_window_days": 60, "payment_methods": ["Visa", "Amazon Pay"]}},
        headers=auth,
    )
    assert changed.status_code == 200
    german = (await admin.http.get("/admin/api/fragments/badges", headers={**auth, LOCALE_HEADER: "de"})).text
    money_back = row(german, "money_back")
    assert 'data-withheld="true"' in money_back and ">Zurückgehalten<" in money_back
    assert (
        "zurückgehalten: Sie haben eine Rückgabefrist von 60 Tagen bestätigt, aber Ihre Rückerstattungsrichtlinie "
        "nennt 30 Tage" in money_back
    )
    assert "<strong>Sie</strong> (Ihre Bestätigung auf der Siegel-Seite): Rückgabefrist: 60 Tage" in money_back
    # A platform's own field name is code, the same in every language.
    assert "<strong>Plattform</strong> (<code>Shopify ShopPolicy.url (REFUND_POLICY)</code>)" in money_back
    # The shopper-facing wording of a shown badge is the one a German shopper reads.
    delivery = row(german, "delivery_promise")
    assert "Lieferung nach Deutschland in 2–4 Werktagen" in delivery
    assert "<strong>Sie</strong> (Laufzeiten auf der Seite Versandrechner): 2–4 Werktage Laufzeit" in delivery

    japanese = (await admin.http.get("/admin/api/fragments/badges", headers={**auth, LOCALE_HEADER: "ja"})).text
    payments = row(japanese, "payment_methods")
    assert "保留：Amazon Payが指定されていますが" in payments
    assert "（対応しているデジタルウォレット：Shop Pay、Apple Pay、Google Pay）" in payments

    # The documented settings API states its reasons in English whatever the admin's language.
    api = await admin.http.get("/admin/api/widgets/settings", headers={**auth, LOCALE_HEADER: "de"})
    reasons = {verdict["kind"]: verdict.get("reason") for verdict in api.json()["badges"]}
    assert reasons["money_back"] == (
        "withheld: you confirmed a 60-day return window, but your refund policy says 30 days "
        '("You can return items within 30 days of receiving them.")'
    )


async def test_the_storefront_preview_speaks_the_chosen_shopper_language(admin: AdminClients) -> None:
    auth = {**admin.shopify(), LOCALE_HEADER: "de"}
    # By default the shopper's language is the admin's own.
    german = await admin.http.get("/admin/api/estimator/preview", params={"country": "AT"}, headers=auth)
    assert "Versand nach Österreich" in german.text
    french = await admin.http.get(
        "/admin/api/fragments/estimator", params={"country": "AT", "language": "fr"}, headers=auth
    )
    assert "Livraison vers : Autriche" in french.text
    assert '<option value="fr" selected>Französisch</option>' in french.text  # the picker, named in German
    # The page around the preview stays in the admin's language.
    assert '<h2 id="preview-h">Shop-Vorschau</h2>' in french.text
    # A language that is not shipped falls back to the admin's.
    unknown = await admin.http.get(
        "/admin/api/estimator/preview", params={"country": "AT", "language": "xx"}, headers=auth
    )
    assert unknown.status_code == 200 and "Versand nach Österreich" in unknown.text


async def test_a_language_the_merchant_fixed_is_the_one_the_preview_shows(admin: AdminClients) -> None:
    auth = {**admin.shopify(), LOCALE_HEADER: "de"}
    fixed = await admin.http.put("/admin/api/widgets/settings", json={"locale": "sv"}, headers=auth)
    assert fixed.status_code == 200
    page = await admin.http.get(
        "/admin/api/fragments/estimator", params={"country": "AT", "language": "fr"}, headers=auth
    )
    # Every shopper reads Swedish, so the preview does too, and the picker says why it cannot change.
    assert "Frakt till Österrike" in page.text and "Livraison vers" not in page.text
    assert '<select id="preview-locale" name="language" disabled' in page.text
    assert '<option value="sv" selected>Schwedisch</option>' in page.text
    assert "Ihre Widgets sprechen für alle Kunden dieselbe Sprache" in page.text
