"""SMS fixtures: a shop whose orders live in memory (tests.journey.support), the Twilio stand-in reached over an
in-process HTTP transport as the adapter's origin, and the full app for Twilio's callbacks to land on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import build_services
from plugin.devstore.twilio import DEMO_ACCOUNT_SID, DEMO_AUTH_TOKEN, TwilioEmulator
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.jobs import due_keys, run_due_jobs
from plugin.platform import Destination, Order
from plugin.services import Services
from plugin.settings import Settings
from plugin.sms.config import SmsConfig, save_sms_config
from plugin.sms.send import INBOUND_PATH, STATUS_PATH, callback_url, sms_job_handlers
from tests.conftest import AppClientFactory
from tests.journey.support import SHOP, MemoryPlatform, observe, open_shop, order_at

TWILIO = "http://twilio.test"
SENDER = "+4915712345678"  # a German mobile number as the shop's sender


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env["UPFRONT_TWILIO_API_ORIGIN"] = TWILIO
    return test_env


@dataclass
class SmsShop:
    services: Services
    platform: MemoryPlatform
    twilio: TwilioEmulator

    async def order(self, order_id: str, rank: int, *, phone: str | None, **extra: Any) -> Order:
        """The platform shows the order at `rank` (tests.journey.support.order_at) and the journey advances."""
        country = extra.pop("country", "DE")
        order = replace(
            order_at(order_id, rank, email=f"{order_id}@customer.test", customer_id=f"c{order_id}", step=rank),
            phone=phone,
            destination=Destination(country),
            **extra,
        )
        await observe(self.services, self.platform, order)
        return order

    async def run_texts(self, *, fast_forward: bool = False) -> int:
        """Run due jobs with the worker's SMS handlers (email jobs of the same journeys are not this suite's)."""
        if fast_forward:
            for due in due_keys(self.services.keys):
                members: Any = await self.services.redis.zrange(due, 0, -1)
                if members:
                    await self.services.redis.zadd(due, dict.fromkeys(members, 0))
        handlers = {**sms_job_handlers(), "email.send": _ignore}
        return await run_due_jobs(self.services, handlers)

    def inbound_url(self) -> str:
        return callback_url(self.services, SHOP, INBOUND_PATH)

    def status_url(self) -> str:
        return callback_url(self.services, SHOP, STATUS_PATH)


async def _ignore(*_: Any) -> None:
    return None


@pytest.fixture
async def sms(settings: Settings, redis: Redis, app_client: AppClientFactory) -> AsyncIterator[SmsShop]:
    twilio = TwilioEmulator()
    async with (
        httpx.AsyncClient(transport=httpx.ASGITransport(app=twilio.app()), base_url=TWILIO) as to_twilio,
        app_client() as to_app,
    ):
        twilio.http = to_app  # status callbacks and incoming texts reach the app under test
        platform = MemoryPlatform()
        services = replace(build_services(settings, redis, to_twilio), platforms={"shopify": platform})
        await open_shop(services)  # Journey Shop, Europe/Berlin, owner@journey.test
        await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None))
        await save_sms_config(
            services,
            SHOP,
            SmsConfig(account_sid=DEMO_ACCOUNT_SID, auth_token=DEMO_AUTH_TOKEN, sender=SENDER, enabled=True),
        )
        yield SmsShop(services, platform, twilio)
