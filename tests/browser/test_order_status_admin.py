"""The order-status page's admin in Chromium: a BigCommerce merchant previews unsaved colours (the "Preview" button
sends the form elsewhere than "Save"), then saves them; the page has no axe violation and no CSP violation."""

from __future__ import annotations

from urllib.parse import urlencode

import httpx
import pytest
from playwright.async_api import Browser

from plugin.app import build_job_handlers
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.server import DevStore
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.order_status.branding import DEFAULT_ACCENT, load_branding
from plugin.services import Services
from tests.browser.conftest import close_context
from tests.browser.test_admin import (
    DESKTOP,
    accessibility_violations,
    admin_context,
    admin_server,
    devstore,
    open_page,
    test_env,
)

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
__all__ = ["admin_server", "devstore", "test_env"]  # the admin browser fixtures


async def test_a_merchant_previews_unsaved_colours_then_saves_them(
    browser: Browser, services: Services, devstore: DevStore, admin_server: str
) -> None:
    async with httpx.AsyncClient() as http:
        installed = await http.get(
            f"{admin_server}/bigcommerce/auth", params=devstore.bigcommerce.authorize(DEMO_STORE_HASH)
        )
    assert installed.status_code == 200, installed.text
    await run_due_jobs(services, build_job_handlers())
    store = ShopRef("bigcommerce", DEMO_STORE_HASH)
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **DESKTOP)
    page = await context.new_page()
    jwt = devstore.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user={"id": 5150, "email": "staff@demo.example"})
    await page.goto(f"{admin_server}/bigcommerce/load?{urlencode({'signed_payload_jwt': jwt})}")
    await page.wait_for_url(f"{admin_server}/admin/")
    await open_page(page.main_frame, "Order-status page")
    assert await accessibility_violations(page) == []

    await page.fill("#brand-accent", "#7a1f5c")
    await page.click("button:text('Preview')")
    await page.wait_for_selector("#status-preview iframe[srcdoc*='--accent:#7a1f5c']", state="attached")
    assert "Preview updated (not saved)." in await page.inner_text("#toast")
    assert (await load_branding(services, store)).accent == DEFAULT_ACCENT

    await page.click("button:text('Save branding')")
    await page.wait_for_selector("#toast:text('Branding saved.')")
    assert (await load_branding(services, store)).accent == "#7a1f5c"
    assert csp_violations == []
    await close_context(context)
