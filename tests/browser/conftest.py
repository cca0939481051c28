"""Browser fixtures: the full app plus the dev storefront served by a real uvicorn on loopback, the demo shop seeded,
and headless Debian Chromium driven by Playwright. Outside CI a missing browser or axe-core skips with the reason;
under CI (CI=true) it fails, because `make test` installs both."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import sys
import threading
import time
import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.async_api import Browser, BrowserContext, async_playwright
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_services, create_app
from plugin.devstore.storefront import seed_demo_shop, storefront_routes
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# `make test` unpacks axe-core (from the npm registry) here, inside the virtualenv.
AXE_JS = Path(sys.prefix) / "share" / "axe-core" / "axe.min.js"


def missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the browser tests: `make test` installs what they need)")
    pytest.skip(reason)


def chromium_path() -> str:
    if not (Path(CHROMIUM).is_file() or shutil.which("chromium")):
        missing("Debian chromium is not installed (apt-get install -y chromium)")
    return CHROMIUM if Path(CHROMIUM).is_file() else str(shutil.which("chromium"))


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    yield sock
    sock.close()


@pytest.fixture
def base_url(listener: socket.socket) -> str:
    return f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
def test_env(test_env: dict[str, str], base_url: str) -> dict[str, str]:
    test_env["UPFRONT_APP_URL"] = base_url
    return test_env


@pytest.fixture
async def services(settings: Settings, redis: Redis) -> AsyncIterator[Services]:
    async with httpx.AsyncClient() as http:
        yield build_services(settings, redis, http)


@pytest.fixture
async def shop(services: Services) -> ShopRef:
    return await seed_demo_shop(services, install=True)


def storefront_app(settings: Settings) -> Starlette:
    """The whole app with the dev storefront mounted, as `upfront dev` serves it."""
    app = create_app(settings)
    app.router.routes.append(Mount("/devstore", routes=storefront_routes()))
    return app


class LiveServer:
    """uvicorn serving `app` in a thread with its own event loop and Redis pool, as `upfront dev` runs it."""

    def __init__(self, app: Starlette, sock: socket.socket) -> None:
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [sock]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the app did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(settings: Settings, listener: socket.socket, shop: ShopRef) -> Iterator[str]:
    """The demo shop is seeded first (the `shop` fixture); tests that change its data do so before this starts."""
    with LiveServer(storefront_app(settings), listener):
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    executable = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        # Leaving `async_playwright` stops the driver, and Chromium exits with its pipe: a stuck close may end there.
        await close_bounded(launched, "the browser")


# Chromium can acknowledge a close that races a navigation commit and never finish it (microsoft/playwright#42366,
# #41900); Playwright's close has no timeout, so one such race would hang the whole suite instead of one test.
CLOSE_WITHIN_S = 20.0


async def close_bounded(target: Browser | BrowserContext, what: str) -> None:
    try:
        await asyncio.wait_for(target.close(), CLOSE_WITHIN_S)
    except TimeoutError:
        warnings.warn(f"{what} did not close within {CLOSE_WITHIN_S:.0f} s (a Chromium close race)", stacklevel=2)


async def close_context(context: BrowserContext) -> None:
    """Every test's checks are made before this: a close that never finishes is reported, not waited for."""
    await close_bounded(context, "a browser context")


# Installed before any page script: sums layout shifts not caused by input, as CLS does.
CLS_OBSERVER = """
window.__upfrontShifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.__upfrontShifts.push({ value: entry.value,
      sources: (entry.sources || []).map((s) => s.node ? (s.node.outerHTML || s.node.nodeName).slice(0, 120) : "?") });
  }
}).observe({ type: "layout-shift", buffered: true });
"""


async def new_context(
    browser: Browser, *, consent: str | None = None, visitor: str | None = None, **options: Any
) -> BrowserContext:
    """A fresh visitor. `consent` pre-answers the demo store's banner ("yes"/"no"); `visitor` fixes the id the
    script keeps in sessionStorage, so the holdout variant is known in advance."""
    context = await browser.new_context(**options)
    await context.add_init_script(CLS_OBSERVER)
    setup = []
    if consent is not None:
        setup.append(f"localStorage.setItem('devstore_analytics', {consent!r});")
    if visitor is not None:
        setup.append(f"sessionStorage.setItem('upfront_vid', {visitor!r});")
    if setup:
        await context.add_init_script("\n".join(setup))
    return context


def holdout_bucket(shop: str, visitor: str) -> int:
    """The script's FNV-1a bucket, to pick visitor ids that land in treatment or control."""
    value = 2166136261
    for char in f"{shop}:{visitor}":
        value = ((value ^ ord(char)) * 16777619) & 0xFFFFFFFF
    return value % 100


def visitor_in(shop: str, *, control: bool, holdout_percent: int = 10) -> str:
    for number in range(10_000):
        visitor = f"visitor{number}"
        if (holdout_bucket(shop, visitor) < holdout_percent) == control:
            return visitor
    raise AssertionError("no visitor id found")


def axe_source() -> str:
    if not AXE_JS.is_file():
        missing(f"axe-core is not unpacked at {AXE_JS} (`make test` fetches it with npm pack axe-core)")
    return AXE_JS.read_text()
