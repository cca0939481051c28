"""The Help prompts page on a 390 px phone in the languages that run longest (German, Polish) and in Japanese:
BigCommerce staff whose user locale is one of them read the page in it, nothing is wider than the screen and no
button, label or table header clips its text, and axe finds nothing (languages marked where shoppers' words are)."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Browser

from plugin.app import build_job_handlers
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.server import DevStore
from plugin.jobs import run_due_jobs
from plugin.services import Services
from tests.browser.conftest import close_context
from tests.browser.test_admin import PHONE, accessibility_violations, admin_context, admin_server, devstore, test_env

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
__all__ = ["admin_server", "devstore", "test_env"]  # the admin on loopback with the dev store, as in test_admin

# Elements whose text would be cut off rather than wrap if it did not fit.
CLIPPED = """
() => Array.from(document.querySelectorAll("main button, main .button, main label, main th, main summary, main .pill"))
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.textContent.trim())
"""


@pytest.mark.parametrize(
    ("locale", "title", "button"),
    [
        ("de-DE", "Hilfe-Hinweise", "Hilfe-Hinweise ausschalten"),
        ("pl-PL", "Podpowiedzi pomocy", "Wyłącz podpowiedzi pomocy"),
        ("ja-JP", "ヘルプの案内", "ヘルプの案内をオフにする"),
    ],
    ids=["de", "pl", "ja"],
)
async def test_the_help_page_reads_whole_on_a_phone_in_a_long_language(
    browser: Browser, services: Services, devstore: DevStore, admin_server: str, locale: str, title: str, button: str
) -> None:
    async with httpx.AsyncClient() as http:
        installed = await http.get(
            f"{admin_server}/bigcommerce/auth", params=devstore.bigcommerce.authorize(DEMO_STORE_HASH)
        )
    assert installed.status_code == 200, installed.text
    await run_due_jobs(services, build_job_handlers())
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **PHONE)
    page = await context.new_page()
    staff = {"id": 5150, "email": "staff@demo.example", "locale": locale}
    jwt = devstore.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user=staff)
    await page.goto(f"{admin_server}/bigcommerce/load?{urlencode({'signed_payload_jwt': jwt})}")
    await page.wait_for_url(f"{admin_server}/admin/")
    await page.goto(f"{admin_server}/admin/help")
    await page.wait_for_selector("main[aria-busy=false] [data-figure=live]")

    assert await page.locator("main h1").first.text_content() == title
    assert await page.get_by_role("button", name=button).is_visible()
    assert await page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert await page.evaluate(CLIPPED) == []
    assert await accessibility_violations(page) == []
    assert csp_violations == []
    await close_context(context)
