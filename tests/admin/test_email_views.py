"""The emails page tells the merchant what happened to each order's messages, in plain words, and its previews of
every stage in every locale, with default and merchant texts, show no broken text."""

from __future__ import annotations

import ast
import html
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from plugin.admin.message_log import skip_reason
from plugin.email.journey_settings import JourneySettings, StageSettings, save_journey_settings
from plugin.email.stages import Stage
from plugin.email.wording import LOCALES
from plugin.platform import Order, OrderLine, Shipment
from tests.admin.conftest import SHOP_A, SHOP_B, AdminClients
from tests.email_checks import email_problems
from webhooks.handlers.orders import record_order
from webhooks.journey.advance import advance_order_journey

pytestmark = pytest.mark.anyio
SRCDOC = re.compile(r'srcdoc="([^"]*)"')
PLAIN = re.compile(r"<summary>Plain-text version</summary><pre[^>]*>(.*?)</pre>", re.DOTALL)


def _order(order_id: str, placed: datetime, shipped: bool) -> Order:
    shipments = (
        (Shipment("f1", "delivered", "DHL", "0034043", "https://track.test/0034043", placed),) if shipped else ()
    )
    return Order(
        shop=SHOP_A,
        id=order_id,
        name=f"#{order_id}",
        created_at=placed,
        updated_at=placed + timedelta(hours=1),
        currency="EUR",
        total=Decimal("29.90"),
        status="fulfilled" if shipped else "open",
        email="kim@example.com",
        first_name="Kim",
        lines=(OrderLine("Canvas tote", 1),),
        shipments=shipments,
    )


def _order_rows(page: str, order_id: str) -> str:
    """The visible text of one order's rows in the Recent messages table."""
    rows = re.findall(rf'<tr data-order="{order_id}">(.*?)</tr>', page, re.DOTALL)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", " | ".join(rows))).split())


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("superseded", "the order had already reached a later step, so only the newest one was emailed"),
        ("order_unreadable:AuthError", "the order could not be read from the shop (AuthError)"),
        ("hold:detractor", "marketing emails to this customer are paused after a low survey score"),
        ("withdrawn:platform:unsubscribed", "the customer withdrew consent to marketing emails"),
        ("something_new", "skipped (something_new)"),
    ],
    ids=lambda value: value.split(":")[0][:20],
)
def test_every_skip_code_reads_as_a_sentence(code: str, words: str) -> None:
    assert skip_reason(code) == words


def _skip_codes() -> set[str]:
    """Every reason code the journey writes on a skipped message, read from its source."""
    root = Path(__file__).resolve().parents[2]
    sources = [*sorted((root / "webhooks" / "journey").glob("*.py")), root / "plugin" / "email" / "eligibility.py"]
    codes: set[str] = set()
    for path in sources:
        source = path.read_text(encoding="utf-8")
        codes |= set(re.findall(r'_skip\([^)]*?"([a-z_]+)', source))
        codes |= set(re.findall(r'reason="([a-z_]+)"', source))
        codes |= set(re.findall(r'Decision\(False, f?"([a-z_]+)', source))
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef) and node.name == "_still_due":
                codes |= {
                    ret.value.value
                    for ret in ast.walk(node)
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Constant) and ret.value.value
                }
    return codes


def test_every_reason_the_journey_skips_for_has_its_own_words() -> None:
    codes = _skip_codes()
    assert {"before_journey", "superseded", "no_email", "delivered_meanwhile", "no_consent", "hold"} <= codes
    assert [code for code in sorted(codes) if skip_reason(code).startswith("skipped (")] == []


async def test_each_orders_messages_show_their_outcome_and_why_one_was_not_sent(admin: AdminClients) -> None:
    services, auth = admin.services, admin.shopify()
    empty = (await admin.http.get("/admin/api/fragments/emails", headers=auth)).text
    now = datetime.now(UTC)
    await save_journey_settings(
        services, SHOP_A, JourneySettings(stages={Stage.CONFIRMED: StageSettings(enabled=False)})
    )
    for order in (_order("5501", now - timedelta(days=10), shipped=True), _order("5502", now, shipped=False)):
        await record_order(services, order)
        await advance_order_journey(services, SHOP_A, order.id)
    page = (await admin.http.get("/admin/api/fragments/emails", headers=auth)).text
    other = (await admin.http.get("/admin/api/fragments/emails", headers=admin.shopify(SHOP_B))).text

    assert "No messages yet" in empty and "Nothing in the outbox yet" in empty
    old, fresh = _order_rows(page, "5501"), _order_rows(page, "5502")
    assert old.startswith("#5501 ") and "Delivered Not sent Upfront first heard of the order when it was over 3" in old
    assert "before_journey" not in page
    assert fresh.startswith("#5502 Order confirmed Not sent This email is switched off under Stages and timing. ")
    assert "#5501" not in other and "No messages yet" in other  # one shop never sees another's


async def test_the_admin_preview_of_every_stage_and_locale_reads_right(admin: AdminClients) -> None:
    auth = admin.shopify()
    merchant = {
        "subject": "{{ order.name }} from {{ shop.name }}",
        "intro": "Hi {{ customer.first_name }}, {{ order.total }}.{% if shipment.carrier %} {{ shipment.carrier }}."
        "{% endif %}",
        "body": "{% if shipment.tracking_url %}Track: {{ shipment.tracking_url }}{% endif %}",
    }
    checked = 0
    for stage in Stage:
        for locale in LOCALES:
            for texts in ({}, merchant):
                answer = await admin.http.post(
                    "/admin/api/emails/preview", json={"stage": stage.value, "locale": locale, **texts}, headers=auth
                )
                assert answer.status_code == 200, answer.text
                srcdoc, plain = SRCDOC.search(answer.text), PLAIN.search(answer.text)
                assert srcdoc and plain
                problems = email_problems(html.unescape(srcdoc.group(1)), html.unescape(plain.group(1)), locale)
                assert problems == [], (stage, locale, texts)
                assert "banner bad" not in answer.text  # no merchant text fell back
                checked += 1
    saved = {"stages": {"shipped": {"overrides": {"de": merchant}}}}
    assert (await admin.http.put("/admin/api/emails/settings", json=saved, headers=auth)).status_code == 200
    page = await admin.http.get(
        "/admin/api/fragments/emails", params={"stage": "shipped", "text_locale": "de"}, headers=auth
    )
    srcdoc, plain = SRCDOC.search(page.text), PLAIN.search(page.text)
    assert srcdoc and plain and "#1001 from" in html.unescape(plain.group(1))
    assert email_problems(html.unescape(srcdoc.group(1)), html.unescape(plain.group(1)), "de") == []
    assert checked == len(Stage) * len(LOCALES) * 2
