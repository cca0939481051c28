"""The order-status page in real Chromium: no serious or critical axe-core violation at phone and desktop widths,
no request to anyone but the app, the merchant's colours applied, and the message form working with JavaScript
off."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from playwright.async_api import Browser, Page, Route, ViewportSize

from plugin.devstore import shopify_demo
from plugin.keys import ShopRef
from plugin.order_status.branding import Branding, save_branding
from plugin.order_status.token import page_token
from plugin.services import Services
from plugin.shopify.order_payloads import order_from_payload
from tests.browser.conftest import axe_source, close_context
from tests.order_status.support import iso, new_order, ship_two_parcels
from webhooks.handlers.orders import record_order
from webhooks.journey.advance import advance_order_journey
from widgets.help.requests import list_requests

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
WIDTHS: dict[str, ViewportSize] = {"390px": {"width": 390, "height": 844}, "1280px": {"width": 1280, "height": 900}}
ACCENT = "#7a1f5c"


async def _order_page(services: Services, shop: ShopRef) -> str:
    """An order shipped in two parcels, one failed, kept as the Shopify `orders/updated` payload maps it."""
    now = datetime.now(UTC)
    node = new_order(now - timedelta(days=2))
    placed = copy.deepcopy(node)
    await record_order(services, order_from_payload(shopify_demo.rest_order(placed, shop.id), shop))
    await advance_order_journey(services, shop, node["legacyResourceId"])  # the confirmation's promise
    ship_two_parcels(node, now - timedelta(days=1))
    node["updatedAt"] = iso(now)
    await record_order(services, order_from_payload(shopify_demo.rest_order(node, shop.id), shop))
    await save_branding(services, shop, Branding(accent=ACCENT))
    return f"/o/{page_token(services, shop, node['legacyResourceId'])}"


async def _serious(page: Page) -> list[tuple[str, str, list[str]]]:
    await page.evaluate(axe_source())
    found: list[dict[str, Any]] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [
        (v["id"], v["help"], [n["html"][:120] for n in v["nodes"]])
        for v in found
        if v.get("impact") in ("serious", "critical")
    ]


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
async def test_the_page_passes_axe_loads_nothing_from_elsewhere_and_wears_the_merchants_colour(
    browser: Browser, live_server: str, services: Services, shop: ShopRef, width: str
) -> None:
    path = await _order_page(services, shop)
    context = await browser.new_context(viewport=WIDTHS[width])
    elsewhere: list[str] = []

    async def only_the_app(route: Route) -> None:
        if route.request.url.startswith(live_server):
            await route.continue_()
        else:
            elsewhere.append(route.request.url)
            await route.abort()

    await context.route("**/*", only_the_app)
    page = await context.new_page()
    answer = await page.goto(live_server + path)
    assert answer is not None and answer.status == 200
    assert await page.locator("[data-shipment]").count() == 2
    assert await page.locator("[data-exception=failed]").count() == 1
    assert elsewhere == []
    assert await _serious(page) == []
    colour = await page.eval_on_selector("form button", "b => getComputedStyle(b).backgroundColor")
    assert colour == "rgb(122, 31, 92)"  # ACCENT
    assert await page.evaluate("document.documentElement.scrollWidth") <= WIDTHS[width]["width"]
    await close_context(context)


async def test_the_message_form_works_with_javascript_off(
    browser: Browser, live_server: str, services: Services, shop: ShopRef
) -> None:
    path = await _order_page(services, shop)
    context = await browser.new_context(java_script_enabled=False, viewport=WIDTHS["390px"])
    page = await context.new_page()
    await page.goto(live_server + path)
    await page.fill("#email", "kim@example.com")
    await page.fill("#question", "The UPS parcel failed. Can you resend it?")
    async with page.expect_navigation():
        await page.click("text=Send message")
    assert "has reached Upfront Demo" in await page.inner_text("[role=status]")
    [request] = await list_requests(services, shop, status="open", limit=5)
    assert request.question == "The UPS parcel failed. Can you resend it?" and request.order is not None
    await close_context(context)
