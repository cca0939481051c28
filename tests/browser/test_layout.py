"""The widgets' layout on both demo shops' product and cart pages at phone, tablet and desktop widths: no widget text
clipped or cut with "…", no widget over another or over the page's buy button (the help prompt's launcher
included, wherever the page is scrolled), each badge once, nothing wider than the viewport, and the space the
theme reserves holding what the widgets show. One browser; each page is loaded once and its viewport resized.

With UPFRONT_SCREENSHOTS=<dir> set, each page is also saved there at 390 and 1280 px (whole, and as the viewport
shows it with the launcher)."""

from __future__ import annotations

import os
import socket
from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import create_app
from plugin.bigcommerce.mapping import shop_facts_from_store
from plugin.currencies import currencies_from_bigcommerce, with_currencies
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, demo_store
from plugin.devstore.storefront import (
    CART_COOKIE,
    DEMO_HELP_SETTINGS,
    DEMO_WIDGET_SETTINGS,
    seed_demo_shop,
    storefront_routes,
)
from plugin.keys import ShopRef
from plugin.rates import ShippingSetup, zones_from_bigcommerce
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import save_facts, save_shipping_setup
from plugin.shops import StoredToken
from tests.browser.conftest import LiveServer, close_context, new_context, visitor_in
from widgets.help.settings import default_help_settings, save_help_settings
from widgets.settings import default_settings, save_widget_settings

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

WIDTHS = (360, 390, 768, 1280, 1920)
SCREENSHOT_WIDTHS = (390, 1280)
BIGCOMMERCE_STOREFRONT = "/bcstore"
# Shopify's demo shop behind the emulated app proxy; the BigCommerce demo store calling /storefront/bigcommerce/...
SHOPS = {
    "shopify": ("/devstore", "upfront-demo.myshopify.com"),
    "bigcommerce": (BIGCOMMERCE_STOREFRONT, DEMO_STORE_HASH),
}
PAGES = {"product": "/products/canvas-tote", "cart": "/cart"}
A_FULL_CART = "canvas-tote_1.merino-scarf_2"
# What a shopper clicks to buy: the product form's button, the cart's checkout link.
BUY_BUTTONS = "form[action*='/cart/add'] [type=submit], a.button[href='#checkout']"

# Every problem the page shows, as readable lines: [] is a page that reads right.
LAYOUT_PROBLEMS = """(buy) => {
  const problems = [];
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0
    && getComputedStyle(el).visibility !== "hidden"; };
  const name = (el) => el.tagName.toLowerCase()
    + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\\s+/).join(".") : "")
    + " «" + el.textContent.replace(/\\s+/g, " ").trim().slice(0, 40) + "»";
  const widgets = [...document.querySelectorAll("[data-upfront-widget]")].filter(shown)
    .filter((el) => !el.closest(".upfront-fixed"));
  for (const widget of widgets) {
    for (const el of [widget, ...widget.querySelectorAll("*")]) {
      if (!shown(el) || el.closest("svg") || /^(SELECT|INPUT|TEXTAREA|OPTION)$/.test(el.tagName)) continue;
      const style = getComputedStyle(el);
      if (style.display === "inline" || !el.textContent.trim()) continue;
      if (el.scrollWidth > el.clientWidth + 1) problems.push("text wider than its box: " + name(el)
        + " " + el.scrollWidth + " > " + el.clientWidth);
      if (style.textOverflow === "ellipsis" && style.overflowX !== "visible") problems.push("ellipsis: " + name(el));
    }
  }
  const launcher = document.querySelector(".upfront-fixed");
  const guarded = [...widgets, ...document.querySelectorAll(buy)].filter(shown);
  const boxes = launcher && shown(launcher) ? [...guarded, launcher] : guarded;
  const over = (a, b) => { const r = a.getBoundingClientRect(), o = b.getBoundingClientRect();
    return Math.min(r.right, o.right) - Math.max(r.left, o.left) > 1
      && Math.min(r.bottom, o.bottom) - Math.max(r.top, o.top) > 1; };
  for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) {
    if (boxes[i].contains(boxes[j]) || boxes[j].contains(boxes[i])) continue;
    if (over(boxes[i], boxes[j])) problems.push("overlap: " + name(boxes[i]) + " / " + name(boxes[j]));
  }
  const kinds = [...document.querySelectorAll("[data-upfront-badge]")].map((el) => el.dataset.upfrontBadge);
  for (const kind of new Set(kinds)) {
    if (kinds.filter((k) => k === kind).length > 1) problems.push("badge twice: " + kind);
  }
  if (document.documentElement.scrollWidth > innerWidth) problems.push("page wider than the viewport: "
    + document.documentElement.scrollWidth + " > " + innerWidth);
  for (const slot of document.querySelectorAll("[data-upfront-slot]")) {
    const reserved = parseFloat(getComputedStyle(slot).minHeight) || 0;
    const used = [...slot.children].reduce((sum, c) => sum + c.getBoundingClientRect().height, 0);
    if (used > reserved + 1) problems.push("slot outgrows its reserved space: " + slot.dataset.upfrontSlot
      + "/" + (slot.dataset.upfrontPlacement || "") + " " + Math.round(used) + " > " + reserved);
  }
  return problems;
}"""

# The launcher must keep clear wherever the shopper scrolls: bring each guarded element to the bottom edge (where
# the launcher sits first), then to the top, and check again.
SCROLL_TARGETS = """(buy) => [...document.querySelectorAll("[data-upfront-widget], " + buy)]
  .filter((el) => !el.closest(".upfront-fixed")).map((el) => el.getBoundingClientRect().top + scrollY)"""


async def seed_bigcommerce_demo(services: Services) -> ShopRef:
    """The BigCommerce demo store as its install and sync would leave it, with the demo widget and help settings."""
    shop = ShopRef("bigcommerce", DEMO_STORE_HASH)
    store = demo_store()
    await services.shops.save_token(shop, StoredToken(access_token="bc-placeholder", scope=""))
    facts = shop_facts_from_store(shop, store.info)
    facts = replace(facts, extra=with_currencies(facts.extra, currencies_from_bigcommerce(store.currencies)))
    await save_facts(services.redis, services.keys, facts)
    zones = zones_from_bigcommerce(store.zones, store.zone_methods, weight_unit="LBS")
    setup = ShippingSetup(origin_country=facts.country, timezone=facts.timezone, currency=facts.currency, zones=zones)
    await save_shipping_setup(services.redis, services.keys, shop, setup)
    widgets = default_settings(services.settings.manifest.widgets)
    await save_widget_settings(services.redis, services.keys, shop, DEMO_WIDGET_SETTINGS, widgets)
    helps = default_help_settings(services.settings.manifest.widgets)
    await save_help_settings(services.redis, services.keys, shop, DEMO_HELP_SETTINGS, helps, facts.timezone)
    return shop


def both_storefronts(settings: Settings) -> Starlette:
    app = create_app(settings)
    app.router.routes.append(
        Mount(BIGCOMMERCE_STOREFRONT, routes=storefront_routes(platform="bigcommerce", shop=DEMO_STORE_HASH))
    )
    app.router.routes.append(Mount("/devstore", routes=storefront_routes()))
    return app


@pytest.fixture
async def demo_shops(services: Services) -> AsyncIterator[None]:
    await seed_demo_shop(services, install=True)
    await seed_bigcommerce_demo(services)
    yield


@pytest.fixture
def two_shops(settings: Settings, listener: socket.socket, demo_shops: None) -> Iterator[str]:
    with LiveServer(both_storefronts(settings), listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def show_help_prompt(page: Page) -> None:
    """The demo shops' exit-intent rule: the pointer leaving through the top of the window."""
    await page.evaluate(
        "document.dispatchEvent(new MouseEvent('mouseout', {clientX: 400, clientY: 0, relatedTarget: null}))"
    )
    await page.wait_for_selector(".upfront-fixed [data-upfront-widget=help]", state="attached")


async def settle(page: Page) -> None:
    """Two frames: the script places its launcher in the frame after a scroll or resize."""
    await page.evaluate("new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)))")


async def problems_at(page: Page, width: int) -> list[str]:
    await page.set_viewport_size({"width": width, "height": 900})
    await page.evaluate("window.scrollTo(0, 0)")
    await settle(page)
    found: list[str] = [f"{width}px: {line}" for line in await page.evaluate(LAYOUT_PROBLEMS, BUY_BUTTONS)]
    launcher_seen = await page.is_visible(".upfront-fixed .upfront-lc")
    for top in await page.evaluate(SCROLL_TARGETS, BUY_BUTTONS):
        for edge in (top - 900 + 60, top - 20):  # the element at the bottom edge, then at the top
            edge = max(0, edge)
            await page.evaluate("(y) => window.scrollTo(0, y)", edge)
            await settle(page)
            found += [
                f"{width}px, scrolled to {int(edge)}: {line}"
                for line in await page.evaluate(LAYOUT_PROBLEMS, BUY_BUTTONS)
                if line.startswith("overlap")
            ]
            launcher_seen = launcher_seen or await page.is_visible(".upfront-fixed .upfront-lc")
    if not launcher_seen:  # keeping clear must not mean never showing up
        found.append(f"{width}px: the help prompt's launcher is never visible")
    return sorted(set(found))


@pytest.mark.parametrize("platform", list(SHOPS), ids=list(SHOPS))
async def test_widgets_read_whole_and_keep_clear_at_every_width(
    browser: Browser, two_shops: str, platform: str
) -> None:
    mount, shop = SHOPS[platform]
    problems: list[str] = []
    for kind, path in PAGES.items():
        context = await new_context(
            browser, consent="no", visitor=visitor_in(shop, control=False), viewport={"width": 1280, "height": 900}
        )
        await context.add_cookies([{"name": CART_COOKIE, "value": A_FULL_CART, "url": two_shops}])
        page = await context.new_page()
        await page.goto(two_shops + mount + path)
        await page.wait_for_selector("[data-upfront-slot=estimate] [data-upfront-widget=estimate]")
        await page.wait_for_selector(f"[data-upfront-placement={kind}] [data-upfront-badge]")
        await page.wait_for_load_state("networkidle")  # the footer's badges too, if it has any left to show
        await show_help_prompt(page)
        for width in WIDTHS:
            problems += [f"{platform} {kind} {line}" for line in await problems_at(page, width)]
            if (folder := os.environ.get("UPFRONT_SCREENSHOTS")) and width in SCREENSHOT_WIDTHS:
                await page.evaluate("window.scrollTo(0, 0)")
                await page.screenshot(path=Path(folder) / f"{platform}-{kind}-{width}.png", full_page=True)
                await page.screenshot(path=Path(folder) / f"{platform}-{kind}-{width}-viewport.png")
        if folder := os.environ.get("UPFRONT_SCREENSHOTS"):  # and the prompt, opened by the shopper, on a phone
            await page.set_viewport_size({"width": 390, "height": 844})
            for top in range(0, 3000, 100):  # to where the launcher has a free place
                await page.evaluate("(y) => window.scrollTo(0, y)", top)
                await settle(page)
                if await page.is_visible(".upfront-fixed .upfront-lc"):
                    break
            await page.click(".upfront-fixed .upfront-lc")
            await page.screenshot(path=Path(folder) / f"{platform}-{kind}-390-prompt.png")
        await close_context(context)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("platform", list(SHOPS), ids=list(SHOPS))
async def test_the_demo_shops_home_page_fits_every_width(browser: Browser, two_shops: str, platform: str) -> None:
    # The first page a newcomer opens: its product grid must not push the page sideways on a phone.
    mount, _ = SHOPS[platform]
    context = await new_context(browser, consent="no", viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    await page.goto(two_shops + mount + "/")
    too_wide = []
    for width in WIDTHS:
        await page.set_viewport_size({"width": width, "height": 900})
        scroll_width = await page.evaluate("document.documentElement.scrollWidth")
        if scroll_width > width:
            too_wide.append(f"{width}px: page is {scroll_width}px wide")
    await close_context(context)
    assert too_wide == []
