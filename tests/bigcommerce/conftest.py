"""BigCommerce fixtures: the emulator, the app's settings pointed at it, and services wired as in production."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import build_job_handlers, build_services
from plugin.devstore.bigcommerce import BigCommerceEmulator, create_bigcommerce_emulator
from plugin.jobs import run_due_jobs
from plugin.services import Services
from plugin.settings import Settings
from tests.conftest import APP_URL, BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET

EMULATOR_BASE = "http://bigcommerce.emulator"


class RecordingSleep:
    """Injected instead of anyio.sleep: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    api_origin, login_origin = BigCommerceEmulator.origins(EMULATOR_BASE)
    test_env["UPFRONT_BIGCOMMERCE_API_ORIGIN"] = api_origin
    test_env["UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN"] = login_origin
    return test_env


@pytest.fixture
def emulator() -> BigCommerceEmulator:
    return create_bigcommerce_emulator(BIGCOMMERCE_CLIENT_ID, BIGCOMMERCE_SECRET, APP_URL)


@pytest.fixture
async def emulator_http(emulator: BigCommerceEmulator) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=emulator)
    async with httpx.AsyncClient(transport=transport, base_url=EMULATOR_BASE) as client:
        yield client


@pytest.fixture
def services(settings: Settings, redis: Redis, emulator_http: httpx.AsyncClient) -> Services:
    """The same wiring the app and the worker use, on the test's Redis prefix."""
    return build_services(settings, redis, emulator_http)


async def run_jobs(services: Services) -> int:
    return await run_due_jobs(services, build_job_handlers())
