"""Helpdesk fixtures: the Gorgias, Zendesk and Chatwoot stand-ins served over loopback by a real HTTP server with the
adapters' origins pointed at them, a shop whose orders are kept in memory (tests.journey.support), a real SMTP
server on loopback for the email fallback, and an app with the helpdesk admin and webhook routes."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.routing import Mount

from plugin.app import build_services
from plugin.devstore.helpdesks import ChatwootStandIn, GorgiasStandIn, HelpdeskStandIns, ZendeskStandIn
from plugin.helpdesk.admin import helpdesk_admin_routes
from plugin.helpdesk.webhooks import helpdesk_webhook_routes
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import serve_in_process
from tests.journey.support import SHOP, MemoryPlatform, open_shop
from tests.processes import serve_emulator
from tests.smtp import Inbox, inbox, smtp_server, smtp_url

__all__ = ["Inbox", "inbox", "smtp_server", "smtp_url"]

AGENT = "agent@shop.test"
TOKEN = "zd-token-1234567890"
API_KEY = "gorgias-key-0987654321"
CHATWOOT_TOKEN = "cw-token-1122334455"
WEBHOOK_SECRET = "dGhpcyBpcyBhIHplbmRlc2sgc2VjcmV0"
ADMIN = {"Authorization": "Bearer merchant"}
KINDS = ("gorgias", "zendesk", "chatwoot")

# What the merchant types into the admin form, per helpdesk.
CONNECT: dict[str, dict[str, Any]] = {
    "zendesk": {"kind": "zendesk", "subdomain": "shop", "email": AGENT, "api_token": TOKEN,
                "webhook_secret": WEBHOOK_SECRET},
    "gorgias": {"kind": "gorgias", "domain": "shop", "email": AGENT, "api_key": API_KEY},
    "chatwoot": {"kind": "chatwoot", "base_url": "https://chat.shop.test", "account_id": "7", "inbox_id": "3",
                 "api_access_token": CHATWOOT_TOKEN},
}  # fmt: skip


@pytest.fixture
def standins() -> HelpdeskStandIns:
    return HelpdeskStandIns(
        zendesk=ZendeskStandIn(AGENT, TOKEN),
        gorgias=GorgiasStandIn(AGENT, API_KEY),
        chatwoot=ChatwootStandIn(account_id=7, inbox_id=3, api_access_token=CHATWOOT_TOKEN),
    )


@pytest.fixture
def standin_origin(standins: HelpdeskStandIns) -> Iterator[str]:
    app = Starlette(
        routes=[
            Mount("/zendesk/{subdomain}", app=standins.zendesk.app()),
            Mount("/gorgias/{domain}", app=standins.gorgias.app()),
            Mount("/chatwoot", app=standins.chatwoot.app()),
        ]
    )
    with serve_emulator(app) as origin:
        yield origin


@pytest.fixture
def test_env(test_env: dict[str, str], standin_origin: str, smtp_url: str) -> dict[str, str]:
    test_env.update(
        UPFRONT_ZENDESK_ORIGIN=standin_origin + "/zendesk/{subdomain}",
        UPFRONT_GORGIAS_ORIGIN=standin_origin + "/gorgias/{domain}",
        UPFRONT_CHATWOOT_ORIGIN=standin_origin + "/chatwoot",
        UPFRONT_SMTP_URL=smtp_url,
        UPFRONT_MAIL_FROM="Upfront <mail@upfront.test>",
    )
    return test_env


@pytest.fixture
async def shop(settings: Settings, redis: Redis) -> AsyncIterator[tuple[Services, MemoryPlatform]]:
    """The journey test shop, its orders in memory, calling the stand-ins over loopback with a real client."""
    platform = MemoryPlatform()
    async with httpx.AsyncClient() as http:
        services = replace(build_services(settings, redis, http), platforms={"shopify": platform})  # type: ignore[dict-item]
        await open_shop(services)
        yield services, platform


def stand_in(standins: HelpdeskStandIns, kind: str) -> ZendeskStandIn | GorgiasStandIn | ChatwootStandIn:
    found: ZendeskStandIn | GorgiasStandIn | ChatwootStandIn = getattr(standins, kind)
    return found


AppClient = Callable[[], AbstractAsyncContextManager[httpx.AsyncClient]]


@pytest.fixture
def app_client(settings: Settings, redis: Redis) -> AppClient:
    """`async with app_client() as client:` the helpdesk admin routes under /admin (`Authorization: Bearer
    merchant` is the test shop's merchant) and the helpdesk webhook routes."""

    async def authenticate(request: Request) -> ShopRef:
        if request.headers.get("authorization") != ADMIN["Authorization"]:
            raise HTTPException(401, "sign in")
        return SHOP

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with httpx.AsyncClient() as http:
            yield {"services": build_services(settings, redis, http)}

    app = Starlette(
        routes=[Mount("/admin", routes=helpdesk_admin_routes(authenticate)), *helpdesk_webhook_routes()],
        lifespan=lifespan,
    )
    return lambda: serve_in_process(app)
