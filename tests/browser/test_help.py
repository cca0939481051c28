"""The help prompt as a shopper meets it on the demo shop in headless Chromium: the real app (its widget routes given a
fixed clock, so "online" and "offline" are the test's choice) served by uvicorn on loopback, a real SMTP server for
the forwarded request, and the rules stored the way the admin stores them."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Awaitable, Callable, Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Browser, BrowserContext, Page
from starlette.applications import Starlette

from plugin.app import build_job_handlers
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.proxy import proxy_context, proxy_mount
from tests.browser.conftest import LiveServer, axe_source, close_context, new_context, storefront_app, visitor_in
from tests.help.conftest import TUESDAY_MORNING, TUESDAY_NIGHT, Clock, change_help
from tests.smtp import Inbox, free_port
from widgets.outcomes import read_outcomes
from widgets.routes import proxy_widget_routes, widget_routes

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

SHOP = "upfront-demo.myshopify.com"
PRODUCT = "/devstore/products/canvas-tote"
OTHER_PRODUCT = "/devstore/products/merino-scarf"
PROMPT = "[data-upfront-widget=help]"
SHOPPER = "lena.kunde@example.org"
BERLIN: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}, "timezone_id": "Europe/Berlin"}
PHONE: dict[str, Any] = {
    "viewport": {"width": 390, "height": 844},
    "is_mobile": True,
    "has_touch": True,
    "timezone_id": "Europe/Berlin",
}
TREATMENT = visitor_in(SHOP, control=False)
CONTROL = visitor_in(SHOP, control=True)


def rule(rule_id: str, trigger: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"id": rule_id, "trigger": trigger, "where": {"pages": ["product", "cart"]}, **extra}


IDLE = rule("hesitating", {"type": "idle", "seconds": 1})


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, str]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, f"smtp://127.0.0.1:{port}"
    controller.stop()


@pytest.fixture
def test_env(test_env: dict[str, str], smtp: tuple[Inbox, str]) -> dict[str, str]:
    test_env["UPFRONT_SMTP_URL"] = smtp[1]  # this app instance forwards help requests to the loopback server
    smtp[0].messages.clear()
    return test_env


@pytest.fixture
def clock() -> Clock:
    return Clock(TUESDAY_MORNING)


def clocked_app(settings: Settings, clock: Clock) -> Starlette:
    """The whole app with the dev storefront, as `upfront dev` serves it, except that the widget routes (direct and
    behind the app proxy) read the test's clock: they are placed first, so they answer before the app's own."""
    app = storefront_app(settings)
    app.router.routes[:0] = [
        *widget_routes(clock=clock),
        proxy_mount(proxy_widget_routes(lambda request: proxy_context(request).shop, clock=clock)),
    ]
    return app


Starter = Callable[[dict[str, Any]], Awaitable[str]]


@pytest.fixture
def start(
    settings: Settings, listener: socket.socket, shop: ShopRef, services: Services, clock: Clock
) -> Iterator[Starter]:
    """`base = await start(changes)`: store help settings over the demo shop's, then serve the app."""
    servers: list[LiveServer] = []

    async def starter(changes: dict[str, Any]) -> str:
        await change_help(services, shop, changes)
        server = LiveServer(clocked_app(settings, clock), listener)
        servers.append(server.__enter__())
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield starter
    for server in servers:
        server.__exit__()


async def visitor(
    browser: Browser, *, consent: str = "no", visitor: str = TREATMENT, device: dict[str, Any] = BERLIN
) -> BrowserContext:
    """A fresh shopper (fresh storage) in Berlin on a desktop unless told otherwise."""
    return await new_context(browser, consent=consent, visitor=visitor, **device)


async def no_prompt_for(page: Page, seconds: float) -> bool:
    await page.wait_for_timeout(seconds * 1000)
    return await page.locator(PROMPT).count() == 0


async def open_prompt(page: Page, timeout: float) -> None:
    """The prompt arrives as a launcher in a corner where it covers no widget, buy button or navigation; the
    shopper opens it, after scrolling a little when no corner is free where they are."""
    launcher = page.locator(".upfront-fixed .upfront-lc")
    await launcher.wait_for(state="attached", timeout=timeout)
    for _ in range(30):
        if await launcher.is_visible():
            break
        await page.evaluate("window.scrollBy(0, 120)")
        await page.wait_for_timeout(50)
    await launcher.click()
    await page.wait_for_selector(PROMPT)


async def tab_to(page: Page, selector: str, presses: int = 60) -> None:
    for _ in range(presses):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return
    pytest.fail(f"Tab never reached {selector}")


async def test_idle_shows_the_prompt_once_and_the_session_cap_holds_across_page_loads(
    browser: Browser, start: Starter
) -> None:
    base = await start({"rules": [IDLE], "caps": {"per_session": 1, "every_days": 0, "dismiss_days": 7}})
    context = await visitor(browser)
    page = await context.new_page()
    await page.goto(base + PRODUCT)
    await open_prompt(page, 8000)
    assert await page.locator(PROMPT).count() == 1
    assert "Can we help?" in await page.inner_text(PROMPT)
    assert await no_prompt_for(page, 0) is False
    await page.mouse.move(200, 300)  # activity, then idle again: still the one prompt
    await page.wait_for_timeout(1500)
    assert await page.locator(PROMPT).count() == 1
    # Same tab, next page: this session has had its prompt.
    await page.goto(base + OTHER_PRODUCT)
    await page.wait_for_selector("[data-upfront-widget=estimate]")
    assert await no_prompt_for(page, 2.5)
    # A new tab is a new session; the prompt was never dismissed, so it may come once more.
    second = await context.new_page()
    await second.goto(base + PRODUCT)
    await open_prompt(second, 8000)
    assert await second.evaluate("JSON.parse(sessionStorage.getItem('upfront_hs')).n") == 1
    assert await second.evaluate("localStorage.getItem('upfront_hl')") is None  # no day cap: nothing kept
    await close_context(context)


async def test_a_dismissal_is_respected_across_sessions_for_the_shops_days(browser: Browser, start: Starter) -> None:
    base = await start({"rules": [IDLE], "caps": {"per_session": 3, "dismiss_days": 7}})
    context = await visitor(browser)
    page = await context.new_page()
    await page.goto(base + PRODUCT)
    await open_prompt(page, 8000)
    await page.focus(f"{PROMPT} summary")
    await page.keyboard.press("Escape")
    assert await page.locator(PROMPT).count() == 0
    await page.reload()
    assert await no_prompt_for(page, 2.5)
    later = await context.new_page()  # a new session in the same browser
    await later.goto(base + OTHER_PRODUCT)
    assert await no_prompt_for(later, 2.5)
    assert await later.evaluate("JSON.parse(localStorage.getItem('upfront_hl')).d") > 0
    stranger = await visitor(browser)  # someone else (or cleared storage) still gets help
    fresh = await stranger.new_page()
    await fresh.goto(base + PRODUCT)
    await open_prompt(fresh, 8000)
    await close_context(context)
    await close_context(stranger)


async def test_exit_intent_on_desktop_and_a_fast_scroll_up_on_a_phone(browser: Browser, start: Starter) -> None:
    base = await start({"rules": [rule("leaving", {"type": "exit_intent"})]})
    desktop = await visitor(browser)
    page = await desktop.new_page()
    await page.goto(base + PRODUCT)
    await page.wait_for_selector("[data-upfront-widget=estimate]")
    assert await no_prompt_for(page, 1)
    await page.mouse.move(640, 400)
    await page.mouse.move(640, 5, steps=5)
    await page.mouse.move(640, -20, steps=2)  # out through the top, towards the tabs and the address bar
    await open_prompt(page, 5000)
    assert "Before you go" in await page.inner_text(PROMPT)

    phone = await visitor(browser, device=PHONE)
    small = await phone.new_page()
    await small.goto(base + PRODUCT)
    await small.wait_for_selector("[data-upfront-widget=estimate]")
    await small.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    await small.wait_for_timeout(200)
    assert await small.locator(PROMPT).count() == 0  # reading down is not leaving
    await small.evaluate("window.scrollTo(0, 0)")
    await open_prompt(small, 5000)
    await close_context(desktop)
    await close_context(phone)


async def test_the_human_path_is_reachable_by_keyboard_and_a_request_reaches_the_merchant(
    browser: Browser, start: Starter, services: Services, shop: ShopRef, smtp: tuple[Inbox, str]
) -> None:
    inbox = smtp[0]
    base = await start({"rules": [IDLE], "support_email": "support@upfront-demo.example"})
    context = await visitor(browser)
    page = await context.new_page()
    await page.goto(base + PRODUCT)
    await page.click("button[name=add]")  # something in the cart to share
    await page.wait_for_url("**/devstore/cart")
    await page.locator(".upfront-fixed .upfront-lc").wait_for(timeout=8000)
    await tab_to(page, ".upfront-fixed .upfront-lc")  # the launcher is a button in the tab order
    await page.keyboard.press("Enter")
    assert await page.evaluate("document.activeElement.dataset.upfrontWidget") == "help"  # focus moves in
    assert "We're online now and typically reply within 2 hours." in await page.inner_text(PROMPT)
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    await tab_to(page, f"{PROMPT} [data-upfront-escalate=email]")
    assert await page.evaluate("document.activeElement.href") == "mailto:hello@upfront-demo.example"
    await tab_to(page, f"{PROMPT} summary[data-upfront-escalate=form]", presses=10)
    await page.keyboard.press("Enter")
    await tab_to(page, f"{PROMPT} input[name=email]", presses=3)
    await page.keyboard.type(SHOPPER)
    await page.keyboard.press("Tab")
    await page.keyboard.type("Can I still change the colour of my tote?")
    await page.keyboard.press("Tab")
    await page.keyboard.press("Space")  # share the cart: the shopper's explicit choice
    await tab_to(page, f"{PROMPT} button[type=submit]", presses=4)
    await page.keyboard.press("Enter")
    status = page.locator(f"{PROMPT} [role=status]")
    await status.wait_for()
    await page.wait_for_function(
        "document.querySelector('[data-upfront-widget=help] [role=status]').textContent.includes('Thanks')"
    )
    assert await status.inner_text() == f"Thanks! We'll reply to {SHOPPER} within 2 hours."
    assert await page.evaluate("document.activeElement.getAttribute('role')") == "status"

    assert await run_due_jobs(services, build_job_handlers()) == 1  # the worker, with this instance's SMTP URL
    (message,) = inbox.messages
    assert message["To"] == "support@upfront-demo.example" and message["Reply-To"] == SHOPPER
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = str(body.get_content())
    assert "Can I still change the colour of my tote?" in text
    assert "1 x canvas-tote at 24.90" in text and "Page: /devstore/cart" in text
    await close_context(context)


async def test_outside_business_hours_the_prompt_says_when_someone_is_back_in_the_shops_time(
    browser: Browser, start: Starter, clock: Clock
) -> None:
    clock.now = TUESDAY_NIGHT  # 21:00 in Berlin
    base = await start({"rules": [IDLE]})
    context = await visitor(browser)
    page = await context.new_page()
    await page.goto(base + PRODUCT)
    await open_prompt(page, 8000)
    said = await page.inner_text(f"{PROMPT} [data-upfront-status]")
    assert (
        said == "We're offline right now. We're back tomorrow at 9:00 (Berlin time) and will answer your message then."
    )
    assert await page.get_attribute(f"{PROMPT} [data-upfront-write]", "open") == ""  # the form is ready
    assert await page.is_visible(f"{PROMPT} input[name=email]")
    elsewhere = await visitor(browser, device={**BERLIN, "timezone_id": "America/New_York"})
    abroad = await elsewhere.new_page()
    await abroad.goto(base + PRODUCT)
    await open_prompt(abroad, 8000)
    # Someone in New York reads the shop's clock, named, as in the hours beside it.
    assert "back tomorrow at 9:00 (Berlin time)" in await abroad.inner_text(f"{PROMPT} [data-upfront-status]")
    assert "Hours (Berlin time): Mon–Fri 9:00–17:00; Sat 10:00–14:00" in await abroad.inner_text(PROMPT)
    await close_context(context)
    await close_context(elsewhere)


async def test_a_costly_estimate_prompts_with_the_estimators_own_answer(
    browser: Browser, start: Starter, services: Services, shop: ShopRef, clock: Clock
) -> None:
    pricey = rule("pricey", {"type": "shipping_estimate", "above": "15"})
    base = await start({"rules": [pricey]})
    context = await visitor(browser, consent="yes")
    page = await context.new_page()
    await page.goto(base + PRODUCT)
    await page.wait_for_selector("[data-upfront-widget=estimate]")
    assert await no_prompt_for(page, 1)  # 4,90 € to Germany is not above 15
    await page.click("[data-upfront-toggle]")
    await page.select_option("select[name=country]", "US")
    await page.click("[data-upfront-form] button[type=submit]")
    await open_prompt(page, 8000)
    said = await page.inner_text(PROMPT)
    assert "Questions about shipping?" in said
    await page.click(f"{PROMPT} summary")
    assert "International to United States: 19,90 €" in await page.inner_text(PROMPT)
    axe = await page.evaluate(
        axe_source() + f";axe.run({{include: [['{PROMPT}']]}}, {{resultTypes: ['violations']}})"
        ".then(r => r.violations.map(v => [v.id, v.help, v.nodes.map(n => n.html.slice(0, 120))]))"
    )
    assert axe == []
    await page.click(".upfront-fixed[aria-live] > .upfront-x")
    day = clock.now.astimezone(ZoneInfo("Europe/Berlin")).date()  # the shop's day, by the app's clock
    for _ in range(50):
        counts = await read_outcomes(services.redis, services.keys, shop, day)
        if ("help", "treatment", "dismissed") in counts and ("help", "treatment", "impression") in counts:
            break
        await page.goto(base + "/devstore/?app=off")  # page hide sends the queued impression
        await asyncio.sleep(0.1)
    assert counts[("help", "treatment", "impression")] == 1
    assert counts[("help", "treatment", "interaction")] == 1
    assert counts[("help", "treatment", "dismissed")] == 1
    await close_context(context)


async def test_the_holdout_never_sees_a_prompt_but_is_counted(
    browser: Browser, start: Starter, services: Services, shop: ShopRef, clock: Clock
) -> None:
    base = await start({"rules": [IDLE]})
    context = await visitor(browser, consent="yes", visitor=CONTROL)
    page = await context.new_page()
    await page.goto(base + PRODUCT)
    assert await no_prompt_for(page, 2.5)
    await page.goto(base + "/devstore/?app=off")
    day = clock.now.astimezone(ZoneInfo("Europe/Berlin")).date()  # the shop's day, by the app's clock
    for _ in range(50):
        counts = await read_outcomes(services.redis, services.keys, shop, day)
        if ("help", "control", "impression") in counts:
            break
        await asyncio.sleep(0.1)
    assert counts[("help", "control", "impression")] == 1
    await close_context(context)
