"""The storefront as a shopper meets it: the dev store's product and cart pages in headless Chromium, with the app
embed loading the real script from a real server."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from playwright.async_api import Browser, Page, Request

from plugin.keys import ShopRef
from plugin.services import Services
from tests.browser.conftest import axe_source, close_context, new_context, visitor_in
from tests.help.conftest import change_help
from widgets.outcomes import read_outcomes
from widgets.settings import default_settings, save_widget_settings

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

SHOP = "upfront-demo.myshopify.com"
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
TREATMENT_VISITOR = visitor_in(SHOP, control=False)
CONTROL_VISITOR = visitor_in(SHOP, control=True)


async def widgets_rendered(page: Page) -> None:
    await page.wait_for_selector("[data-upfront-slot=estimate] [data-upfront-widget=estimate]")
    await page.wait_for_selector("[data-upfront-slot=badges][data-upfront-placement=product] [data-upfront-badge]")
    await page.wait_for_selector("footer [data-upfront-badge]")


async def shifts(page: Page) -> list[dict[str, Any]]:
    await page.wait_for_timeout(300)  # let late shifts, if any, be reported
    found: list[dict[str, Any]] = await page.evaluate("window.__upfrontShifts")
    return found


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_the_product_page_shows_the_estimate_and_true_badges_without_layout_shift(
    browser: Browser, live_server: str, device: dict[str, Any]
) -> None:
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **device)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await widgets_rendered(page)
    estimate = await page.inner_text("[data-upfront-widget=estimate]")
    assert "Shipping to Germany" in estimate
    assert "Standard" in estimate and "4,90 €" in estimate
    assert "Add 25,10 € more for free shipping" in estimate
    product_badges = await page.inner_text("[data-upfront-slot=badges][data-upfront-placement=product]")
    assert "Secure checkout" in product_badges
    assert "Free returns within 30 days" in product_badges  # the refund policy's 30 days, confirmed free
    assert "30-day money-back guarantee" in product_badges
    footer = await page.inner_text("footer [data-upfront-widget=badges]")
    # Not "free shipping over 50 €": the fragile mug's delivery profile has none. The merchant's days hold for all.
    assert "Delivery to Germany in 2–4 business days" in footer and "Free shipping" not in footer
    assert "Shop Pay, Apple Pay, and Google Pay" in footer  # Shopify's supported digital wallets, as synced
    assert "Hours (Berlin time): Mon–Fri 9:00–17:00; Sat 10:00–14:00" in footer  # the help settings' hours
    assert "Secure checkout" not in footer  # the product's own row says it already: each badge once
    assert await page.get_attribute("[data-upfront-placement=product] [data-upfront-badge=money_back] a", "href") == (
        "https://upfront-demo.example/policies/refund-policy"
    )
    assert await shifts(page) == []
    await close_context(context)


async def test_a_shopper_browsing_in_dollars_sees_the_estimate_and_badges_in_dollars(
    browser: Browser, live_server: str
) -> None:
    # The demo store's currency links switch the storefront (as Shopify's ?currency= and cart_currency cookie do):
    # prices, cart.js and Shopify.currency {active, rate} are then in USD, and the script sends currency and rate.
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote?currency=USD")
    await widgets_rendered(page)
    assert "$27.00" in await page.inner_text(".price")  # 24.90 EUR at the storefront's 1.0843
    estimate = await page.inner_text("[data-upfront-widget=estimate]")
    assert "Standard" in estimate and "$5.31" in estimate and "€" not in estimate
    assert "Add $27.22 more for free shipping" in estimate
    # The choice is kept: the next page (no ?currency=) is still in dollars, in Swiss francs after switching.
    await page.goto(f"{live_server}/devstore/products/enamel-mug")
    await widgets_rendered(page)
    assert "$" in await page.inner_text("[data-upfront-widget=estimate]")
    await page.click("[data-dev-currency=CHF]")
    await page.wait_for_url("**currency=CHF")
    await widgets_rendered(page)
    assert "CHF" in await page.inner_text("[data-upfront-widget=estimate]")  # the shop's manual CHF rate
    assert await shifts(page) == []
    await close_context(context)


async def test_the_cart_page_estimates_for_the_cart(browser: Browser, live_server: str) -> None:
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/merino-scarf")
    await page.fill("input[name=quantity]", "2")
    await page.click("button[name=add]")
    await page.wait_for_url("**/devstore/cart")
    await page.wait_for_selector("[data-upfront-widget=estimate]")
    estimate = await page.inner_text("[data-upfront-widget=estimate]")
    assert "Free shipping" in estimate and "Free" in estimate
    assert "Your order qualifies for free shipping" in estimate
    await page.wait_for_selector("[data-upfront-placement=cart] [data-upfront-badge]")
    assert await shifts(page) == []
    await close_context(context)


async def test_the_estimate_is_keyboard_operable_and_announces_the_new_destination(
    browser: Browser, live_server: str
) -> None:
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await widgets_rendered(page)
    for _ in range(40):
        await page.keyboard.press("Tab")
        if await page.evaluate("document.activeElement.hasAttribute('data-upfront-toggle')"):
            break
    else:
        pytest.fail("Tab never reached the estimate's 'Change destination' button")
    assert await page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "false"
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.name") == "country"
    assert await page.get_attribute("[data-upfront-toggle]", "aria-expanded") == "true"
    await page.keyboard.press("Home")  # Austria, first by name
    await page.keyboard.press("Tab")
    await page.keyboard.type("1010")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Enter")
    await page.wait_for_function(
        "document.querySelector('[data-upfront-widget=estimate]').textContent.includes('Austria, 1010')"
    )
    assert "9,90 €" in await page.inner_text("[data-upfront-widget=estimate]")
    assert await page.get_attribute("[data-upfront-slot=estimate]", "aria-live") == "polite"
    assert await page.evaluate("document.activeElement.hasAttribute('data-upfront-toggle')")
    await close_context(context)


async def test_axe_finds_no_violations_in_the_apps_markup(browser: Browser, live_server: str) -> None:
    source = axe_source()
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await widgets_rendered(page)
    await page.add_script_tag(content=source)
    run = "axe.run({include: [['[data-upfront-slot]']]}, {resultTypes: ['violations']}).then(r => r.violations)"
    collapsed = await page.evaluate(run)
    await page.click("[data-upfront-toggle]")
    expanded = await page.evaluate(run)
    summary = [(v["id"], v["help"], [n["html"][:120] for n in v["nodes"]]) for v in collapsed + expanded]
    assert summary == []
    await close_context(context)


async def test_merchant_text_with_markup_shows_as_text(
    browser: Browser, services: Services, shop: ShopRef, live_server: str
) -> None:
    hostile_heading = '<img src=x onerror="window.__pwned=1">'
    hostile_hours = '<script>window.__pwned=2</script>" onerror="window.__pwned=3'
    defaults = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(
        services.redis,
        services.keys,
        shop,
        {"estimator": {"heading": hostile_heading}, "badges": {"kinds": ["support"], "support_hours": hostile_hours}},
        defaults,
    )
    await change_help(services, shop, {"hours": None})  # so the support badge shows the merchant's own text
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await page.wait_for_selector("[data-upfront-widget=estimate]")
    await page.wait_for_selector("[data-upfront-badge=support]")
    assert hostile_heading in await page.inner_text("[data-upfront-widget=estimate]")
    assert "<script>window.__pwned=2</script>" in await page.inner_text(
        "[data-upfront-slot=badges][data-upfront-placement=product]"
    )
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("[data-upfront-slot] img, [data-upfront-slot] script").count() == 0
    await close_context(context)


async def wait_for_outcomes(services: Services, shop: ShopRef, key: tuple[str, str, str]) -> dict[Any, int]:
    """Beacons arrive after the page moves on: poll the day's counts (shop time) for a while."""
    day = datetime.now(ZoneInfo("Europe/Berlin")).date()
    for _ in range(50):
        counts = await read_outcomes(services.redis, services.keys, shop, day)
        if key in counts:
            return counts
        await asyncio.sleep(0.1)
    return await read_outcomes(services.redis, services.keys, shop, day)


async def test_without_consent_nothing_is_reported_and_the_cart_is_not_tagged(
    browser: Browser, services: Services, shop: ShopRef, live_server: str
) -> None:
    sent: list[str] = []
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    page.on("request", lambda request: sent.append(request.url))
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await widgets_rendered(page)
    await page.click("[data-upfront-toggle]")
    await page.click("button[name=add]")
    await page.wait_for_url("**/devstore/cart")
    await page.wait_for_selector("[data-upfront-widget=estimate]")
    cart = await page.evaluate("fetch('/devstore/cart.js').then(r => r.json())")
    await page.goto(f"{live_server}/devstore/?app=off")
    assert not [url for url in sent if "/events" in url or "cart/update.js" in url]
    assert cart["attributes"] == {}
    assert await page.evaluate("localStorage.getItem('upfront_vid')") is None
    day_counts = await wait_for_outcomes(services, shop, ("estimate", "treatment", "impression"))
    assert day_counts == {}
    await close_context(context)


async def test_with_consent_outcomes_are_counted_and_the_cart_carries_the_variant(
    browser: Browser, services: Services, shop: ShopRef, live_server: str
) -> None:
    context = await new_context(browser, consent="yes", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await widgets_rendered(page)
    await page.click("button[name=add]")
    await page.wait_for_url("**/devstore/cart")
    counts = await wait_for_outcomes(services, shop, ("estimate", "treatment", "add_to_cart"))
    assert counts[("estimate", "treatment", "impression")] >= 1
    assert counts[("estimate", "treatment", "add_to_cart")] == 1
    assert counts[("badges", "treatment", "add_to_cart")] == 1
    assert not any(variant == "control" for _, variant, _ in counts)
    cart = await page.evaluate("fetch('/devstore/cart.js').then(r => r.json())")
    assert cart["attributes"] == {"_upfront_variant": "treatment"}
    assert await page.evaluate("localStorage.getItem('upfront_vid')") == TREATMENT_VISITOR
    await close_context(context)


async def test_the_holdout_control_group_sees_nothing_and_nothing_moves(
    browser: Browser, services: Services, shop: ShopRef, live_server: str
) -> None:
    responses: list[str] = []
    context = await new_context(browser, consent="yes", visitor=CONTROL_VISITOR, **DESKTOP)
    page = await context.new_page()
    page.on("response", lambda response: responses.append(response.headers.get("x-upfront-variant", "")))
    await page.goto(f"{live_server}/devstore/products/canvas-tote")
    await page.wait_for_function("window.UpfrontWidgets !== undefined")
    await page.wait_for_timeout(500)
    assert "control" in responses
    assert await page.locator("[data-upfront-widget]").count() == 0
    assert await shifts(page) == []
    await page.click("button[name=add]")
    await page.wait_for_url("**/devstore/cart")
    counts = await wait_for_outcomes(services, shop, ("estimate", "control", "add_to_cart"))
    assert counts[("estimate", "control", "impression")] == 1
    assert counts[("estimate", "control", "add_to_cart")] == 1
    await close_context(context)


async def test_the_page_without_the_app_makes_no_app_requests(browser: Browser, live_server: str) -> None:
    requested: list[Request] = []
    context = await new_context(browser, consent="no", **DESKTOP)
    page = await context.new_page()
    page.on("request", lambda request: requested.append(request))
    await page.goto(f"{live_server}/devstore/products/canvas-tote?app=off")
    await page.wait_for_load_state("networkidle")
    assert [
        r.url for r in requested if "upfront." in r.url or "/apps/upfront" in r.url or "/storefront/" in r.url
    ] == []
    assert json.loads(await page.evaluate("JSON.stringify(window.__upfrontShifts)")) == []
    await close_context(context)


async def test_without_theme_slots_the_script_places_its_own_below_the_fold(browser: Browser, live_server: str) -> None:
    context = await new_context(browser, consent="no", visitor=TREATMENT_VISITOR, **DESKTOP)
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote?slots=off")
    await page.wait_for_selector("main .upfront-auto [data-upfront-widget=estimate]", state="attached")
    top = await page.evaluate("document.querySelector('.upfront-auto').getBoundingClientRect().top")
    assert top >= 800  # appended where the shopper has not scrolled yet
    assert await page.locator(".upfront-fixed").count() == 0
    assert await shifts(page) == []
    await close_context(context)


async def test_on_a_short_page_the_own_slot_floats_and_can_be_closed_by_keyboard(
    browser: Browser, live_server: str
) -> None:
    context = await new_context(
        browser, consent="no", visitor=TREATMENT_VISITOR, viewport={"width": 1280, "height": 2400}
    )
    page = await context.new_page()
    await page.goto(f"{live_server}/devstore/products/canvas-tote?slots=off")
    await page.wait_for_selector(".upfront-fixed [data-upfront-widget=estimate]")
    assert await page.evaluate("getComputedStyle(document.querySelector('.upfront-fixed')).position") == "fixed"
    assert await shifts(page) == []
    await page.focus(".upfront-fixed button.upfront-x")
    assert await page.get_attribute(".upfront-fixed button.upfront-x", "aria-label") == "Close"
    await page.keyboard.press("Enter")
    assert await page.locator(".upfront-fixed").count() == 0
    await close_context(context)
