"""The widgets in every shipped locale on a 360 px phone, in real Chromium (French, German, Italian and Polish have
the longest wording): the layout checks of tests/browser/test_layout.py (no text clipped or cut with "…", nothing
over the buy button, the space the theme reserves holding what the widgets show), each widget marked with its
language, and the help prompt, opened by the shopper, whole inside the screen with its close button named in the
shopper's language."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from playwright.async_api import Browser, Page
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import create_app
from plugin.catalogs import LOCALES, messages
from plugin.devstore.storefront import CART_COOKIE, seed_demo_shop, storefront_routes
from plugin.services import Services
from plugin.settings import Settings
from tests.browser.conftest import LiveServer, close_context, new_context, visitor_in
from tests.browser.test_layout import A_FULL_CART, PAGES, problems_at, settle, show_help_prompt

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

PHONE = 360
SHOP = "upfront-demo.myshopify.com"

# Elements of the opened prompt whose text does not fit their box, and whether the box leaves the screen.
PROMPT_PROBLEMS = """() => {
  const box = document.querySelector(".upfront-fixed[aria-live]");
  const problems = [];
  const r = box.getBoundingClientRect();
  if (r.left < 0 || r.right > innerWidth + 1) problems.push("prompt wider than the screen: " + r.left + "–" + r.right);
  for (const el of box.querySelectorAll("[data-upfront-widget=help] *")) {
    const b = el.getBoundingClientRect();
    if (!b.width || !b.height || /^(SELECT|INPUT|TEXTAREA|OPTION)$/.test(el.tagName)) continue;
    if (getComputedStyle(el).display === "inline" || !el.textContent.trim()) continue;
    if (el.scrollWidth > el.clientWidth + 1) problems.push("text wider than its box: " + el.tagName.toLowerCase()
      + " «" + el.textContent.replace(/\\s+/g, " ").trim().slice(0, 40) + "»");
  }
  return problems;
}"""


@pytest.fixture
async def seeded(services: Services) -> None:
    await seed_demo_shop(services, install=True)


@pytest.fixture
def storefronts(settings: Settings, listener: socket.socket, seeded: None) -> Iterator[str]:
    """The Shopify demo storefront once per locale, at /devstore-<locale> (the page's lang is the shopper's)."""
    app: Starlette = create_app(settings)
    for locale in LOCALES:
        app.router.routes.append(Mount(f"/devstore-{locale}", routes=storefront_routes(locale=locale)))
    with LiveServer(app, listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def open_prompt(page: Page) -> None:
    for top in range(0, 4000, 100):  # to where the launcher has a free place
        await page.evaluate("(y) => window.scrollTo(0, y)", top)
        await settle(page)
        if await page.is_visible(".upfront-fixed .upfront-lc"):
            break
    await page.click(".upfront-fixed .upfront-lc")
    await page.wait_for_selector(".upfront-fixed [data-upfront-widget=help]", state="visible")


@pytest.mark.parametrize("locale", LOCALES)
async def test_every_locale_reads_whole_on_a_phone(browser: Browser, storefronts: str, locale: str) -> None:
    problems: list[str] = []
    for kind, path in PAGES.items():
        context = await new_context(
            browser, consent="no", visitor=visitor_in(SHOP, control=False), viewport={"width": PHONE, "height": 800}
        )
        await context.add_cookies([{"name": CART_COOKIE, "value": A_FULL_CART, "url": storefronts}])
        page = await context.new_page()
        await page.goto(f"{storefronts}/devstore-{locale}{path}")
        await page.wait_for_selector(f"[data-upfront-widget=estimate][lang={locale}]")
        await page.wait_for_selector(f"[data-upfront-placement={kind}] [data-upfront-badge]")
        await page.wait_for_load_state("networkidle")
        assert await page.locator("[data-upfront-widget=badges]").first.get_attribute("lang") == locale
        estimate = await page.inner_text("[data-upfront-widget=estimate]")
        assert messages("storefront", locale).text("estimate_label") in estimate
        await show_help_prompt(page)
        problems += [f"{kind} {line}" for line in await problems_at(page, PHONE)]
        await open_prompt(page)
        assert await page.get_attribute(".upfront-fixed[aria-live] > .upfront-x", "aria-label") == messages(
            "help", locale
        ).text("close")
        assert await page.get_attribute("[data-upfront-widget=help]", "lang") == locale
        problems += [f"{kind} prompt: {line}" for line in await page.evaluate(PROMPT_PROBLEMS)]
        await close_context(context)
    assert problems == [], "\n".join(problems)


@pytest.mark.parametrize("locale", ["de", "ja"])
async def test_a_floated_estimates_close_button_speaks_the_shoppers_language(
    browser: Browser, storefronts: str, locale: str
) -> None:
    # No theme slots and a short page: the script floats its own box, with a close button named in the locale.
    context = await new_context(
        browser, consent="no", visitor=visitor_in(SHOP, control=False), viewport={"width": 1280, "height": 2400}
    )
    page = await context.new_page()
    await page.goto(f"{storefronts}/devstore-{locale}/products/canvas-tote?slots=off")
    await page.wait_for_selector(".upfront-fixed [data-upfront-widget=estimate]")
    label = await page.get_attribute(".upfront-fixed > .upfront-x", "aria-label")
    assert label == messages("storefront", locale).text("close")
    await close_context(context)
