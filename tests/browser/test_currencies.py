"""The BigCommerce demo store (USD) in headless Chromium, switched to euros the way Stencil's currency selector does
(`?setCurrencyId=`): the page's prices and the widget's estimate, free-shipping line and badge are all in euros, at
the store's own rate from /v2/currencies."""

from __future__ import annotations

import pytest
from playwright.async_api import Browser

from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from tests.browser.conftest import close_context, new_context, visitor_in
from tests.browser.test_layout import BIGCOMMERCE_STOREFRONT, demo_shops, two_shops

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

__all__ = ["demo_shops", "two_shops"]  # the layout suite's fixtures: both demo shops on one live server
VISITOR = visitor_in(DEMO_STORE_HASH, control=False)


async def test_a_bigcommerce_shopper_in_euros_sees_the_estimate_in_euros(browser: Browser, two_shops: str) -> None:
    context = await new_context(browser, consent="no", visitor=VISITOR, viewport={"width": 1280, "height": 800})
    page = await context.new_page()
    await page.goto(f"{two_shops}{BIGCOMMERCE_STOREFRONT}/products/canvas-tote?setCurrencyId=2")
    await page.wait_for_selector("[data-upfront-slot=estimate] [data-upfront-widget=estimate]")
    assert "€22.95" in await page.inner_text(".price")  # $24.90 at the store's 0.9216
    estimate = await page.inner_text("[data-upfront-widget=estimate]")
    assert "$" not in estimate
    assert "€5.52" in estimate  # Standard $5.99 -> 5.520384
    assert "Add €46.17 more for free shipping" in estimate  # $75.00 -> €69.12, less the €22.95 in the cart
    badges = "[data-upfront-slot=badges][data-upfront-placement=product]"
    await page.wait_for_selector(f"{badges} [data-upfront-badge]")
    assert "Free shipping to United States over €69.12" in await page.inner_text(badges)
    await close_context(context)
