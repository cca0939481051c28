"""Help fixtures: the demo shop seeded (with its help settings), the widget routes plus the help admin routes with a
fixed clock, and a real SMTP server on loopback (aiosmtpd) that keeps what it accepts."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Mount

from plugin.app import build_services
from plugin.devstore.storefront import seed_demo_shop, storefront_routes
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.shopify.proxy import proxy_context, proxy_mount
from tests.conftest import serve_in_process
from widgets.help.admin import help_admin_routes
from widgets.help.settings import default_help_settings, save_help_settings
from widgets.routes import proxy_widget_routes, widget_routes

TUESDAY_MORNING = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)  # 10:00 in Berlin: the demo shop is open
TUESDAY_NIGHT = datetime(2026, 11, 17, 20, 0, tzinfo=UTC)  # 21:00 in Berlin: closed until Wednesday 9:00
FRIDAY_NIGHT = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # closed until Saturday 10:00
SHOP_ID = "upfront-demo.myshopify.com"
ADMIN_TOKEN = "Bearer merchant"


class Clock:
    def __init__(self, now: datetime = TUESDAY_MORNING) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def services(settings: Settings, redis: Redis) -> AsyncIterator[Services]:
    async with httpx.AsyncClient() as http:
        yield build_services(settings, redis, http)


@pytest.fixture
async def shop(services: Services) -> ShopRef:
    return await seed_demo_shop(services, install=True)


async def change_help(services: Services, shop: ShopRef, changes: dict[str, Any]) -> None:
    defaults = default_help_settings(services.settings.manifest.widgets)
    await save_help_settings(services.redis, services.keys, shop, changes, defaults, "Europe/Berlin")


HelpClient = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def help_client(settings: Settings, redis: Redis, clock: Clock, shop: ShopRef) -> HelpClient:
    """`async with help_client() as client:` the storefront routes (direct and behind the proxy), the dev storefront
    and, under /admin, the help admin routes for the demo shop's merchant (`Authorization: Bearer merchant`)."""

    async def authenticate(request: Request) -> ShopRef:
        if request.headers.get("authorization") != ADMIN_TOKEN:
            raise HTTPException(401, "sign in")
        return shop

    def build() -> Starlette:
        @asynccontextmanager
        async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
            async with httpx.AsyncClient() as http:
                yield {"services": build_services(settings, redis, http)}

        routes = [
            *widget_routes(clock=clock),
            proxy_mount(proxy_widget_routes(lambda request: proxy_context(request).shop, clock=clock)),
            Mount("/admin", routes=help_admin_routes(authenticate, clock=clock)),
            Mount("/devstore", routes=storefront_routes()),
        ]
        return Starlette(routes=routes, lifespan=lifespan)

    return lambda: serve_in_process(build())


def storefront(path: str) -> str:
    return f"/storefront/shopify/{SHOP_ID}{path}"


# --- a real SMTP server ---------------------------------------------------------------------------------------


class Inbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_with: str | None = None  # a DATA reply instead of accepting, e.g. "550 5.7.1 no"
        self._lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.refuse_with:
                return self.refuse_with
            parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 2.0.0 accepted"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    smtp_server[0].messages.clear()
    smtp_server[0].refuse_with = None
    return smtp_server[0]


@pytest.fixture
def smtp_url(smtp_server: tuple[Inbox, int]) -> str:
    return f"smtp://127.0.0.1:{smtp_server[1]}"
