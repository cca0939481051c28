from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from redis.asyncio import Redis

from plugin.app import build_services
from plugin.events import ORDER_UPDATED, PlatformEvent
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings

SHOP = ShopRef("shopify", "demo.myshopify.com")
EPOCH = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture
async def svc(settings: Settings, redis: Redis) -> Services:
    return build_services(settings, redis, httpx.AsyncClient())


def order_event(delivery_id: str, order_id: str = "1001", version: int = 1, **payload: object) -> PlatformEvent:
    return PlatformEvent(
        shop=SHOP,
        type=ORDER_UPDATED,
        delivery_id=delivery_id,
        occurred_at=EPOCH + timedelta(minutes=version),
        source_topic="orders/updated",
        payload={"version": version, **payload},
        order_id=order_id,
    )
