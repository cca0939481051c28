"""The core admin pages with real figures in them read as the staff member's language writes: German decimal commas
and thousands separators, CLDR dates, counted words in the right plural, the platform's vocabulary put into words
(its identifiers kept as data), and BigCommerce's own panel and callback pages in the signed user's language."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from plugin.admin.formats import format_day, format_moment, format_number, format_percent, format_signed_percent
from plugin.admin.language import LOCALE_HEADER, admin_locale, tn
from plugin.catalogs import LOCALES
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.privacy.consent import record_consent
from tests.admin.conftest import SHOP_A, AdminClients
from tests.admin.dashboard_case import expected_figures, seed_dashboard
from tests.admin.support import seed_dead_letter
from widgets.help.requests import HelpRequestInput, store_request

pytestmark = pytest.mark.anyio

NBSP = "\xa0"


def german_signed(value: float) -> str:
    """The uplift as German writes it: sign, decimal comma, a no-break space before the percent sign."""
    return ("+" if value >= 0 else "−") + f"{abs(value) * 100:.1f}".replace(".", ",") + f"{NBSP}%"


async def fragment(admin: AdminClients, page: str, locale: str) -> str:
    response = await admin.http.get(f"/admin/api/fragments/{page}", headers={**admin.shopify(), LOCALE_HEADER: locale})
    assert response.status_code == 200, response.text[:300]
    return response.text


def test_numbers_percentages_and_times_follow_the_locale_and_english_keeps_its_house_style() -> None:
    moment = datetime(2026, 11, 17, 9, 5, tzinfo=UTC).timestamp()
    with admin_locale("en"):
        assert (format_percent(0.1234), format_signed_percent(-0.05), format_number(2400)) == (
            "12.3 %",
            "−5.0 %",
            "2400",
        )
        assert (format_moment(moment), format_moment(None), format_day(date(2026, 11, 17))) == (
            "2026-11-17 09:05 UTC",
            "never",
            "2026-11-17",
        )
    with admin_locale("de"):
        assert (format_percent(0.1234), format_signed_percent(0.5), format_number(2400)) == (
            f"12,3{NBSP}%",
            f"+50,0{NBSP}%",
            "2.400",
        )
        assert (format_moment(moment), format_moment(""), format_day(date(2026, 11, 17))) == (
            "17.11.2026, 09:05 UTC",
            "nie",
            "17.11.2026",
        )
    with admin_locale("ja"):
        assert (format_percent(0.1234), format_moment(moment)) == ("12.3%", "2026/11/17 9:05 UTC")
    with admin_locale("fr"):
        assert format_number(-1234.5, 1) == "−1\u202f234,5" and format_number(3, signed=True) == "+3"


@pytest.mark.parametrize(
    ("locale", "written"),
    [("en", "4956 page views"), ("de", "4.956 Seitenaufrufe"), ("ja", "4,956 件"), ("pl", "4\xa0956 wyświetleń")],
)
def test_a_counted_text_writes_its_count_as_the_language_does(locale: str, written: str) -> None:
    with admin_locale(locale):
        assert written in tn("home_embed_seen", 4956, days=7)


async def test_the_dashboards_figures_read_the_german_way(admin: AdminClients) -> None:
    await seed_dashboard(admin.services, SHOP_A)
    expected = expected_figures()
    page = await fragment(admin, "dashboard", "de")
    atc_row = page.split('data-row="add_to_cart"')[1].split("</tr>")[0]
    uplift, low, high = expected.atc
    assert german_signed(uplift) in atc_row
    assert f"95{NBSP}%-KI {german_signed(low)} bis {german_signed(high)}" in atc_row
    assert "180 von 2.400" in atc_row and "14 von 270" in atc_row
    assert f"{expected.csat:.1f}".replace(".", ",") + f"{NBSP}%" in page
    assert "Letzte 30 Tage" in page and "Letzter" not in page  # the period options, counted
    assert "Hilfe-Hinweise 50-mal angezeigt, 9-mal geöffnet, 4-mal an eine Person weitergeleitet." in page
    period = re.search(r"(\d\d)\.(\d\d)\.(\d{4}) – (\d\d)\.(\d\d)\.(\d{4})", page)
    assert period is not None, "the period's days as German writes them"
    assert "Bestellung bestätigt" in page and "Order confirmed" not in page  # stage names, in the chart too
    japanese = await fragment(admin, "dashboard", "ja")
    assert "2400 件中 180 件" not in japanese and "2,400 件中 180 件" in japanese
    assert f'<span data-figure="csat-n">{expected.csat_n}</span> 件の回答' in japanese


async def test_below_the_minimum_the_reason_is_given_in_the_admins_language(admin: AdminClients) -> None:
    polish = await fragment(admin, "dashboard", "pl")
    assert "Za mało danych" in polish and "Potrzeba 100 wyświetleń na grupę (z Upfront 0, kontrolna 0)" in polish
    assert "not enough data yet" not in polish


async def test_a_persons_consent_history_names_purposes_and_sources_in_words(admin: AdminClients) -> None:
    await record_consent(
        admin.services,
        SHOP_A,
        purpose="marketing_email",
        granted=False,
        source="storefront_widget",
        channel="email",
        text="Schicken Sie mir Neuigkeiten",  # what the shopper saw: the shop's words, shown as they are
        text_version="widget-3",
        opt_in_level="single_opt_in",
        email="ada@example.com",
    )
    history = await admin.http.post(
        "/admin/api/privacy/lookup", json={"email": "ada@example.com"}, headers={**admin.shopify(), LOCALE_HEADER: "de"}
    )
    assert history.status_code == 200
    assert "Marketing-E-Mails" in history.text and "widerrufen" in history.text and "Shop-Widget" in history.text
    assert "Schicken Sie mir Neuigkeiten" in history.text and 'data-source="storefront_widget"' in history.text
    assert "Datenexport für diese Person erstellen" in history.text


async def test_failed_events_and_their_replay_buttons_speak_japanese(admin: AdminClients) -> None:
    await seed_dead_letter(admin.services, SHOP_A, "a-delivery-ja", "order fetch failed: 404")
    page = await fragment(admin, "health", "ja")
    assert "1 件すべて再実行" in page and 'data-done="ストアの失敗したイベントを再実行しました。"' in page
    assert "order fetch failed: 404" in page  # the technical cause stays as the pipeline wrote it
    assert re.search(r"\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d\d UTC", page), "the failure time as Japanese writes it"


async def test_bigcommerces_panel_and_refusals_speak_the_staff_members_language(admin: AdminClients) -> None:
    owner = admin.emulators.bigcommerce.stores[DEMO_STORE_HASH].owner
    jwt = admin.emulators.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user={**owner, "locale": "fr-FR"})
    panel = await admin.http.get("/bigcommerce/load", params={"signed_payload_jwt": jwt})
    assert panel.status_code == 200
    assert '<html lang="fr">' in panel.text and "Upfront pour Upfront Demo Store" in panel.text
    assert "Connecté en tant que" in panel.text and "Ouvrir Upfront" in panel.text
    refused = await admin.http.get(
        "/bigcommerce/load", params={"signed_payload_jwt": "forged"}, headers={"Accept-Language": "es-ES,es;q=0.9"}
    )
    assert refused.status_code == 401 and '<html lang="es">' in refused.text
    assert "No se ha podido verificar este enlace" in refused.text and "Apps &gt; My Apps" in refused.text
    english = await admin.http.get("/bigcommerce/load", params={"signed_payload_jwt": "forged"})
    assert "This link could not be verified" in english.text and '<html lang="en">' in english.text


async def test_every_locale_renders_the_core_pages_full_of_figures(admin: AdminClients) -> None:
    """The pages as a busy shop sees them (figures, a topic with its example, a failed event, a consent record and
    an export), in every language: nothing missing, no field left unfilled, the shop's own words unchanged."""
    await seed_dashboard(admin.services, SHOP_A)
    await store_request(
        admin.services,
        SHOP_A,
        HelpRequestInput("ana@example.com", "How much is shipping to Canada?"),
        now=datetime.now(UTC),
        retention_days=90,
    )
    await seed_dead_letter(admin.services, SHOP_A, "a-delivery-every", "order fetch failed: 404")
    person = {"email": "ada@example.com"}
    await record_consent(
        admin.services,
        SHOP_A,
        purpose="review_survey",
        granted=True,
        source="order_status_page",
        channel="web",
        text="Ask me how it went",
        text_version="status-1",
        opt_in_level="confirmed_opt_in",
        **person,
    )
    made = await admin.http.post("/admin/api/privacy/exports", json=person, headers=admin.shopify())
    assert made.status_code == 201
    for locale in LOCALES:
        pages = [await fragment(admin, page, locale) for page in ("home", "dashboard", "health", "privacy")]
        lookup = await admin.http.post(
            "/admin/api/privacy/lookup", json=person, headers={**admin.shopify(), LOCALE_HEADER: locale}
        )
        assert lookup.status_code == 200, (locale, lookup.text[:300])
        for html in [*pages, lookup.text]:
            assert not re.findall(r"(?<!\{)\{[a-z_]+\}(?!\})", html), locale
        assert "How much is shipping to Canada?" in pages[1] and "Ask me how it went" in lookup.text
        if locale != "en":
            assert "Not enough data yet" not in pages[1] and "Replay all" not in pages[2], locale
            assert "customer.export" not in pages[3].replace('data-action="customer.export"', ""), locale
            assert "consent_ledger" not in pages[3], locale  # the audit's counts name the stores in words
