"""The after-sale pages with something on them read in the staff member's language: the message log's outcomes and
reasons, an at-risk order's cause, dates and apology, the SMS sender rules; and the admin's own language never
changes which email texts the merchant is editing."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from plugin.admin.language import LOCALE_HEADER, admin_locale
from plugin.admin.message_log import skip_reason
from plugin.admin.sender_rules import rule_note
from plugin.email.at_risk import AtRisk, note_at_risk
from plugin.email.journey_settings import JourneySettings, StageSettings, save_journey_settings
from plugin.email.problems import record_template_problem
from plugin.email.stages import DelayCause, Stage
from plugin.platform import Order, OrderLine
from plugin.sms.rules import DEFAULT_RULE, RULES, SenderKind, refusal
from tests.admin.conftest import SHOP_A, AdminClients
from webhooks.handlers.orders import record_order
from webhooks.journey.advance import advance_order_journey

pytestmark = pytest.mark.anyio


def _visible(page: str, marker: str) -> str:
    """The visible text of the table rows carrying `marker`, cells separated by spaces."""
    rows = re.findall(rf"<tr {marker}[^>]*>(.*?)</tr>", page, re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", " | ".join(rows))).split())


async def _page(admin: AdminClients, page: str, language: str, **params: str) -> str:
    """The page's fragment as the shell fetches it for a staff member who reads `language`."""
    response = await admin.http.get(
        f"/admin/api/fragments/{page}", params=params, headers={**admin.shopify(), LOCALE_HEADER: language}
    )
    assert response.status_code == 200, response.text[:300]
    return response.text


async def test_the_message_log_says_what_happened_in_the_admins_language(admin: AdminClients) -> None:
    now = datetime.now(UTC)
    await save_journey_settings(
        admin.services, SHOP_A, JourneySettings(stages={Stage.CONFIRMED: StageSettings(enabled=False)})
    )
    order = Order(
        shop=SHOP_A,
        id="6601",
        name="#6601",
        created_at=now,
        updated_at=now,
        currency="EUR",
        total=Decimal("29.90"),
        status="open",
        email="kim@example.com",
        first_name="Kim",
        lines=(OrderLine("Canvas tote", 1),),
    )
    await record_order(admin.services, order)
    await advance_order_journey(admin.services, SHOP_A, order.id)

    german = _visible(await _page(admin, "emails", "de"), 'data-order="6601"')
    japanese = _visible(await _page(admin, "emails", "ja"), 'data-order="6601"')
    english = _visible(await _page(admin, "emails", "en"), 'data-order="6601"')

    assert german.startswith(
        "#6601 Bestellung bestätigt Nicht gesendet Diese E-Mail ist unter „Phasen und Zeitpunkte“ ausgeschaltet."
    )
    assert japanese.startswith("#6601 注文確認 未送信 このメールは「段階と送信タイミング」でオフになっています。")
    assert english.startswith("#6601 Order confirmed Not sent This email is switched off under Stages and timing.")


async def test_a_text_that_fell_back_is_named_in_the_admins_language(admin: AdminClients) -> None:
    await record_template_problem(admin.services, SHOP_A, "shipped", "de", "subject: 'order.nme' is undefined")
    page = await _page(admin, "emails", "fr")

    assert "Textes remplacés par le texte par défaut" in page
    # The stage and language in French words and punctuation; the technical reason as recorded, marked English.
    assert '<li>Expédiée (Allemand) : <span lang="en">subject: &#39;order.nme&#39; is undefined</span>' in page


async def test_the_admins_language_does_not_pick_the_email_texts_being_edited(admin: AdminClients) -> None:
    # Shopify appends the staff member's locale (here Brazilian Portuguese) to every admin URL; the texts being
    # edited are the shop's language unless the merchant picks another under Texts (text_locale).
    page = await _page(admin, "emails", "pt", locale="pt-BR")
    picked = await _page(admin, "emails", "pt", locale="pt-BR", text_locale="de")

    assert 'name="stages.confirmed.overrides.en.subject"' in page
    assert 'name="stages.confirmed.overrides.de.subject"' in picked
    assert '<option value="de" selected>Alemão</option>' in picked  # the language named in the admin's own
    assert "Versão em texto simples" in picked  # and the page itself stays in the admin's language


async def test_an_at_risk_order_reads_in_the_admins_language_with_its_dates(admin: AdminClients) -> None:
    entry = AtRisk(
        order_id="7701",
        cause=DelayCause.STALLED,
        since=datetime(2026, 11, 3, 9, 0, tzinfo=UTC).isoformat(),
        detected_at=datetime.now(UTC).isoformat(),
        promised="2026-11-05/2026-11-09",
        expected="2026-11-12",
    )
    assert await note_at_risk(admin.services, SHOP_A, entry)

    german = _visible(await _page(admin, "at_risk", "de"), 'data-order="7701"')
    english = _visible(await _page(admin, "at_risk", "en"), 'data-order="7701"')

    assert "Bestellung 7701 Länger als die übliche Laufzeit kein Tracking-Update" in german
    assert "05.11.2026 – 09.11.2026 12.11.2026 Nicht gesendet" in german
    assert "Für diese Bestellung wurde keine Entschuldigung erfasst." in german
    assert "Order 7701 No tracking update for longer than the usual transit time" in english
    assert "2026-11-05 – 2026-11-09 2026-11-12 Not sent" in english
    page = await _page(admin, "at_risk", "ja")
    assert 'data-window="2026-11-05/2026-11-09">2026/11/05 – 2026/11/09<' in page  # the stored window kept too


def test_each_sender_rule_reads_in_english_as_the_rules_say_it() -> None:
    # The admin words the notes per language by country; a rule added or reworded in plugin.sms.rules must be too.
    with admin_locale("en"):
        assert {country: rule_note(country, rule) for country, rule in RULES.items()} == {
            country: rule.note for country, rule in RULES.items()
        }
        assert rule_note(None, DEFAULT_RULE) == DEFAULT_RULE.note
    with admin_locale("de"):
        assert rule_note("US", RULES["US"]).startswith("SMS in die USA brauchen eine registrierte Nummer")


async def test_the_sms_page_reads_in_the_admins_language(admin: AdminClients) -> None:
    page = await _page(admin, "sms", "pl")
    counts = _visible(page, 'data-stage="out_for_delivery"')

    assert counts == "W doręczeniu 0 0 0"
    assert "alfanumeryczne ID nadawcy dozwolone bez rejestracji" in page
    assert "W innych krajach: tylko nadawcy numeryczni, chyba że kraj akceptuje ID nadawcy." in page


async def test_the_status_page_counts_days_in_the_admins_language(admin: AdminClients) -> None:
    today = datetime.now(UTC).date()
    page = await _page(admin, "status", "de")

    assert "Letzte 14 Tage:" in page and "Seitenbesuche," in page
    assert f'<time datetime="{today.isoformat()}">' in page
    assert f'<time datetime="{(today - timedelta(days=13)).isoformat()}">' in page
    assert "Beispielbestellung mit zwei Paketen" in page and "(Englisch)" in page  # the preview's language
    english = await _page(admin, "status", "en")
    assert f'<time datetime="{today.isoformat()}">{today.isoformat()}</time>' in english  # the house style, as before


async def test_the_dev_outbox_names_what_each_message_is_in_the_admins_language(admin: AdminClients) -> None:
    sent = await admin.http.post(
        "/admin/api/emails/test", json={"stage": "shipped", "to": "merchant@example.com"}, headers=admin.shopify()
    )
    assert sent.status_code == 200, sent.text
    page = await _page(admin, "emails", "es")
    row = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page.split('data-table="outbox"')[1])).split())

    assert "Bandeja de salida de desarrollo" in page
    assert "Prueba merchant@example.com [Test]" in row  # the kind in Spanish; address and subject as sent
    assert "Cuándo Tipo Para Asunto" in row


@pytest.mark.parametrize(
    ("country", "kind", "registered"),
    [
        ("US", SenderKind.ALPHANUMERIC, frozenset()),
        ("US", SenderKind.NUMBER, frozenset()),
        ("IN", SenderKind.ALPHANUMERIC, frozenset({"US"})),
        ("DE", None, frozenset()),
        (None, SenderKind.NUMBER, frozenset()),
    ],
    ids=["alphanumeric-in-us", "unregistered-us", "unregistered-in", "no-sender", "unknown-country"],
)
def test_a_text_the_sender_rules_refused_says_why_in_the_admins_language(
    country: str | None, kind: SenderKind | None, registered: frozenset[str]
) -> None:
    recorded = refusal(country, kind, registered)
    assert recorded is not None
    with admin_locale("en"):
        english = skip_reason(f"sender_rule:{recorded}")
    with admin_locale("de"):
        german = skip_reason(f"sender_rule:{recorded}")

    assert english == f"the text was not sent under that country's sender rules: {recorded}"  # as recorded
    assert german.startswith("die SMS wurde nach den Absenderregeln dieses Landes nicht gesendet: ")
    assert recorded not in german and not re.search(r"\b(sender|registered|texts)\b", german)  # all worded, note too
