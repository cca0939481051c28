"""The app against its own `/openapi.json`: schemathesis (every check, every operation), once as a stranger and once
signed in to an installed shop, must find nothing. In-process, seeded, with a bounded number of examples."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import schemathesis
from schemathesis.core.failures import Failure
from schemathesis.engine import events, from_schema
from schemathesis.python.asgi import shutdown_lifespans
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_services, create_app
from plugin.devstore.shopify import DEMO_SHOP
from plugin.devstore.storefront import seed_demo_shop
from plugin.settings import Settings
from plugin.storage import connect
from tests.devstores import DEVSTORE, DevStores, stores, test_env

__all__ = ["stores", "test_env"]

REJECTED = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]  # schemathesis' own
MAX_EXAMPLES = 10  # per operation and phase; the coverage phase adds its own boundary cases on top
# A stranger is refused before any input is read on every signed-in operation, and the public operations answer a
# stranger exactly as they answer the signed-in run, which runs every phase: the stranger's run shows the refusals
# conform with a few examples of each operation, without the coverage phase's boundary cases.
STRANGER_EXAMPLES = 5
SEED = 17


def _config(parameters: dict[str, str], examples: int, *, coverage: bool) -> schemathesis.Config:
    return schemathesis.Config.from_dict(
        {
            "seed": SEED,
            "workers": 1,
            "continue-on-failure": True,
            "generation": {"max-examples": examples, "deterministic": True, "database": "none"},
            "checks": {
                "enabled": True,
                # 413 rejects too: every body route documents it (BodyLimitMiddleware, per-route byte limits), and a
                # generated example with too many items can also be too many bytes (help events allow 4 KB).
                "negative_data_rejection": {"expected-statuses": [*REJECTED, "413"]},
            },
            "phases": {"stateful": {"enabled": False}, "coverage": {"enabled": coverage}},
            "parameters": parameters,
        }
    )


def shopify_session(emulators: DevStores) -> type:
    """An auth provider: a fresh App Bridge session token for the demo shop on every request (they live a minute)."""

    class ShopifySession:
        def get(self, case: Any, context: Any) -> str:
            return emulators.shopify.session_token(DEMO_SHOP, user_id="42")

        def set(self, case: Any, token: str, context: Any) -> None:
            case.headers = {**(case.headers or {}), "Authorization": f"Bearer {token}"}

    return ShopifySession


def _findings(
    app: Starlette, parameters: dict[str, str], auth: type | None, examples: int, *, coverage: bool = True
) -> list[str]:
    """Every distinct finding (one example per operation and kind), and a finding for any operation not tested."""
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", app, config=_config(parameters, examples, coverage=coverage)
    )
    if auth is not None:
        schema.auth(refresh_interval=None)(auth)

    operations = {f"{method.upper()} {path}" for path, item in schema.raw_schema["paths"].items() for method in item}
    operations.discard("GET /openapi.json")  # schemathesis never tests the document it reads
    tested: set[str] = set()
    found: dict[tuple[str | None, str], str] = {}
    for event in from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished | events.FuzzScenarioFinished):
            tested.add(event.recorder.label)
            for checks in event.recorder.checks.values():
                for check in checks:
                    if (info := check.failure_info) is not None:
                        key = (info.failure.operation, info.failure.code)
                        found.setdefault(key, _describe(info.failure, info.code_sample))
        elif isinstance(event, events.EngineFinished):
            for failure in event.failures:
                found.setdefault((failure.operation, failure.code), _describe(failure, ""))
        elif isinstance(event, events.NonFatalError | events.FatalError):
            found[(None, str(event.id))] = f"error: {event}"
    untested = [f"{label}: not tested" for label in sorted(operations - tested)]
    return sorted(found.values()) + untested


def _describe(failure: Failure, reproduce: str) -> str:
    return f"{failure.operation}: [{failure.code}] {failure.title}: {failure.message}\n    {reproduce}"


@pytest.fixture
def app(settings: Settings, stores: DevStores, key_prefix: str) -> Iterator[Starlette]:
    emulators = Starlette(routes=[Mount("/shopify", app=stores.shopify), Mount("/bigcommerce", app=stores.bigcommerce)])
    http = httpx.AsyncClient(transport=httpx.ASGITransport(app=emulators), base_url=DEVSTORE)
    assert settings.redis_url is not None

    async def seed() -> None:
        redis = connect(str(settings.redis_url))
        await seed_demo_shop(build_services(settings, redis, http), install=True)
        await redis.aclose()

    async def clean() -> None:
        redis = connect(str(settings.redis_url))
        keys = [key async for key in redis.scan_iter(match=f"{key_prefix}:*", count=1000)]
        if keys:
            await redis.delete(*keys)
        await redis.aclose()

    asyncio.run(seed())
    try:
        yield create_app(settings, http=http)
    finally:
        shutdown_lifespans()  # the app's lifespan ran on schemathesis' own event loop
        asyncio.run(clean())


def test_a_stranger_finds_nothing_the_schema_does_not_say(app: Starlette) -> None:
    findings = _findings(app, {}, None, STRANGER_EXAMPLES, coverage=False)
    assert findings == [], "\n".join(findings)


def test_a_signed_in_shop_finds_nothing_the_schema_does_not_say(app: Starlette, stores: DevStores) -> None:
    findings = _findings(app, {"platform": "shopify", "shop": DEMO_SHOP}, shopify_session(stores), MAX_EXAMPLES)
    assert findings == [], "\n".join(findings)
