"""The Help prompts page in the staff member's language: the admin's own sentences, counts by the language's plural
rule, dates the local way and the rules described in that language; what shoppers are told reads as a shopper in
that language reads it, while the prompt's default texts stay in the shop's language next to the input they fill.
The JSON API keeps its documented English."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from plugin.admin.help_pages import FORWARD_STATES, describe_audience, describe_trigger, describe_where, forwarded
from plugin.admin.language import LOCALE_HEADER, admin_locale, t
from plugin.catalogs import LOCALES
from plugin.helpdesk.admin import field_label, webhook_help
from plugin.helpdesk.connection import ACCOUNT_FIELDS, KINDS, SECRET_FIELDS
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from tests.admin.conftest import SHOP_A, AdminClients
from tests.admin.test_help_pages import CART, FRAGMENT, SETTINGS, ask
from widgets.help.admin import PROBLEMS
from widgets.help.rules import DEVICES, PAGE_TYPES, POLICIES, TRIGGERS, VISITORS, Audience, Trigger, Where
from widgets.help.settings import CHANNEL_KINDS
from widgets.i18n import Wording

pytestmark = pytest.mark.anyio
# A Tuesday, 10:00 in Berlin: the demo's hours are open and its 2-hour reply ends before 17:00 closing, so what
# shoppers are told is "we're here now" whenever the suite runs (later in the day it rightly names tomorrow).
OPEN_HOURS = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def admin_clock() -> Callable[[], datetime]:
    return lambda: OPEN_HOURS


async def page_in(admin: AdminClients, locale: str) -> str:
    response = await admin.http.get(FRAGMENT, headers={**admin.shopify(), LOCALE_HEADER: locale})
    assert response.status_code == 200, response.text[:300]
    return html.unescape(response.text)


async def test_the_page_speaks_german_and_keeps_the_shops_words_for_shoppers(admin: AdminClients) -> None:
    german = await page_in(admin, "de")

    assert "<h1>Hilfe-Hinweise</h1>" in german
    assert "Noch keine Fragen – Hinweise sind mit 3 Regeln aktiv." in german
    assert "45 s ohne Aktivität" in german and "Seiten: Produkt und Warenkorb" in german  # the demo's rules
    assert '<span class="sr-only">Montag</span>' in german and "Hinweistext (Englisch)" in german
    # What shoppers are told and the store's own answers read as a shopper browsing in German reads them ...
    told = german.split('data-figure="told"')[1].split("</p>")[0]
    assert 'lang="de"' in told and "Wir sind jetzt erreichbar" in told
    facts = german.split('id="faq-facts-h"')[1].split('id="faq-own-h"')[0]
    assert "Was kostet der Versand" in facts and "How much is shipping" not in facts
    # ... while the English prompt's default text stays English, marked so, beside the English input it fills.
    assert '<q lang="en">Can we help?</q>' in german
    assert "Nach so vielen Sekunden ohne Aktivität" in german and "Idle" not in german


async def test_a_problem_reads_in_the_admins_language_and_the_api_keeps_its_english(admin: AdminClients) -> None:
    rules = (await admin.http.get(SETTINGS, headers=admin.shopify())).json()["settings"]["rules"]
    off = {"rules": [{**rule, "enabled": False} for rule in rules]}
    changed = await admin.http.put(SETTINGS, json=off, headers=admin.shopify())

    assert changed.status_code == 200 and "no enabled rule: the prompt never appears" in changed.json()["problems"]
    assert "<li>Keine aktive Regel: Der Hinweis erscheint nie.</li>" in await page_in(admin, "de")
    assert "<li>有効なルールがありません。案内は表示されません。</li>" in await page_in(admin, "ja")
    assert "<li>No enabled rule: the prompt never appears.</li>" in await page_in(admin, "en")


async def test_the_inbox_counts_by_the_languages_plural_rule_and_writes_dates_the_local_way(
    admin: AdminClients,
) -> None:
    await ask(admin, SHOP_A, "Can you ship by Friday?", minutes_ago=10, cart=CART)
    await ask(admin, SHOP_A, "Gift wrap?", minutes_ago=20, page="/cart")
    german, polish = await page_in(admin, "de"), await page_in(admin, "pl")

    assert 'data-figure="open">2 offen<' in german and 'data-figure="open">2 otwarte<' in polish
    assert "Warenkorb: 2 × Canvas tote; gesamt 49.80 EUR" in german
    assert " · auf <code>/cart</code>" in german
    assert re.search(r"<time datetime=\"[^\"]+\">\d\d\.\d\d\.\d{4}, \d\d:\d\d CES?T</time>", german)
    for minutes in (30, 40, 50):
        await ask(admin, SHOP_A, f"Question {minutes}", minutes_ago=minutes)
    assert 'data-figure="open">5 otwartych<' in await page_in(admin, "pl")  # Polish "many"
    assert 'data-figure="open">未対応 5件<' in await page_in(admin, "ja")


async def test_the_helpdesk_instructions_keep_the_body_as_code_in_every_language(admin: AdminClients) -> None:
    japanese = await page_in(admin, "ja")
    assert "Zendesk のサブドメイン（yourshop.zendesk.com の yourshop）" in japanese
    connect = {"kind": "zendesk", "subdomain": "shop", "email": "agent@shop.example", "api_token": "token-1234567890"}
    assert (await admin.http.put("/admin/api/help/helpdesk", json=connect, headers=admin.shopify())).status_code == 200

    german = await page_in(admin, "de")
    hook = german.split('data-figure="webhook"')[1].split("</p>")[0]
    assert "Legen Sie im Admin Center einen Webhook zu dieser URL an (POST, JSON)" in hook
    assert 'mit dem Body <code>{"ticket_id": "{{ticket.id}}"}</code> auf, oder abonnieren' in hook
    assert "<summary>Zendesk ändern</summary>" in german and "Zendesk trennen" in german


async def test_what_shoppers_are_told_reads_as_one_sentence_in_each_language(admin: AdminClients) -> None:
    # The storefront's "we'll reply to <address>" names the shopper in the sentence's own language and case.
    french, polish = await page_in(admin, "fr"), await page_in(admin, "pl")
    assert "Nous répondrons à la personne qui écrit sous 2 heures.</q>" in french
    assert "Odpowiemy na adres klienta w ciągu 2 godzin.</q>" in polish
    assert "Podany czas odpowiedzi (w ciągu 2 godzin) obowiązuje" in polish  # help.po's durations are genitive


@pytest.mark.parametrize("locale", LOCALES)
def test_every_kind_of_rule_helpdesk_field_and_state_has_its_words(locale: str) -> None:
    """What the demo shop does not show: every trigger, policy, page type, audience, helpdesk field and hand-off
    state the page can name is worded in every language, its fields filled (a new kind without words fails here)."""
    facts = ShopFacts(ShopRef("shopify", "x.myshopify.com"), "X", "EUR", "Europe/Berlin", "DE")
    with admin_locale(locale):
        money = Wording(locale, facts)
        said = [describe_trigger(Trigger(kind, seconds=30, views=3), money) for kind in TRIGGERS]
        said += [describe_trigger(Trigger("policy_open", policy=policy), money) for policy in POLICIES]
        said.append(describe_trigger(Trigger("shipping_estimate", above=Decimal(15), not_shipped=True), money))
        said.append(describe_where(Where(PAGE_TYPES, "/sale/*", Decimal(20), Decimal(200)), money))
        said += [
            describe_audience(Audience(visitor, device, ("DE",), ("de",))) for visitor in VISITORS for device in DEVICES
        ]
        said += [field_label(name, kind) for kind in KINDS for name in ACCOUNT_FIELDS[kind]]
        said += [field_label(name, kind) for kind in KINDS for name, _ in SECRET_FIELDS[kind]]
        said += ["".join(part or "" for part in webhook_help(kind)) for kind in KINDS]
        said += [t(f"help_channel_{kind}") for kind in CHANNEL_KINDS] + [t(f"help_problem_{code}") for code in PROBLEMS]
        said += [forwarded(state) for state in (*FORWARD_STATES, "failed: 550", "being filed in Zendesk")]
        said.append(forwarded("filed in Gorgias as ticket #7"))
    assert not [text for text in said if not text.strip() or re.search(r"\{[a-z_]+\}", text)]
    if locale != "en":  # the states widgets/help/handoff.py stores in English are reworded, not shown as stored
        assert not [state for state in ("being filed in Zendesk", "filed in Gorgias as ticket #7") if state in said]
