"""What the after-sale messages achieve, as the dashboard shows it: per stage and channel the emails sent and the
status-page links followed from them, and "where is my order" help requests before and after the page's first
visit. The order goes through the Shopify dev store, the worker and real SMTP, as in test_page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest

from plugin.admin.after_sale import WISMO_WINDOW_DAYS, wismo
from plugin.devstore.shopify import ShopifyEmulator
from plugin.keys import ShopRef
from plugin.order_status.metrics import count, daily_counts
from plugin.services import Services
from plugin.shop_days import shop_today
from tests.conftest import APP_URL, AppClientFactory
from tests.order_status.test_page import _html, _links, _shipped_order
from tests.smtp import Inbox
from widgets.help.requests import HelpRequestInput, store_request

pytestmark = pytest.mark.anyio


async def _ask(services: Services, shop: ShopRef, question: str, at: datetime) -> None:
    await store_request(services, shop, HelpRequestInput("shopper@example.com", question), now=at, retention_days=90)


async def test_the_dashboard_counts_sends_and_followed_links_per_stage_and_where_is_my_order_before_and_after(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
) -> None:
    now = datetime.now(UTC)
    # Before the page: two "where is my order" questions and one about returns (another topic) in the 30 days.
    await _ask(services, installed, "Where is my order? It has not arrived yet.", now - timedelta(days=10))
    await _ask(services, installed, "Wo ist meine Bestellung? Keine Sendungsverfolgung.", now - timedelta(days=3))
    await _ask(services, installed, "How do I return the scarf?", now - timedelta(days=2))
    await _ask(services, installed, "Where is my order??", now - timedelta(days=WISMO_WINDOW_DAYS + 5))  # too old
    admin = {"Authorization": f"Bearer {emulator.session_token()}"}
    async with app_client(http=emulator_http) as client:
        _, page_path, emails = await _shipped_order(services, installed, emulator, client, inbox)
        confirmation = next(m for m in emails if "Thank you for your order" in str(m["Subject"]))
        path = next(url for url in _links(_html(confirmation)) if page_path in url).removeprefix(APP_URL)
        assert path.endswith("?via=confirmed.email")  # the confirmation's link names its stage and channel
        assert (await client.head(path)).status_code == 200  # a mail scanner's probe: not a visit, not a click
        assert (await client.get(path)).status_code == 200  # the shopper follows it, twice
        assert (await client.get(path)).status_code == 200
        assert (await client.get(path.split("?")[0] + "?via=nonsense")).status_code == 200  # counted as a visit only
        await _ask(services, installed, "Where is my parcel? Tracking says nothing.", now)
        figures = (await client.get("/admin/api/dashboard", params={"days": "30"}, headers=admin)).json()
        page = (await client.get("/admin/api/fragments/dashboard", params={"days": "30"}, headers=admin)).text
    by_stage = {row["stage"]: row for row in figures["messages_by_stage"]}
    assert by_stage["confirmed"]["emails_sent"] == 1 and by_stage["confirmed"]["email_clicks"] == 2
    assert by_stage["shipped"]["emails_sent"] >= 1 and by_stage["shipped"]["email_clicks"] == 0
    assert all(row["texts_sent"] == 0 for row in by_stage.values())  # no texts: the shop has not connected Twilio
    sent_emails = sum(row["emails_sent"] for row in by_stage.values())
    assert sent_emails == len(emails) == sum(figures["messages_sent"].values())
    wismo = figures["where_is_my_order"]
    assert (wismo["before"], wismo["before_days"], wismo["after"], wismo["after_days"]) == (2, WISMO_WINDOW_DAYS, 1, 1)
    assert 'data-table="channels"' in page and 'data-figure="wismo"' in page
    # Unsubscribes per stage: order updates carry no unsubscribe link, so theirs is "–", not a zero.
    channels = page.split('data-table="channels"')[1]
    confirmed_row = channels.split('<tr data-stage="confirmed">')[1].split("</tr>")[0]
    assert '<td class="num" data-figure="unsubscribes">–</td>' in confirmed_row
    assert by_stage["feedback"]["email_unsubscribes"] == 0 and by_stage["confirmed"]["email_unsubscribes"] is None
    assert 'data-figure="text-opt-outs">0<' in page and figures["text_opt_outs"] == 0
    today_in_berlin = shop_today("Europe/Berlin", datetime.now(UTC))  # the demo shop's zone: its days are counted
    [today] = await daily_counts(services, installed, days=1, today=today_in_berlin)
    assert today.visits == 3  # the two followed links and the plain visit; the HEAD probe is none


async def test_the_page_counts_on_the_shops_calendar_and_its_first_day_starts_at_the_shops_midnight(
    services: Services, installed: ShopRef
) -> None:
    """At 00:30 in Berlin (23:30 UTC the day before) a visit is Berlin's day: the page has been live one day, and a
    question asked at 00:10 Berlin time is after it went live, one asked at 23:50 the evening before is not."""
    berlin = ZoneInfo("Europe/Berlin")
    visit = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    day = shop_today("Europe/Berlin", visit)
    assert day == date(2026, 12, 4) and shop_today("Nowhere/Unknown", visit) == date(2026, 12, 3)
    await count(services, installed, "visits", day)
    await _ask(services, installed, "Where is my order? No news yet.", datetime(2026, 12, 4, 0, 10, tzinfo=berlin))
    await _ask(services, installed, "Where is my order? Still waiting.", datetime(2026, 12, 3, 23, 50, tzinfo=berlin))

    figures = await wismo(services, installed, day, berlin)

    assert (figures.live_since, figures.before, figures.after, figures.after_days) == (day, 1, 1, 1)
