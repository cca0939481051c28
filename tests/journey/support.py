"""A shop with orders kept in memory behind the `Platform` interface, for journey tests that need many orders in
many states quickly (the full journeys go through the platform emulators instead)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx
from redis.asyncio import Redis

from plugin.app import build_services
from plugin.errors import NotFoundError
from plugin.events import PlatformEvent
from plugin.keys import ShopRef
from plugin.platform import Order, OrderLine, Shipment, ShopFacts
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import save_facts
from plugin.shops import StoredToken
from webhooks.handlers.orders import record_order
from webhooks.journey.advance import advance_order_journey

SHOP = ShopRef("shopify", "journey-test.myshopify.com")
SHOP_EMAIL = "owner@journey.test"
SHIPMENT_STATUS = {1: None, 2: "in_transit", 3: "out_for_delivery", 4: "delivered", 0: "failed"}


class MemoryPlatform:
    """The platform's current orders; `fetch_order` answers like an adapter would."""

    name = "shopify"

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}

    def webhook_topics(self) -> tuple[str, ...]:
        return ()

    def verify_webhook(self, headers: Mapping[str, str], body: bytes) -> PlatformEvent | None:
        raise NotImplementedError

    async def fetch_shop_facts(self, shop: ShopRef) -> ShopFacts:
        raise NotImplementedError

    async def fetch_order(self, shop: ShopRef, order_id: str) -> Order:
        found = self.orders.get(order_id)
        if found is None:
            raise NotFoundError(f"order {order_id} not found")
        return found

    async def list_recent_orders(self, shop: ShopRef, since: datetime) -> list[Order]:
        return []

    async def ensure_installation(self, shop: ShopRef) -> list[str]:
        return []


def _refuse(request: httpx.Request) -> httpx.Response:
    raise AssertionError(f"unexpected outbound call {request.url}")


def memory_services(settings: Settings, redis: Redis, platform: MemoryPlatform) -> tuple[Services, httpx.AsyncClient]:
    http = httpx.AsyncClient(transport=httpx.MockTransport(_refuse))
    return replace(build_services(settings, redis, http), platforms={"shopify": platform}), http


async def open_shop(services: Services, *, timezone: str = "Europe/Berlin") -> None:
    await services.shops.save_token(SHOP, StoredToken("shpat_test", "read_orders"))
    facts = ShopFacts(
        SHOP, "Journey Shop", "EUR", timezone, "DE", email=SHOP_EMAIL, locale="en", domains=("shop.test",)
    )
    await save_facts(services.redis, services.keys, facts)


def order_at(
    order_id: str,
    rank: int,
    *,
    email: str | None,
    customer_id: str | None = None,
    consent: str | None = None,
    placed: datetime | None = None,
    step: int = 0,
    locale: str = "en",
    cancelled: bool = False,
) -> Order:
    """The order as the platform shows it at main-track `rank` (0: delivery failed), `step` minutes after placing."""
    placed = placed or datetime.now(UTC) - timedelta(hours=1)
    updated = placed + timedelta(minutes=step)
    status = SHIPMENT_STATUS[rank]
    shipments = (
        () if status is None else (Shipment("s1", status, "DHL", "TRACK1", "https://track.test/TRACK1", updated),)
    )
    return Order(
        shop=SHOP,
        id=order_id,
        name=f"#{order_id}",
        created_at=placed,
        updated_at=updated,
        currency="EUR",
        total=Decimal("42.50"),
        status="cancelled" if cancelled else ("fulfilled" if shipments else "open"),
        customer_id=customer_id,
        email=email,
        first_name="Kim",
        locale=locale,
        email_marketing_consent=consent,
        lines=(OrderLine("Canvas tote", 1),),
        shipments=shipments,
    )


async def observe(services: Services, platform: MemoryPlatform, order: Order, *, current: bool = True) -> None:
    """The platform delivered an event and the handler fetched `order`: project it and advance the journey.
    With `current`, `order` is also what the platform shows from now on (stale fetches pass current=False)."""
    if current:
        platform.orders[order.id] = order
    await record_order(services, order)
    await advance_order_journey(services, SHOP, order.id)
