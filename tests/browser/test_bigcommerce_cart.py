"""A BigCommerce storefront in headless Chromium: the real script, loaded the way the Scripts API adds it, reads the
shopper's cart id from the store's Storefront API and sends it with the holdout variant, only with analytics
consent and once per cart. The store's pages and `/api/storefront/carts` are emulated on the app's own server."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from plugin.admin.conversions import cart_variant
from plugin.app import create_app
from plugin.bigcommerce.mapping import shop_facts_from_store
from plugin.devstore.bigcommerce import DEMO_STORE_HASH, demo_store
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import save_facts
from plugin.shops import StoredToken
from tests.browser.conftest import close_context, new_context, visitor_in

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

STORE = ShopRef("bigcommerce", DEMO_STORE_HASH)
CART_ID = "8f6d3c2a-51b7-4e0a-9c1d-7a2b4e6f8d90"
TREATMENT_VISITOR = visitor_in(DEMO_STORE_HASH, control=False)
CONTROL_VISITOR = visitor_in(DEMO_STORE_HASH, control=True)
# Stencil's product form: the theme adds to the cart over AJAX (/remote/v1/cart/add) and stays on the page.
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title></head><body><main>
<h1>{title}</h1>
<form action="/cart.php" method="post" data-cart-item-add><input type="hidden" name="product_id" value="77">
<button type="submit">Add to cart</button></form>
<div data-upfront-slot="badges" data-upfront-placement="product"></div>
</main>
<script>document.querySelector("form").addEventListener("submit", function (e) {{
  e.preventDefault(); fetch("/remote/v1/cart/add", {{ method: "POST" }});
}});</script>
<script src="/static/upfront.js?platform=bigcommerce&amp;shop={shop}" defer></script>
</body></html>"""


class Storefront:
    """The store's side: one shopper's cart, which exists once something was added."""

    def __init__(self) -> None:
        self.carts: list[dict[str, Any]] = []

    def routes(self) -> list[Route]:
        def page(title: str) -> HTMLResponse:
            return HTMLResponse(PAGE.format(title=title, shop=DEMO_STORE_HASH), headers={"Cache-Control": "no-store"})

        async def product(request: Request) -> Response:
            return page("Canvas Tote")

        async def cart_page(request: Request) -> Response:
            return page("Your cart")

        async def add(request: Request) -> Response:
            self.carts = self.carts or [{"id": CART_ID, "currency": {"code": "USD"}, "lineItems": {}}]
            return JSONResponse({"data": {"cart_id": CART_ID}})

        async def carts(request: Request) -> Response:
            return JSONResponse(self.carts)

        return [
            Route("/products/canvas-tote/", product),
            Route("/cart.php", cart_page),
            Route("/remote/v1/cart/add", add, methods=["POST"]),
            Route("/api/storefront/carts", carts),
        ]


@pytest.fixture
async def store(services: Services) -> ShopRef:
    await services.shops.save_token(STORE, StoredToken(access_token="bc-placeholder", scope=""))
    await save_facts(services.redis, services.keys, shop_facts_from_store(STORE, demo_store().info))
    return STORE


@pytest.fixture
def storefront() -> Storefront:
    return Storefront()


@pytest.fixture
def live_store(settings: Settings, listener: socket.socket, store: ShopRef, storefront: Storefront) -> Iterator[str]:
    """The app and the emulated store pages on one loopback origin (the script's API calls are then same-origin)."""
    app = create_app(settings, extra_routes=storefront.routes())
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the app did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    server.should_exit = True
    thread.join(timeout=10)


async def shopper(browser: Browser, base: str, *, consent: bool, visitor: str) -> tuple[BrowserContext, list[str]]:
    """A visitor whose BigCommerce consent banner was answered; returns the context and the URLs it requested."""
    context = await new_context(browser, visitor=visitor)
    allow = [1, 2, 3, 4] if consent else [1]
    cookie = quote(json.dumps({"allow": allow, "deny": [c for c in (2, 3, 4) if c not in allow]}))
    await context.add_cookies([{"name": "bc_consent", "value": cookie, "url": base}])
    sent: list[str] = []
    context.on("request", lambda request: sent.append(request.url))
    return context, sent


async def wait_for_variant(services: Services) -> str | None:
    for _ in range(60):
        if (found := await cart_variant(services.redis, services.keys, STORE, CART_ID)) is not None:
            return found
        await asyncio.sleep(0.1)
    return None


@pytest.mark.parametrize(
    ("visitor", "variant"),
    [(TREATMENT_VISITOR, "treatment"), (CONTROL_VISITOR, "control")],
    ids=["treatment", "holdout"],
)
async def test_with_consent_the_cart_id_is_sent_after_an_add_to_cart_once_per_cart(
    browser: Browser, services: Services, live_store: str, visitor: str, variant: str
) -> None:
    context, sent = await shopper(browser, live_store, consent=True, visitor=visitor)
    page = await context.new_page()
    await page.goto(f"{live_store}/products/canvas-tote/")
    await page.wait_for_function("window.UpfrontWidgets")
    await page.wait_for_timeout(300)
    assert not [url for url in sent if "/api/storefront/carts" in url], "no cart is read before one exists"
    await page.click("form[data-cart-item-add] button")
    assert await wait_for_variant(services) == variant
    await page.goto(f"{live_store}/cart.php")  # the cart page reads the cart again: already sent, not again
    await page.wait_for_timeout(800)
    assert len([url for url in sent if url.endswith("/cart-variant")]) == 1
    assert len([url for url in sent if url.endswith("/api/storefront/carts")]) == 2
    await close_context(context)


async def test_with_consent_the_cart_page_sends_the_cart_id(
    browser: Browser, services: Services, live_store: str, storefront: Storefront
) -> None:
    storefront.carts = [{"id": CART_ID}]  # filled in an earlier visit
    context, _ = await shopper(browser, live_store, consent=True, visitor=TREATMENT_VISITOR)
    page = await context.new_page()
    await page.goto(f"{live_store}/cart.php")
    assert await wait_for_variant(services) == "treatment"
    await close_context(context)


async def test_without_consent_the_cart_is_neither_read_nor_sent(
    browser: Browser, services: Services, live_store: str, storefront: Storefront
) -> None:
    context, sent = await shopper(browser, live_store, consent=False, visitor=TREATMENT_VISITOR)
    page = await context.new_page()
    await page.goto(f"{live_store}/products/canvas-tote/")
    await page.wait_for_function("window.UpfrontWidgets")
    await page.click("form[data-cart-item-add] button")
    await page.wait_for_timeout(2500)
    await page.goto(f"{live_store}/cart.php")
    await page.wait_for_timeout(800)
    assert storefront.carts, "the theme did add to the cart"
    assert not [url for url in sent if "/api/storefront/carts" in url or url.endswith("/cart-variant")]
    assert await cart_variant(services.redis, services.keys, STORE, CART_ID) is None
    await close_context(context)
