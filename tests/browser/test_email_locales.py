"""Every email and the order-status page, in every shipped language, read whole in Chromium on a phone: nothing wider
than the screen, no text cut off, no key or unfilled field where a translation should be, the page's language
declared. Rendered as the journey renders them (the merchant's preview path, the demo shop's facts)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from playwright.async_api import Browser, Page

from plugin.catalogs import LOCALES
from plugin.email.journey_settings import JourneySettings
from plugin.email.preview import render_sample
from plugin.email.stages import Stage
from plugin.keys import ShopRef
from plugin.order_status.admin import sample_state
from plugin.order_status.branding import Branding
from plugin.order_status.page import FormState, build_page, render_page
from plugin.services import Services
from plugin.shop_data import load_facts
from tests.browser.conftest import close_context
from widgets.help.settings import default_help_settings, load_help_settings

pytestmark = [pytest.mark.anyio, pytest.mark.browser]
PHONE = 320  # the narrowest phone in use (iPhone SE, first generation)

# Whatever a reader sees that is not text: an unfilled `{field}`, a Jinja tag, a catalog key ("stages.x.subject",
# "status.title"), or an element whose text is cut off where it overflows a box that hides it.
READ_PROBLEMS = """(width) => {
  const problems = [];
  const text = document.body.innerText;
  const keys = /\\b(stages|labels|pages|status|alert|sms)\\.[a-z_]+/;
  for (const pattern of [/\\{[a-z_]+\\}/, /\\{\\{|\\}\\}|\\{%/, keys]) {
    const found = text.match(pattern);
    if (found) problems.push("shows " + JSON.stringify(found[0]));
  }
  const wide = document.documentElement.scrollWidth;
  if (wide > width) problems.push("page " + wide + "px wide");
  for (const el of document.body.querySelectorAll("*")) {
    // Text for screen readers only (1 px boxes) and a bots' field placed off-screen are hidden on purpose.
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.right <= 0 || el.closest("[aria-hidden=true]")) continue;
    const style = getComputedStyle(el);
    const hides = /hidden|clip/.test(style.overflow + style.overflowX + style.textOverflow);
    if (hides && el.innerText && el.innerText.trim() && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0)
      problems.push("cut off: " + el.innerText.trim().slice(0, 60));
  }
  return problems;
}"""


async def _problems(page: Page, html: str, locale: str) -> list[str]:
    await page.set_content(html)
    found: list[str] = await page.evaluate(READ_PROBLEMS, PHONE)
    declared = await page.evaluate("document.documentElement.lang")
    if declared != locale:
        found.append(f"lang is {declared!r}")
    return found


async def test_every_email_and_the_status_page_read_whole_in_every_language(
    browser: Browser, services: Services, shop: ShopRef
) -> None:
    facts = await load_facts(services.redis, services.keys, shop)
    assert facts is not None
    defaults = default_help_settings(services.settings.manifest.widgets)
    help_settings = await load_help_settings(services.redis, services.keys, shop, defaults, facts.timezone)
    context = await browser.new_context(viewport={"width": PHONE, "height": 800}, java_script_enabled=True)
    page = await context.new_page()
    problems: list[str] = []
    for locale in LOCALES:
        for stage in Stage:
            rendered = render_sample(stage, locale, JourneySettings(), facts, shop)
            assert not rendered.problems and rendered.subject.strip(), (locale, stage)
            problems += [f"{locale} {stage.value}: {line}" for line in await _problems(page, rendered.html, locale)]
        now = datetime.now(UTC)
        model = await build_page(
            services,
            facts=facts,
            branding=Branding(),
            help_settings=help_settings,
            state=sample_state(now),
            locale=locale,
            action="/o/sample",
            form=FormState("sample"),
            now=now,
        )
        assert [answer.id for answer in model.answers] == ["where", "address", "return"]
        html = render_page(model).replace("<details ", "<details open ")  # the answers' text is read too
        problems += [f"{locale} status page: {line}" for line in await _problems(page, html, locale)]
    await close_context(context)
    assert problems == [], "\n".join(problems)
