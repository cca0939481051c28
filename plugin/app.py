"""The composition root: concrete pieces are wired together here and nowhere else."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from importlib.metadata import PackageNotFoundError, version

import httpx
from redis.asyncio import Redis
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from plugin import health
from plugin.crypto import Cipher
from plugin.jobs import JobHandler
from plugin.keys import Keys
from plugin.middleware.request_id import RequestIdMiddleware
from plugin.openapi import build_document, openapi_json
from plugin.platform import Platform
from plugin.services import Services
from plugin.settings import Settings
from plugin.shops import ShopRegistry
from plugin.storage import open_redis

HTTP_TIMEOUT = httpx.Timeout(10.0, connect=5.0)


def app_version() -> str:
    try:
        return version("upfront")
    except PackageNotFoundError:
        return "0.0.0"


def outbound_client() -> httpx.AsyncClient:
    """The one HTTP client for calls to platforms and SMTP-less integrations; shared, pooled."""
    return httpx.AsyncClient(timeout=HTTP_TIMEOUT, headers={"User-Agent": f"Upfront/{app_version()}"})


def build_routes() -> list[BaseRoute]:
    return [
        *health.routes,
        Route("/openapi.json", openapi_json, methods=["GET"]),
    ]


def build_job_handlers() -> dict[str, JobHandler]:
    """Every scheduled job the worker knows, by name."""
    return {}


def build_platforms(settings: Settings, http: httpx.AsyncClient, shops: ShopRegistry) -> dict[str, Platform]:
    return {}


def build_services(settings: Settings, redis: Redis, http: httpx.AsyncClient) -> Services:
    keys = Keys(settings.key_prefix)
    cipher = Cipher(settings.secret_keys() or ["insecure-development-key"], purpose="at-rest")
    shops = ShopRegistry(redis, keys, cipher)
    return Services(
        settings=settings,
        redis=redis,
        http=http,
        keys=keys,
        cipher=cipher,
        shops=shops,
        platforms=build_platforms(settings, http, shops),
    )


def create_app(settings: Settings, *, redis: Redis | None = None, http: httpx.AsyncClient | None = None) -> Starlette:
    """Build the ASGI app. A caller that passes `redis` or `http` owns them; otherwise the lifespan opens them."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[dict[str, Services]]:
        async with AsyncExitStack() as stack:
            store = redis if redis is not None else await stack.enter_async_context(open_redis(settings))
            client = http if http is not None else await stack.enter_async_context(outbound_client())
            yield {"services": build_services(settings, store, client)}

    routes = build_routes()
    app = Starlette(routes=routes, middleware=[Middleware(RequestIdMiddleware)], lifespan=lifespan)
    app.state.openapi = build_document(routes, title=settings.manifest.name, version=app_version())
    return app
