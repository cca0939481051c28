"""Carrier truth end to end: a Shopify order's fulfillment (signed webhooks from the Shopify emulator) makes the app
ask AfterShip (its emulator, over httpx) to follow the tracking number once; AfterShip's signed webhooks then move
the order through the journey, with emails on a real SMTP server and the checkpoints kept for the status page."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.devstore import shopify_demo
from plugin.devstore.aftership import Account, AfterShipEmulator
from plugin.devstore.shopify import ShopifyEmulator
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import order_messages
from plugin.email.transport import SmtpMailer
from plugin.jobs import failed_jobs
from plugin.keys import ShopRef
from plugin.privacy.erasure import erase_subject
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.shopify.sync import sync_shop_facts
from plugin.storage import as_optional_text
from plugin.tracking.model import CarrierStage
from plugin.tracking.privacy import TrackingCheckpointStore
from plugin.tracking.store import load_parcel, order_checkpoints
from plugin.tracking.webhook_url import webhook_url
from tests.conftest import AppClientFactory
from tests.journey.conftest import drain_events, run_jobs
from tests.smtp import Inbox
from webhooks.handlers.orders import order_key
from webhooks.stream import StreamKeys

pytestmark = pytest.mark.anyio
ORDER_ID = "450789470"
CUSTOMER_EMAIL = "customer1@example.com"
TRACKING_NUMBER = "00340434161094042557"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class DemoOrder:
    """The Shopify emulator's order #1001, placed just now; the platform only ever says "in transit"."""

    def __init__(self, emulator: ShopifyEmulator) -> None:
        self.clock = datetime.now(UTC) - timedelta(minutes=5)
        self.node: dict[str, Any] = copy.deepcopy(shopify_demo._ORDERS[0])
        self.node.update(
            createdAt=_iso(self.clock),
            updatedAt=_iso(self.clock),
            displayFulfillmentStatus="UNFULFILLED",
            fulfillments=[],
        )
        emulator.orders = [self.node, *emulator.orders[1:]]

    def ship(self) -> None:
        self.clock += timedelta(minutes=1)
        self.node.update(updatedAt=_iso(self.clock), displayFulfillmentStatus="FULFILLED")
        self.node["fulfillments"] = [
            {
                "legacyResourceId": "255858046",
                "status": "SUCCESS",
                "displayStatus": "IN_TRANSIT",
                "updatedAt": _iso(self.clock),
                "trackingInfo": [{"company": "DHL", "number": TRACKING_NUMBER, "url": "https://www.dhl.de/track"}],
            }
        ]


def _path(url: str) -> str:
    return urlsplit(url).path


async def _platform(client: httpx.AsyncClient, emulator: ShopifyEmulator, topic: str) -> None:
    headers, body = emulator.webhook(topic)
    answer = await client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.status_code == 200, answer.text


async def _queued(services: Services) -> int:
    return sum([int(await services.redis.xlen(sk.stream)) for sk in StreamKeys.every(services.keys)])


async def _prepare(services: Services, shop: ShopRef) -> None:
    await sync_shop_facts(services, shop, {})
    await save_journey_settings(services, shop, JourneySettings(quiet_hours=None))


async def test_carrier_scans_drive_the_journey_and_are_kept_per_shipment(
    services: Services,
    connected: ShopRef,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    account: Account,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    shop = connected
    await _prepare(services, shop)
    order = DemoOrder(shopify)
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    hook = _path(webhook_url(services, shop))

    async with app_client(http=devstore_http) as client:

        async def settle() -> None:
            await drain_events(services)
            await run_jobs(services, jobs)

        await _platform(client, shopify, "orders/create")
        await settle()
        assert aftership.create_calls == 0  # no shipment, nothing to follow

        # Shipped with a tracking number; Shopify repeats itself: AfterShip is asked once.
        order.ship()
        for topic in ("fulfillments/create", "orders/updated", "fulfillments/create"):
            await _platform(client, shopify, topic)
        await settle()
        await _platform(client, shopify, "fulfillments/update")
        await settle()
        assert aftership.create_calls == 1
        followed = account.trackings[TRACKING_NUMBER]
        assert followed["order_id"] == ORDER_ID and followed["order_number"] == "#1001"
        parcel = await load_parcel(services, shop, TRACKING_NUMBER)
        assert parcel is not None and parcel.tracker_id == followed["id"]

        # The carrier scans it out for delivery: the platform never said so, the customer hears it anyway.
        headers, body = aftership.checkpoint_delivery(
            account.api_key, TRACKING_NUMBER, "OutForDelivery", message="With delivery courier", event_id="evt-ofd"
        )
        answers = [(await client.post(hook, headers=headers, content=body)).json()["status"] for _ in range(2)]
        assert answers == ["queued", "duplicate"]  # AfterShip's retry of the same event
        assert await drain_events(services) == 1
        await run_jobs(services, jobs)

        sent = [str(message["Subject"]) for message in inbox.to(CUSTOMER_EMAIL)]
        assert sent == [
            "Danke für Ihre Bestellung #1001",
            "Ihre Bestellung #1001 ist unterwegs",
            "Ihre Bestellung #1001 kommt heute",
        ]

        answer = await aftership.send_checkpoint(client, account.api_key, TRACKING_NUMBER, "Delivered", url=hook)
        assert answer.json() == {"status": "queued"}
        await settle()
        assert [str(m["Subject"]) for m in inbox.to(CUSTOMER_EMAIL)][3:] == ["Ihre Bestellung #1001 wurde zugestellt"]

    (shipment,) = await order_checkpoints(services, shop, ORDER_ID)
    assert shipment.tracking_number == TRACKING_NUMBER and shipment.stage is CarrierStage.DELIVERED
    assert [(c.stage, c.message) for c in shipment.checkpoints] == [
        (CarrierStage.OUT_FOR_DELIVERY, "With delivery courier"),
        (CarrierStage.DELIVERED, "Delivered"),
    ]
    assert {c.location for c in shipment.checkpoints} == {"Berlin, Germany"}  # no postcode, no coordinates
    stored = str(await services.redis.hgetall(f"{services.keys.shop(shop, 'tracking', 'order', ORDER_ID)}"))
    assert "10115" not in stored and "Dev Customer" not in stored and "customer@example.com" not in stored
    states = {record.stage.value: record.state for record in await order_messages(services, shop, ORDER_ID)}
    assert states["out_for_delivery"] == "sent" and states["delivered"] == "sent"


async def test_a_carrier_exception_starts_the_delayed_stage(
    services: Services,
    connected: ShopRef,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    account: Account,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    smtp_url: str,
) -> None:
    shop = connected
    await _prepare(services, shop)
    order = DemoOrder(shopify)
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    async with app_client(http=devstore_http) as client:
        await _platform(client, shopify, "orders/create")
        order.ship()
        await _platform(client, shopify, "fulfillments/create")
        await drain_events(services)
        await run_jobs(services, jobs)
        await aftership.send_checkpoint(
            client, account.api_key, TRACKING_NUMBER, "Exception", url=_path(webhook_url(services, shop))
        )
        await drain_events(services)
    states = {record.stage.value: record.state for record in await order_messages(services, shop, ORDER_ID)}
    assert states.get("delayed") in ("scheduled", "sent")
    (shipment,) = await order_checkpoints(services, shop, ORDER_ID)
    assert shipment.stage is CarrierStage.EXCEPTION

    # The customer's data request finds the scans; their erasure removes them with the tracking number's link.
    state = json.loads(
        str(as_optional_text(await services.redis.hget(order_key(services.keys, shop, ORDER_ID), "state")))
    )
    person = DataSubject(customer_id=str(state["customer_id"]))
    (exported,) = await TrackingCheckpointStore().export(services, shop, person)
    assert exported["order_id"] == ORDER_ID and exported["checkpoints"][0]["stage"] == "exception"
    erased = await erase_subject(services, shop, person)
    assert erased.counts["tracking"] == 2  # the order's checkpoints and its parcel record
    assert await order_checkpoints(services, shop, ORDER_ID) == []
    assert await load_parcel(services, shop, TRACKING_NUMBER) is None


async def test_tracker_creation_is_retried_on_5xx_and_done_once(
    services: Services,
    connected: ShopRef,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    account: Account,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
) -> None:
    order = DemoOrder(shopify)
    jobs = build_job_handlers()
    aftership.fail_next(2, status=503)
    async with app_client(http=devstore_http) as client:
        order.ship()
        await _platform(client, shopify, "fulfillments/create")
        await drain_events(services)
    await run_jobs(services, jobs)
    assert aftership.create_calls == 1 and account.trackings == {}
    await run_jobs(services, jobs, fast_forward=True)
    await run_jobs(services, jobs, fast_forward=True)
    assert aftership.create_calls == 3 and list(account.trackings) == [TRACKING_NUMBER]
    await run_jobs(services, jobs, fast_forward=True)
    assert aftership.create_calls == 3  # done: nothing left to retry
    assert await failed_jobs(services.redis, services.keys) == set()


@pytest.mark.allow_error_logs("job failed for good")
async def test_a_refused_key_is_not_retried(
    services: Services,
    installed: ShopRef,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
) -> None:
    from plugin.tracking.connection import connect
    from plugin.tracking.model import Credentials

    await connect(services, installed, Credentials("revoked-api-key", "some-webhook-secret"))
    order = DemoOrder(shopify)
    jobs = build_job_handlers()
    async with app_client(http=devstore_http) as client:
        order.ship()
        await _platform(client, shopify, "fulfillments/create")
        await drain_events(services)
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    assert aftership.create_calls == 1
    assert await failed_jobs(services.redis, services.keys) == {f"tracking:{installed.tag}:{TRACKING_NUMBER}"}


@pytest.mark.parametrize(
    "forgery",
    [
        pytest.param({"secret": "not-the-merchants-secret"}, id="wrong-secret"),
        pytest.param({"drop_signature": True}, id="missing-signature"),
        pytest.param({"tamper": True}, id="body-changed-after-signing"),
    ],
)
async def test_a_badly_signed_webhook_is_refused_and_nothing_is_queued(
    services: Services,
    connected: ShopRef,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    account: Account,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    forgery: dict[str, Any],
) -> None:
    order = DemoOrder(shopify)
    async with app_client(http=devstore_http) as client:
        order.ship()
        await _platform(client, shopify, "fulfillments/create")
        await drain_events(services)
        await run_jobs(services, build_job_handlers())
        assert await _queued(services) == 0
        headers, body = aftership.checkpoint_delivery(
            account.api_key, TRACKING_NUMBER, "Delivered", secret=forgery.get("secret")
        )
        if forgery.get("drop_signature"):
            headers = {"Content-Type": "application/json"}
        if forgery.get("tamper"):
            body = body.replace(b"Delivered", b"Delivere!")
        answer = await client.post(_path(webhook_url(services, connected)), headers=headers, content=body)
        assert answer.status_code == 401 and "signature" in answer.json()["error"]
        assert await _queued(services) == 0
        assert await order_checkpoints(services, connected, ORDER_ID) == []


async def test_unknown_addresses_and_unconnected_shops_are_refused(
    services: Services,
    installed: ShopRef,
    aftership: AfterShipEmulator,
    account: Account,
    app_client: AppClientFactory,
) -> None:
    account.trackings[TRACKING_NUMBER] = {"tracking_number": TRACKING_NUMBER, "slug": "dhl", "checkpoints": []}
    headers, body = aftership.checkpoint_delivery(account.api_key, TRACKING_NUMBER, "InTransit")
    async with app_client() as client:
        forged_path = _path(webhook_url(services, installed))[:-3] + "xyz"
        assert (await client.post(forged_path, headers=headers, content=body)).status_code == 404
        answer = await client.post(_path(webhook_url(services, installed)), headers=headers, content=body)
        assert answer.status_code == 401 and "not connected" in answer.json()["error"]
    assert await _queued(services) == 0


async def test_without_a_connection_nothing_calls_aftership(
    services: Services,
    installed: ShopRef,
    shopify: ShopifyEmulator,
    aftership: AfterShipEmulator,
    devstore_http: httpx.AsyncClient,
    app_client: AppClientFactory,
) -> None:
    order = DemoOrder(shopify)
    jobs = build_job_handlers()
    async with app_client(http=devstore_http) as client:
        await _platform(client, shopify, "orders/create")
        order.ship()
        await _platform(client, shopify, "fulfillments/create")
        await drain_events(services)
    await run_jobs(services, jobs, fast_forward=True)
    assert aftership.calls == []
    assert await load_parcel(services, installed, TRACKING_NUMBER) is None
    # The platform's own stage still reaches the journey, as before.
    states = {record.stage.value for record in await order_messages(services, installed, ORDER_ID)}
    assert "shipped" in states
