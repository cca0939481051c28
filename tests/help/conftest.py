"""Help fixtures: the demo shop seeded (with its help settings), the widget routes plus the help admin routes with a
fixed clock, and a real SMTP server on loopback (aiosmtpd) that keeps what it accepts."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Mount

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import serve_in_process
from tests.smtp import Inbox, inbox, smtp_server, smtp_url
from tests.widget_app import TUESDAY_MORNING, Clock, clock, services, shop, widget_app
from widgets.help.admin import help_admin_routes
from widgets.help.settings import default_help_settings, save_help_settings

# Shared with the widget tests (the demo shop, the clock) and the journey tests (the loopback SMTP server).
__all__ = ["TUESDAY_MORNING", "Inbox", "clock", "inbox", "services", "shop", "smtp_server", "smtp_url"]
TUESDAY_NIGHT = datetime(2026, 11, 17, 20, 0, tzinfo=UTC)  # 21:00 in Berlin: closed until Wednesday 9:00
FRIDAY_NIGHT = datetime(2026, 11, 20, 20, 0, tzinfo=UTC)  # closed until Saturday 10:00
SHOP_ID = "upfront-demo.myshopify.com"
ADMIN_TOKEN = "Bearer merchant"


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

    return lambda: serve_in_process(
        widget_app(settings, redis, clock, Mount("/admin", routes=help_admin_routes(authenticate, clock=clock)))
    )


def storefront(path: str) -> str:
    return f"/storefront/shopify/{SHOP_ID}{path}"
