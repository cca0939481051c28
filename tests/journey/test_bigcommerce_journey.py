"""The journey of a BigCommerce order: signed webhooks from the emulator through the app, lightweight payloads
fetched back through the adapter, the worker's consumer and jobs in-process, a real SMTP server on loopback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.bigcommerce.adapter import BigCommercePlatform
from plugin.bigcommerce.store_sync import sync_facts, sync_shipping
from plugin.devstore.bigcommerce import BigCommerceEmulator, EmulatedStore
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import order_messages
from plugin.email.transport import SmtpMailer
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shops import StoredToken
from tests.bigcommerce.conftest import emulator, emulator_http, services
from tests.conftest import AppClientFactory
from tests.email_checks import message_problems
from tests.journey.conftest import Inbox, drain_events, run_jobs

pytestmark = pytest.mark.anyio
__all__ = ["emulator", "emulator_http", "services"]  # fixtures shared with the BigCommerce tests
SHOP = ShopRef("bigcommerce", "demo123")
ADA = "ada@customer.example"


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    api_origin, login_origin = BigCommerceEmulator.origins("http://bigcommerce.emulator")
    test_env["UPFRONT_BIGCOMMERCE_API_ORIGIN"] = api_origin
    test_env["UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN"] = login_origin
    return test_env


class OrderClock:
    def __init__(self, store: EmulatedStore) -> None:
        self.store = store
        self.now = datetime.now(UTC) - timedelta(minutes=10)
        order = store.orders[100]
        order["date_created"] = format_datetime(self.now)
        order["date_modified"] = format_datetime(self.now)

    def status(self, status_id: int, name: str) -> None:
        self.now += timedelta(minutes=1)
        self.store.orders[100].update(status_id=status_id, status=name, date_modified=format_datetime(self.now))


async def _install(services: Services, store: EmulatedStore) -> None:
    await services.shops.save_token(SHOP, StoredToken(store.access_token, "store_v2_orders_read_only"))
    platform = services.platforms["bigcommerce"]
    assert isinstance(platform, BigCommercePlatform)
    api = await platform.api(SHOP)
    facts = await sync_facts(api, services.redis, services.keys, SHOP)
    await sync_shipping(api, services.redis, services.keys, facts)
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None))


async def test_a_bigcommerce_order_gets_one_message_per_stage(
    services: Services,
    emulator: BigCommerceEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    store = emulator.store()
    await _install(services, store)
    clock = OrderClock(store)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)

    async with app_client(http=emulator_http) as client:

        async def step(*deliveries: tuple[str, dict[str, Any]]) -> list[str]:
            answers = []
            for scope, data in deliveries:
                headers, body = emulator.webhook_delivery(scope, data=data)
                answer = await client.post("/webhooks/bigcommerce", headers=headers, content=body)
                assert answer.status_code == 200, answer.text
                answers.append(str(answer.json()["status"]))
            await drain_events(services)
            await run_jobs(services, jobs)
            return answers

        order = {"type": "order", "id": 100}
        status = {"type": "order", "id": 100, "status": {"previous_status_id": 0, "new_status_id": 11}}
        assert await step(("store/order/created", order), ("store/order/statusUpdated", status)) == ["queued"] * 2
        assert [m["Subject"] for m in inbox.to(ADA)] == ["Thank you for your order #100"]

        # Shipped: the shipment appears, then its webhooks (created, then updated twice).
        store.shipments[100] = [
            {
                **store.shipments[101][0],
                "id": 9,
                "order_id": 100,
                "tracking_number": "1Z999AA10123456700",
                "tracking_link": "https://tracking.example/ups/1Z999AA10123456700",
            }
        ]
        clock.status(2, "Shipped")
        shipment = {"type": "shipment", "id": 9, "orderId": 100}
        await step(("store/shipment/created", shipment), ("store/shipment/updated", shipment))
        await step(("store/shipment/updated", shipment), ("store/order/statusUpdated", status))

        # Completed: BigCommerce's "received" — delivered. Out for delivery is never known here: superseded.
        clock.status(10, "Completed")
        await step(("store/order/statusUpdated", status), ("store/order/statusUpdated", status))
        await step(("store/shipment/updated", shipment), ("store/order/created", order))  # late, out of order

        assert [m["Subject"] for m in inbox.to(ADA)] == [
            "Thank you for your order #100",
            "Your order #100 is on its way",
            "Your order #100 has been delivered",
        ]
        shipped_text = inbox.to(ADA)[1].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        # The order-status page instead of the carrier's page (which the page itself links to).
        assert "https://upfront.test/o/" in shipped_text and "tracking.example" not in shipped_text

        await run_jobs(services, jobs, fast_forward=True)  # a week later: the CSAT request (targeting consent)
        feedback = inbox.to(ADA)[3:]
        assert [m["Subject"] for m in feedback] == ["How was your order #100?"]
        assert feedback[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert all(m["List-Unsubscribe"] is None for m in inbox.to(ADA)[:3])
        assert [problem for m in inbox.to(ADA) for problem in message_problems(m, "en")] == []

    states = {
        r.stage.value: (r.state, r.get("reason") or r.get("basis")) for r in await order_messages(services, SHOP, "100")
    }
    assert states == {
        "confirmed": ("sent", "service"),
        "shipped": ("sent", "service"),
        "out_for_delivery": ("skipped", "superseded"),
        "delivered": ("sent", "service"),
        "feedback": ("sent", "consent:platform"),
        "recommendations": ("skipped", "disabled"),
    }
    await mailer.aclose()
