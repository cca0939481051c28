"""BigCommerce says "delivered" only when the merchant completes the order: with AfterShip connected, the carrier's
scans bring the out-for-delivery and delivered emails while the order is still "Shipped" on BigCommerce."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from urllib.parse import urlsplit

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.bigcommerce.store_sync import sync_facts, sync_shipping
from plugin.devstore.aftership import Account, AfterShipEmulator
from plugin.devstore.bigcommerce import BigCommerceEmulator
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import order_messages
from plugin.email.transport import SmtpMailer
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shops import StoredToken
from plugin.tracking.connection import connect
from plugin.tracking.model import CarrierStage, Credentials
from plugin.tracking.store import order_checkpoints
from plugin.tracking.webhook_url import webhook_url
from tests.conftest import AppClientFactory
from tests.journey.conftest import drain_events, run_jobs
from tests.smtp import Inbox

pytestmark = pytest.mark.anyio
SHOP = ShopRef("bigcommerce", "demo123")
ADA = "ada@customer.example"
NUMBER = "1Z999AA10123456700"


async def test_carrier_scans_deliver_a_bigcommerce_order_the_platform_still_calls_shipped(
    services: Services,
    bigcommerce: BigCommerceEmulator,
    aftership: AfterShipEmulator,
    account: Account,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    store = bigcommerce.store()
    await services.shops.save_token(SHOP, StoredToken(store.access_token, "store_v2_orders_read_only"))
    platform = services.platforms["bigcommerce"]
    assert isinstance(platform, BigCommercePlatform)
    api = await platform.api(SHOP)
    await sync_shipping(api, services.redis, services.keys, await sync_facts(api, services.redis, services.keys, SHOP))
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None))
    await connect(services, SHOP, Credentials(account.api_key, account.webhook_secret))
    now = datetime.now(UTC) - timedelta(minutes=10)
    store.orders[100].update(date_created=format_datetime(now), date_modified=format_datetime(now))
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    hook = urlsplit(webhook_url(services, SHOP)).path

    async with app_client(http=devstore_http) as client:

        async def deliver(scope: str, data: dict[str, object]) -> None:
            headers, body = bigcommerce.webhook_delivery(scope, data=data)
            assert (await client.post("/webhooks/bigcommerce", headers=headers, content=body)).status_code == 200
            await drain_events(services)
            await run_jobs(services, jobs)

        await deliver("store/order/created", {"type": "order", "id": 100})
        store.shipments[100] = [
            {**store.shipments[101][0], "id": 9, "order_id": 100, "tracking_number": NUMBER, "tracking_link": ""}
        ]
        store.orders[100].update(
            status_id=2, status="Shipped", date_modified=format_datetime(now + timedelta(minutes=1))
        )
        await deliver("store/shipment/created", {"type": "shipment", "id": 9, "orderId": 100})
        assert list(account.trackings) == [NUMBER] and account.trackings[NUMBER]["order_id"] == "100"

        for tag in ("OutForDelivery", "Delivered"):
            answer = await aftership.send_checkpoint(client, account.api_key, NUMBER, tag, url=hook)
            assert answer.json() == {"status": "queued"}
            await drain_events(services)
            await run_jobs(services, jobs)

    assert [m["Subject"] for m in inbox.to(ADA)] == [
        "Thank you for your order #100",
        "Your order #100 is on its way",
        "Your order #100 arrives today",
        "Your order #100 has been delivered",
    ]
    assert store.orders[100]["status"] == "Shipped"  # BigCommerce itself never said more
    states = {record.stage.value: record.state for record in await order_messages(services, SHOP, "100")}
    assert states["delivered"] == "sent"
    (shipment,) = await order_checkpoints(services, SHOP, "100")
    assert shipment.stage is CarrierStage.DELIVERED and len(shipment.checkpoints) == 2
