"""The after-sale admin pages (emails, at-risk orders, carrier tracking, texts, order-status page) as German staff
read them on a 390 px phone in headless Chromium, served as `upfront dev` serves them: whole, in German, with no
label, button, heading or table header clipped and nothing wider than the screen."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, Frame

from plugin.app import create_app
from plugin.devstore.server import DevStore, devstore_environment
from plugin.email.at_risk import AtRisk, note_at_risk
from plugin.email.stages import DelayCause
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.browser.conftest import LiveServer, close_context

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

SHOP = "upfront-demo.myshopify.com"
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# Every control, heading and table header on the page whose words do not fit its box (clipped or spilling out).
CLIPPED = """() => [...document.querySelectorAll(
  "main button, main label, main legend, main th, main h1, main h2, main h3, main .pill, main select")]
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.tagName + ": " + el.textContent.trim().slice(0, 60))"""
WIDER_THAN_SCREEN = "document.documentElement.scrollWidth > document.documentElement.clientWidth"


@pytest.fixture
def test_env(test_env: dict[str, str], base_url: str) -> dict[str, str]:
    test_env.update(devstore_environment(base_url))  # the adapters call the emulators on this same server
    return test_env


@pytest.fixture
def dev_admin_server(settings: Settings, services: Services, listener: socket.socket, shop: ShopRef) -> Iterator[str]:
    devstore = DevStore.create(services)
    app = create_app(settings, extra_routes=devstore.routes(), dev_admin=devstore.dev_admin())
    with LiveServer(app, listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def _content(frame: Frame) -> str:
    await frame.wait_for_selector("main[aria-busy=false] h1")
    assert await frame.evaluate(WIDER_THAN_SCREEN) is False
    assert await frame.evaluate(CLIPPED) == []
    return await frame.inner_text("main")


@pytest.mark.parametrize(
    ("page", "title", "words"),
    [
        ("emails", "E-Mails nach dem Kauf", "Tage nach Zustellung bis zur Feedback-Anfrage"),
        ("at_risk", "Gefährdete Bestellungen", "Länger als die übliche Laufzeit kein Tracking-Update"),
        ("tracking", "Sendungsverfolgung", "Webhook-Adresse"),
        ("sms", "SMS-Nachrichten", "Absenderregeln"),
        ("status", "Bestellstatus-Seite", "Letzte 14 Tage:"),
    ],
)
async def test_german_staff_read_the_after_sale_pages_whole_on_a_phone(
    browser: Browser, dev_admin_server: str, services: Services, shop: ShopRef, page: str, title: str, words: str
) -> None:
    now = datetime.now(UTC)
    late = AtRisk("450789470", DelayCause.STALLED, (now - timedelta(days=4)).isoformat(), now.isoformat(), None, None)
    await note_at_risk(services, shop, late)  # so the at-risk page has its table, with its six headers
    context = await browser.new_context(**PHONE)
    tab = await context.new_page()
    # Shopify's admin appends the staff member's locale to the app's URL; the shell and its fragment speak it.
    await tab.goto(f"{dev_admin_server}/devstore/shopify/{SHOP}/admin?page={page}&locale=de")
    await tab.wait_for_selector("iframe")
    handle = await tab.query_selector("iframe")
    frame = await handle.content_frame() if handle else None
    assert frame is not None

    text = await _content(frame)

    assert await frame.locator("main h1").first.text_content() == title
    assert words in text
    await close_context(context)


# The tabs a desktop screen shows without scrolling the row sideways: each tab's box inside the row's.
TABS_OUT_OF_SIGHT = """() => { const row = document.querySelector("nav.tabs ul").getBoundingClientRect();
  return [...document.querySelectorAll("nav.tabs a")].filter((a) => { const box = a.getBoundingClientRect();
    return box.right > row.right + 1 || box.left < row.left - 1; }).map((a) => a.textContent.trim()); }"""


@pytest.mark.parametrize("locale", ["en", "de"])
async def test_a_desktop_shows_every_pages_tab_without_scrolling_the_row(
    browser: Browser, dev_admin_server: str, locale: str
) -> None:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    tab = await context.new_page()
    await tab.goto(f"{dev_admin_server}/devstore/shopify/{SHOP}/admin?page=emails&locale={locale}")
    await tab.wait_for_selector("iframe")
    handle = await tab.query_selector("iframe")
    frame = await handle.content_frame() if handle else None
    assert frame is not None
    await frame.wait_for_selector("main[aria-busy=false] h1")

    assert await frame.locator("nav.tabs a").count() == 12  # the after-sale pages' tabs are the last ones
    assert await frame.evaluate(TABS_OUT_OF_SIGHT) == []
    await close_context(context)
