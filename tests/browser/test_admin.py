"""The admin panel as merchant staff meet it, in headless Chromium against a real server on loopback with both
platform emulators mounted: Shopify's embedded admin (App Bridge's `shopify.idToken()` answered with tokens the
emulator mints) and BigCommerce's load callback. Admin web vitals (LCP, CLS) are measured on every page visited."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from playwright.async_api import Browser, BrowserContext, ConsoleMessage, Frame, Page

from plugin.app import build_job_handlers, create_app
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.server import DevStore, devstore_environment
from plugin.email.at_risk import AtRisk, note_at_risk
from plugin.email.stages import DelayCause
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.admin.dashboard_case import expected_figures, seed_dashboard, signed
from tests.admin.support import seed_dead_letter
from tests.browser.conftest import LiveServer, axe_source, close_context, new_context, visitor_in
from webhooks.stream import StreamKeys
from widgets.help.requests import HelpRequestInput, load_request, store_request

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

SHOP = "upfront-demo.myshopify.com"
APP_BRIDGE = "https://cdn.shopify.com/shopifycloud/app-bridge.js"
LCP_LIMIT_MS = 2500.0
CLS_LIMIT = 0.1
DESKTOP: dict[str, Any] = {"viewport": {"width": 1280, "height": 800}}
PHONE: dict[str, Any] = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
# The phone runs as a mid-range one on a mobile network: CPU 4x slower, 150 ms latency, 1.6 Mbit/s down.
SLOW_PHONE = {"cpu": 4, "latency_ms": 150, "down_bps": 1_600_000, "up_bps": 750_000}

# Installed before any page script, in every frame: LCP as Chrome reports it, CLS as the sum of unexpected shifts.
VITALS = """
window.__vitals = { lcp: null, cls: 0, shifts: [] };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__vitals.lcp = entry.renderTime || entry.loadTime || entry.startTime;
}).observe({ type: "largest-contentful-paint", buffered: true });
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (entry.hadRecentInput) continue;
    window.__vitals.cls += entry.value;
    window.__vitals.shifts.push((entry.sources || []).map((s) => s.node ? s.node.nodeName : "?").join(","));
  }
}).observe({ type: "layout-shift", buffered: true });
"""
# Installed in every frame: each Content-Security-Policy violation is also reported on the console, where the
# tests collect it (with Chromium's own "Refused to ..." messages) and require none.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", (event) => {
  console.error(`csp violation: ${event.violatedDirective} blocked ${event.blockedURI || "inline"} ` +
    `at ${event.sourceFile || location.href}:${event.lineNumber}`);
});
"""
# What App Bridge provides to an embedded app: `shopify.idToken()` resolves to a fresh session token for the shop
# and staff user, minted (and signed with the app's secret) by the dev store's Shopify emulator.
APP_BRIDGE_STUB = """
window.shopify = {
  config: { apiKey: document.querySelector('meta[name="shopify-api-key"]').content },
  idToken: function () { return window.__mintSessionToken(); }
};
"""


@pytest.fixture
def test_env(test_env: dict[str, str], base_url: str) -> dict[str, str]:
    test_env.update(devstore_environment(base_url))  # the adapters call the emulators on this same server
    return test_env


@pytest.fixture
def devstore(services: Services) -> DevStore:
    return DevStore.create(services)


@pytest.fixture
def admin_server(settings: Settings, devstore: DevStore, listener: socket.socket, shop: ShopRef) -> Iterator[str]:
    # The dev store (both emulators and the storefront) mounted on the app, as `upfront dev` does.
    with LiveServer(create_app(settings, extra_routes=devstore.routes()), listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


async def admin_context(
    browser: Browser, devstore: DevStore, csp_violations: list[str], **options: Any
) -> BrowserContext:
    """A browser context for the admin; every CSP violation in any of its frames lands in ``csp_violations``."""
    context = await browser.new_context(**options)
    await context.add_init_script(VITALS)
    await context.add_init_script(CSP_WATCH)

    def on_console(message: ConsoleMessage) -> None:
        if message.text.startswith("csp violation") or "Content Security Policy" in message.text:
            csp_violations.append(message.text)

    context.on("console", on_console)
    await context.expose_function("__mintSessionToken", lambda: devstore.shopify.session_token(SHOP, user_id="42"))
    await context.route(APP_BRIDGE, lambda route: route.fulfill(body=APP_BRIDGE_STUB, content_type="text/javascript"))
    return context


async def throttle(context: BrowserContext, page: Page) -> None:
    cdp = await context.new_cdp_session(page)
    await cdp.send("Emulation.setCPUThrottlingRate", {"rate": SLOW_PHONE["cpu"]})
    await cdp.send("Network.enable")
    await cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": SLOW_PHONE["latency_ms"],
            "downloadThroughput": SLOW_PHONE["down_bps"] / 8,
            "uploadThroughput": SLOW_PHONE["up_bps"] / 8,
        },
    )


async def vitals(frame: Frame | Page, page: str) -> dict[str, Any]:
    """LCP and CLS of the frame's current document, once its content has settled."""
    await frame.wait_for_selector("main[aria-busy=false]")
    await frame.wait_for_timeout(400)
    found: dict[str, Any] = await frame.evaluate("window.__vitals")
    print(f"admin vitals: {page:<34} LCP {found['lcp']:6.0f} ms  CLS {found['cls']:.4f}")  # shown with -s
    assert found["lcp"] is not None, f"{page}: no LCP entry"
    assert found["lcp"] <= LCP_LIMIT_MS, f"{page}: LCP {found['lcp']:.0f} ms"
    assert found["cls"] <= CLS_LIMIT, f"{page}: CLS {found['cls']:.3f} from {found['shifts']}"
    return found


async def embedded_frame(page: Page) -> Frame:
    await page.wait_for_selector("iframe")
    handle = await page.query_selector("iframe")
    assert handle is not None
    frame = await handle.content_frame()
    assert frame is not None
    return frame


async def open_page(frame: Frame, label: str) -> None:
    async with frame.expect_navigation():
        await frame.click(f"nav.tabs >> text={label}")
    await frame.wait_for_selector("main[aria-busy=false] h1")


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["desktop", "phone"])
async def test_shopify_staff_change_a_setting_see_it_on_the_storefront_and_read_the_dashboard(
    browser: Browser, services: Services, shop: ShopRef, devstore: DevStore, admin_server: str, device: dict[str, Any]
) -> None:
    await seed_dashboard(services, shop)
    await services.redis.delete(services.keys.shop(shop, "token"))  # no offline token yet: the first visit gets one
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **device)
    page = await context.new_page()
    if device is PHONE:
        await throttle(context, page)
    # The Shopify admin (here its emulator) frames the app with shop, host and embedded=1.
    await page.goto(f"{admin_server}/devstore/shopify/{SHOP}/admin/apps/{services.settings.shopify_api_key}")
    frame = await embedded_frame(page)
    await frame.wait_for_selector("[data-step=rates][data-done=true]")
    assert "signed in as staff user 42" in await frame.inner_text("main")
    kind = "phone, throttled" if device is PHONE else "desktop"
    await vitals(frame, f"shopify setup ({kind})")
    assert devstore.shopify.grants == ["urn:ietf:params:oauth:grant-type:token-exchange"]

    await open_page(frame, "Dashboard")
    await vitals(frame, f"shopify dashboard ({kind})")
    expected = expected_figures()
    atc = await frame.inner_text("[data-row=add_to_cart]")
    uplift, low, high = expected.atc
    assert signed(uplift) in atc and f"95 % CI {signed(low)} to {signed(high)}" in atc
    conversion = await frame.inner_text("[data-row=conversion]")
    uplift, low, high = expected.orders
    assert signed(uplift) in conversion and f"95 % CI {signed(low)} to {signed(high)}" in conversion
    assert await frame.inner_text("[data-figure=csat]") == f"{expected.csat:.1f} %"
    assert await frame.inner_text("[data-figure=nps]") == f"{expected.nps:+.1f}"
    assert await frame.inner_text("[data-figure=csat-n]") == str(expected.csat_n)
    assert await frame.inner_text("[data-figure=nps-n]") == str(expected.nps_n)
    assert await frame.locator("svg.chart[role=img]").count() == 2

    await open_page(frame, "Shipping estimator")
    await frame.fill("#est-heading", "Fast delivery to you")
    await frame.click("form[data-method=PUT] button[type=submit]")
    await frame.wait_for_function(
        "() => document.querySelector('[data-preview-estimate]')?.textContent.includes('Fast delivery to you')"
    )
    assert await frame.input_value("#est-heading") == "Fast delivery to you"
    await frame.select_option("#preview-country", "AT")
    await frame.click("form[data-get] button[type=submit]")
    await frame.wait_for_function(
        "() => document.querySelector('[data-preview-estimate]')?.textContent.includes('Shipping to Austria')"
    )
    assert "9,90 €" in await frame.inner_text("[data-preview-estimate]")
    assert csp_violations == []
    await close_context(context)

    shopper = await new_context(browser, consent="no", visitor=visitor_in(SHOP, control=False), **DESKTOP)
    storefront = await shopper.new_page()
    await storefront.goto(f"{admin_server}/devstore/products/canvas-tote")
    await storefront.wait_for_selector("[data-upfront-widget=estimate]")
    assert "Fast delivery to you" in await storefront.inner_text("[data-upfront-widget=estimate]")
    await close_context(shopper)


async def test_bigcommerce_staff_open_the_admin_from_the_load_callback_and_change_a_setting(
    browser: Browser, services: Services, devstore: DevStore, admin_server: str
) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        installed = await http.get(
            f"{admin_server}/bigcommerce/auth", params=devstore.bigcommerce.authorize(DEMO_STORE_HASH)
        )
    assert installed.status_code == 200, installed.text
    await run_due_jobs(services, build_job_handlers())  # post-install: facts, webhooks, script, shipping zones
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **DESKTOP)
    page = await context.new_page()
    staff = {"id": 5150, "email": "staff@demo.example", "locale": "en-US"}
    jwt = devstore.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user=staff)
    await page.goto(f"{admin_server}/bigcommerce/load?{urlencode({'signed_payload_jwt': jwt})}")
    await page.wait_for_url(f"{admin_server}/admin/")
    await page.wait_for_selector("[data-step=storefront][data-done=true]")
    assert "signed in as staff@demo.example" in await page.inner_text("main")
    await vitals(page, "bigcommerce setup")
    assert await accessibility_violations(page) == []

    await open_page(page.main_frame, "Shipping estimator")
    await vitals(page, "bigcommerce estimator")
    assert await accessibility_violations(page) == []
    await page.fill("#est-heading", "Shipping, up front")
    await page.click("form[data-method=PUT] button[type=submit]")
    await page.wait_for_function(
        "() => document.querySelector('[data-preview-estimate]')?.textContent.includes('Shipping, up front')"
    )
    assert "Saved" in await page.inner_text("#toast")
    await page.fill("#est-transit", "9-2")
    await page.click("form[data-method=PUT] button[type=submit]")
    await page.wait_for_selector("#est-transit[aria-invalid=true]")
    assert "fewest days must not exceed the most" in await page.inner_text(".field-error")
    assert await page.evaluate("document.activeElement.id") == "est-transit"

    store = ShopRef("bigcommerce", DEMO_STORE_HASH)
    late = AtRisk("100", DelayCause.LATE, "2026-11-10T00:00:00+00:00", "2026-11-12T08:00:00+00:00", None, None)
    await note_at_risk(services, store, late)  # an order caught late, its apology not (yet) recorded
    for label in ("Trust badges", "Emails", "Privacy", "Webhooks", "Dashboard", "At-risk orders"):
        await open_page(page.main_frame, label)
        await vitals(page, f"bigcommerce {label.lower()}")
        assert await accessibility_violations(page) == [], label
    assert "Later than promised at checkout" in await page.inner_text("[data-order='100'][data-cause=late]")

    # "Replay all" says so in its request: an empty one would be refused.
    await seed_dead_letter(services, store, "bc-failed-1", "order fetch failed: 404")
    await open_page(page.main_frame, "Webhooks")
    await page.get_by_role("button", name="Replay all 1").click()
    await page.wait_for_selector("#toast:has-text('Replayed your store')")
    assert sum([await services.redis.xlen(sk.dead) for sk in StreamKeys.every(services.keys)]) == 0
    assert csp_violations == []
    await close_context(context)


async def test_bigcommerce_staff_resolve_a_help_request_from_the_help_page(
    browser: Browser, services: Services, devstore: DevStore, admin_server: str
) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        installed = await http.get(
            f"{admin_server}/bigcommerce/auth", params=devstore.bigcommerce.authorize(DEMO_STORE_HASH)
        )
    assert installed.status_code == 200, installed.text
    await run_due_jobs(services, build_job_handlers())
    store = ShopRef("bigcommerce", DEMO_STORE_HASH)
    question = HelpRequestInput(email="kim@example.com", question="Is the scarf <b>wool</b>?", page="/scarf/")
    asked = await store_request(services, store, question, now=datetime.now(UTC), retention_days=90)
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **DESKTOP)
    page = await context.new_page()
    jwt = devstore.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user={"id": 5150, "email": "staff@demo.example"})
    await page.goto(f"{admin_server}/bigcommerce/load?{urlencode({'signed_payload_jwt': jwt})}")
    await page.wait_for_url(f"{admin_server}/admin/")
    await open_page(page.main_frame, "Help prompts")
    await vitals(page, "bigcommerce help prompts")
    assert await accessibility_violations(page) == []

    request = page.locator(f"[data-request='{asked.id}']")
    assert "Is the scarf <b>wool</b>?" in await request.inner_text()  # the shopper's text, as text
    await request.get_by_role("button", name="Mark resolved").click()  # a POST with the page's CSRF token
    await page.wait_for_selector(f"[data-request='{asked.id}'][data-status=resolved]")
    assert "Marked resolved" in await page.inner_text("#toast")
    stored = await load_request(services, store, asked.id)
    assert stored is not None and stored.status == "resolved"

    await page.fill("[name='hours.weekly.mon.0.0']", "17:00")
    await page.fill("[name='hours.weekly.mon.0.1']", "09:00")
    await page.click("form[data-done='Hours saved.'] button[type=submit]")
    await page.wait_for_selector("[name='hours.weekly.mon.0.0'][aria-invalid=true]")
    assert "must close after it opens" in await page.inner_text("form[data-done='Hours saved.'] .field-error")
    assert await page.evaluate("document.activeElement.name") == "hours.weekly.mon.0.0"
    assert csp_violations == []
    await close_context(context)


async def test_staff_connect_zendesk_and_send_a_test_ticket_from_the_help_page(
    browser: Browser, services: Services, devstore: DevStore, admin_server: str
) -> None:
    import httpx

    async with httpx.AsyncClient() as http:
        installed = await http.get(
            f"{admin_server}/bigcommerce/auth", params=devstore.bigcommerce.authorize(DEMO_STORE_HASH)
        )
    assert installed.status_code == 200, installed.text
    await run_due_jobs(services, build_job_handlers())
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **DESKTOP)
    page = await context.new_page()
    jwt = devstore.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH, user={"id": 5150, "email": "staff@demo.example"})
    await page.goto(f"{admin_server}/bigcommerce/load?{urlencode({'signed_payload_jwt': jwt})}")
    await page.wait_for_url(f"{admin_server}/admin/")
    await open_page(page.main_frame, "Help prompts")

    zendesk = page.locator("[data-helpdesk=zendesk]")
    await zendesk.locator("summary").click()
    await zendesk.get_by_label("Zendesk subdomain").fill("demo")
    await zendesk.get_by_label("Email of the agent").fill("agent@upfront.test")
    await zendesk.get_by_label("API token").fill("dev-helpdesk-key")
    await zendesk.get_by_role("button", name="Connect Zendesk").click()
    await page.wait_for_selector("[data-figure=helpdesk]:has-text('Zendesk')")
    assert "dev-helpdesk-key" not in await page.content()  # shown back only as its last characters
    await page.get_by_role("button", name="Send test ticket").click()
    await page.wait_for_selector("[data-figure=last-test]:has-text('sent, ticket #')")
    (ticket,) = devstore.helpdesks.zendesk.tickets.values()
    assert ticket["subject"] == "Upfront test ticket" and "upfront_test" in ticket["tags"]
    assert await accessibility_violations(page) == []
    assert csp_violations == []
    await close_context(context)


async def accessibility_violations(page: Page | Frame) -> list[tuple[str, str, list[str]]]:
    if not await page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated, not added as a <script>: the admin's CSP rightly refuses an inline script without its nonce.
        await page.evaluate(axe_source())
    found: list[dict[str, Any]] = await page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)"
    )
    return [(v["id"], v["help"], [n["html"][:120] for n in v["nodes"]]) for v in found]


@pytest.fixture
def dev_admin_server(settings: Settings, devstore: DevStore, listener: socket.socket, shop: ShopRef) -> Iterator[str]:
    # Exactly what `upfront dev` serves: the dev store's routes and the admin's dev mode.
    app = create_app(settings, extra_routes=devstore.routes(), dev_admin=devstore.dev_admin())
    with LiveServer(app, listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.mark.parametrize("options", [DESKTOP, PHONE], ids=["1280px", "390px"])
async def test_the_dev_shopify_admin_opens_offline_in_the_dev_stores_stand_in(
    browser: Browser, dev_admin_server: str, options: dict[str, Any]
) -> None:
    context = await browser.new_context(**options)
    offline: list[str] = []

    async def refuse(route: Any) -> None:  # no internet: anything outside loopback fails, as on a plane
        offline.append(route.request.url)
        await route.abort()

    await context.route(lambda url: not url.startswith(dev_admin_server), refuse)
    page = await context.new_page()
    await page.goto(f"{dev_admin_server}/devstore/shopify/{SHOP}/admin?page=emails")
    frame = await embedded_frame(page)
    await frame.wait_for_selector("main[aria-busy=false]")
    assert await frame.locator("main h1").first.text_content() == "Post-purchase emails"
    assert await frame.locator("[role=alert]").count() == 0
    switch = frame.locator("a[data-dev-switch]")
    assert await switch.text_content() == "Switch to the BigCommerce demo store"
    assert await switch.is_visible()
    assert offline == []  # nothing was even asked of Shopify's CDN
    await close_context(context)


@pytest.mark.parametrize("device", [DESKTOP, PHONE], ids=["1280px", "390px"])
async def test_shopify_staff_confirm_a_return_window_and_see_each_badges_sources(
    browser: Browser, services: Services, shop: ShopRef, devstore: DevStore, admin_server: str, device: dict[str, Any]
) -> None:
    csp_violations: list[str] = []
    context = await admin_context(browser, devstore, csp_violations, **device)
    page = await context.new_page()
    await page.goto(f"{admin_server}/devstore/shopify/{SHOP}/admin/apps/{services.settings.shopify_api_key}")
    frame = await embedded_frame(page)
    await frame.wait_for_selector("main[aria-busy=false] h1")
    await open_page(frame, "Trust badges")
    await vitals(frame, f"shopify trust badges ({device['viewport']['width']}px)")
    money_back = "tr[data-badge=money_back]"
    assert "Policy text" in await frame.inner_text(f"{money_back} .sources")  # the 30 days read from the policy

    # A window the refund policy contradicts: the badge is withheld and the page says why, in plain words.
    await frame.fill("#return-window", "60")
    await frame.click("form[data-method=PUT] button[type=submit]")
    await frame.wait_for_selector(f"{money_back}[data-withheld=true]")
    reason = await frame.inner_text(money_back)
    assert "you confirmed a 60-day return window, but your refund policy says 30 days" in reason
    assert "You (your confirmation on the badges page): return window of 60 days" in reason
    assert await accessibility_violations(frame) == []
    # Nothing on the page is wider than the screen: long source lines wrap or scroll inside their table.
    assert await frame.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    await frame.fill("#return-window", "30")
    await frame.click("form[data-method=PUT] button[type=submit]")
    await frame.wait_for_selector(f"{money_back}[data-shown=true]")
    assert "30-day money-back guarantee" in await frame.inner_text(money_back)
    assert csp_violations == []
    await close_context(context)


# Any control, heading or table header in the page whose words do not fit its box (clipped or spilling out).
CLIPPED_TEXT = """() => [...document.querySelectorAll(
  "main button, main label, main legend, main th, main h1, main h2, main .pill, main select")]
  .filter((el) => el.offsetParent !== null && el.scrollWidth > el.clientWidth + 1)
  .map((el) => el.tagName + ": " + el.textContent.trim().slice(0, 60))"""


async def test_german_staff_read_the_shipping_pages_whole_on_a_phone(browser: Browser, dev_admin_server: str) -> None:
    context = await browser.new_context(**PHONE)
    page = await context.new_page()
    await page.goto(f"{dev_admin_server}/devstore/shopify/{SHOP}/admin?page=estimator&locale=de")
    frame = await embedded_frame(page)
    await frame.wait_for_selector("main[aria-busy=false] h1")
    assert await frame.locator("main h1").first.text_content() == "Versandrechner"
    assert "Tarife jetzt synchronisieren" in await frame.inner_text("main")
    # German runs long: on a 390 px phone every label and button wraps inside the screen, none is clipped.
    assert await frame.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert await frame.evaluate(CLIPPED_TEXT) == []

    await open_page(frame, "Vertrauenssiegel")
    assert await frame.locator("main h1").first.text_content() == "Vertrauenssiegel"
    assert "Angaben, die nur Sie bestätigen können" in await frame.inner_text("main")
    assert await frame.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    assert await frame.evaluate(CLIPPED_TEXT) == []
    await close_context(context)
