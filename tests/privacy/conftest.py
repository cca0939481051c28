"""Privacy fixtures: services on the test's Redis prefix and the worker's real consumer."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import build_event_handlers, build_services
from plugin.services import Services
from plugin.settings import Settings
from webhooks.consumer import EventConsumer


def _no_platform_calls(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"privacy work must not call the platform: {request.method} {request.url}")


@pytest.fixture
async def svc(settings: Settings, redis: Redis) -> AsyncIterator[Services]:
    async with httpx.AsyncClient(transport=httpx.MockTransport(_no_platform_calls)) as http:
        yield build_services(settings, redis, http)


@pytest.fixture
def consumer(svc: Services) -> EventConsumer:
    """The real worker's consumer with the app's real handler registry."""
    return EventConsumer(svc, build_event_handlers(), name="privacy-test")
