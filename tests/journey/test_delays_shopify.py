"""Delays caught first on a Shopify order, driven by signed webhooks from the emulator through the app, the
worker's consumer and jobs in-process, and a real SMTP server on loopback: a stalled shipment and a carrier
exception each get one apology, marketing to the customer waits while the order is at risk, the merchant sees it
at risk, and delivery ends all of it."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from plugin.app import build_job_handlers
from plugin.devstore import shopify_demo
from plugin.devstore.aftership import AfterShipEmulator, create_aftership_emulator
from plugin.devstore.shopify import DEMO_SHOP, ShopifyEmulator
from plugin.email.at_risk import order_at_risk
from plugin.email.compose import format_window
from plugin.email.context import marketing_hold
from plugin.email.records import delay_ref, load_message, message_ref, order_messages
from plugin.email.stages import DelayCause, Stage
from plugin.email.transport import SmtpMailer
from plugin.jobs import due_keys
from plugin.keys import ShopRef
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services
from plugin.storage import as_text
from plugin.tracking.connection import connect as connect_tracking
from plugin.tracking.model import Credentials
from tests.conftest import APP_URL, AppClientFactory
from tests.email_checks import message_problems
from tests.journey.conftest import Inbox, drain_events, make_due, run_jobs
from tests.journey.test_delivery_promises import GERMANY_ZONE, _fresh_install
from tests.journey.test_shopify_journey import (
    CUSTOMER_EMAIL,
    ORDER_ID,
    DemoOrder,
    _iso,
    _prepare_shop,
    demo_order,
)
from tests.shopify.conftest import EMULATOR_BASE, emulator, installed, services
from webhooks.journey.delays import check_stalled, transit_allowance
from widgets.estimator.delivery import ShippingCalendar
from widgets.estimator.learning import MIN_SAMPLES, DeliverySample, record_delivery, refresh_learned_transit

pytestmark = pytest.mark.anyio
__all__ = ["demo_order", "emulator", "installed", "services"]  # shared fixtures
PERSON = DataSubject("207119551", CUSTOMER_EMAIL)
EARLIER_ID = "450789999"
BERLIN = ShippingCalendar("DE", "Europe/Berlin")  # the demo shop ships from Germany
DELAYED_SUBJECT = "Ihre Bestellung #1001 verspätet sich – das tut uns leid"  # the customer's locale is "de"


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env["UPFRONT_SHOPIFY_ORIGIN"] = EMULATOR_BASE + "/{shop}"
    test_env["UPFRONT_AFTERSHIP_API_ORIGIN"] = EMULATOR_BASE + "/aftership"
    return test_env


@pytest.fixture
def aftership() -> AfterShipEmulator:
    return create_aftership_emulator()


@pytest.fixture
async def emulator_http(emulator: ShopifyEmulator, aftership: AfterShipEmulator) -> AsyncIterator[httpx.AsyncClient]:
    """Shopify and the merchant's AfterShip account behind the app's outbound client."""
    both = Starlette(routes=[Mount("/aftership", app=aftership), Mount("", app=emulator)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=both), base_url=EMULATOR_BASE) as client:
        yield client


def _earlier_order(emulator: ShopifyEmulator) -> dict[str, Any]:
    """The same customer's earlier order, delivered an hour ago: its review request is due in a few days."""
    node: dict[str, Any] = copy.deepcopy(shopify_demo._ORDERS[0])
    placed, delivered = datetime.now(UTC) - timedelta(hours=3), datetime.now(UTC) - timedelta(hours=1)
    node.update(legacyResourceId=EARLIER_ID, name="#0999", createdAt=_iso(placed), updatedAt=_iso(delivered))
    node["fulfillments"] = [
        {
            "legacyResourceId": "255858999",
            "status": "SUCCESS",
            "displayStatus": "DELIVERED",
            "createdAt": _iso(placed + timedelta(minutes=30)),
            "updatedAt": _iso(delivered),
            "deliveredAt": _iso(delivered),
            "trackingInfo": [{"company": "DHL", "number": "00340434161094049999", "url": "https://www.dhl.de/track"}],
        }
    ]
    emulator.orders.append(node)
    return node


async def _prepare_tracked_shop(services: Services, shop: ShopRef, aftership: AfterShipEmulator) -> None:
    """The merchant's transit days (1-3 business days) and carrier tracking connected: a silent parcel then means
    no scan, which is what a stall is (without tracking, silence is no evidence: see the test below)."""
    await _prepare_shop(services, shop)
    account = aftership.add_account()
    await connect_tracking(services, shop, Credentials(account.api_key, account.webhook_secret))


async def _job(services: Services, prefix: str) -> tuple[str, float, dict[str, Any]]:
    """The one scheduled job whose id starts with `prefix`: its id, due time and arguments."""
    for due in due_keys(services.keys):
        for member, score in await services.redis.zrange(due, 0, -1, withscores=True):
            job_id = as_text(member)
            if job_id.startswith(prefix):
                payload = await services.redis.hget(due.removesuffix("due") + f"job:{job_id}", "payload")
                return job_id, float(score), json.loads(as_text(payload))["args"]
    raise AssertionError(f"no job {prefix}*")


async def _lose_send_job(services: Services, ref: str) -> None:
    """What a worker crash between creating the apology and scheduling its send leaves: the marker, no job."""
    for due in due_keys(services.keys):
        for member in await services.redis.zrange(due, 0, -1):
            if ref in as_text(member):
                await services.redis.zrem(due, member)


def _text(message: Any) -> str:
    return str(message.get_body(preferencelist=("plain",)).get_content())


async def _expected_on_the_page(client: httpx.AsyncClient, apology: Any) -> str:
    """What the order-status page the apology links to says under "expected now"."""
    found = re.search(rf"{re.escape(APP_URL)}(/o/[^\s?]+)", _text(apology))
    assert found, "the apology links to the order's page"
    page = await client.get(found.group(1), headers={"accept-language": "de-DE"})  # the customer's browser
    assert page.status_code == 200, page.text
    expected = re.search(r"<dd data-expected>(.*?)</dd>", page.text, re.S)
    assert expected is not None
    return expected.group(1)


async def test_a_stalled_shipment_gets_one_apology_and_holds_marketing_until_it_is_delivered(
    services: Services,
    aftership: AfterShipEmulator,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    demo_order: DemoOrder,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    shop = installed
    await _prepare_tracked_shop(services, shop, aftership)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    earlier = _earlier_order(emulator)
    admin = {"Authorization": f"Bearer {emulator.session_token()}"}

    async with app_client(http=emulator_http) as client:

        async def deliver(topic: str, **kwargs: Any) -> None:
            headers, body = emulator.webhook(topic, **kwargs)
            answer = await client.post("/webhooks/shopify", headers=headers, content=body)
            assert answer.status_code == 200, answer.text
            await drain_events(services)
            await run_jobs(services, jobs)

        async def at_risk_page() -> str:
            page = await client.get("/admin/api/fragments/at_risk", headers=admin)
            assert page.status_code == 200, page.text
            return page.text

        assert "No order is at risk right now." in await at_risk_page()
        await deliver("orders/create", payload=shopify_demo.rest_order(earlier, DEMO_SHOP))
        await deliver("orders/create")
        demo_order.fulfil("IN_TRANSIT")
        await deliver("fulfillments/create")
        shipped_at = demo_order.clock

        # The check is set for when the parcel has been silent longer than the window's 3 business days.
        last_day = BERLIN.add_business_days(shipped_at.astimezone(BERLIN.timezone).date(), 3)
        stalled_at = datetime.combine(last_day + timedelta(days=1), time.min, tzinfo=BERLIN.timezone)
        _, due, args = await _job(services, "journey-stall:")
        assert due == pytest.approx(stalled_at.timestamp())
        assert [m["Subject"] for m in inbox.to(CUSTOMER_EMAIL) if "1001" in str(m["Subject"])] == [
            "Danke für Ihre Bestellung #1001",
            "Ihre Bestellung #1001 ist unterwegs",
        ]

        # The check runs; the worker dies before the apology's send job is stored; the job is retried, then
        # runs once more: one apology.
        await check_stalled(services, shop, args)
        ref = delay_ref(services, shop, ORDER_ID, DelayCause.STALLED)
        await _lose_send_job(services, ref)
        assert await make_due(services, "journey-stall:") == 1
        await run_jobs(services, jobs)
        await check_stalled(services, shop, args)
        await run_jobs(services, jobs)
        apologies = [m for m in inbox.to(CUSTOMER_EMAIL) if m["Subject"] == DELAYED_SUBJECT]
        assert len(apologies) == 1
        quiet_days = (stalled_at - shipped_at).days
        expected = BERLIN.add_business_days(datetime.now(BERLIN.timezone).date(), 3)
        text = _text(apologies[0])
        assert f"Seit {quiet_days} Tagen gibt es keine neue Sendungsverfolgung" in text
        assert f"jetzt bis {format_window(expected, expected, 'de')}" in text
        # The page the apology links to names the same new day, not a window counted from the stalled hand-over.
        assert (await _expected_on_the_page(client, apologies[0])).startswith(format_window(expected, expected, "de"))
        assert apologies[0]["List-Unsubscribe"] is None  # a service message
        assert message_problems(apologies[0], "de") == []

        # Marketing waits: the earlier order's review request, due now, is not sent.
        assert await marketing_hold(services, shop, await known_subjects(services, shop, PERSON)) == "order_at_risk"
        assert await make_due(services, f"email:{shop.tag}:{message_ref(services, shop, EARLIER_ID, Stage.FEEDBACK)}")
        await run_jobs(services, jobs)
        review = await load_message(services, shop, message_ref(services, shop, EARLIER_ID, Stage.FEEDBACK))
        assert review is not None and (review.state, review.get("reason")) == ("skipped", "hold:order_at_risk")
        assert not [m for m in inbox.to(CUSTOMER_EMAIL) if "Wie war" in str(m["Subject"])]

        # The merchant sees it at risk: cause, since, promised window, new expectation, the apology sent.
        page = await at_risk_page()
        row = page.split('data-order="450789470" data-cause="stalled"')[1].split("</tr>")[0]
        assert "#1001" in row and "No tracking update" in row and "Sent" in row
        assert expected.isoformat() in row and shipped_at.strftime("%Y-%m-%d %H:%M UTC") in row
        (entry,) = await order_at_risk(services, shop, ORDER_ID)
        assert (entry.cause, entry.expected) == (DelayCause.STALLED, expected.isoformat())

        # Delivered: off the list, the hold lifted, and later messages go as usual; still one apology.
        demo_order.fulfil("DELIVERED")
        await deliver("fulfillments/update")
        assert "No order is at risk right now." in await at_risk_page()
        assert await order_at_risk(services, shop, ORDER_ID) == []
        assert await marketing_hold(services, shop, await known_subjects(services, shop, PERSON)) is None
        await run_jobs(services, jobs, fast_forward=True)
        subjects = [str(m["Subject"]) for m in inbox.to(CUSTOMER_EMAIL) if "1001" in str(m["Subject"])]
        assert subjects == [
            "Danke für Ihre Bestellung #1001",
            "Ihre Bestellung #1001 ist unterwegs",
            DELAYED_SUBJECT,
            "Ihre Bestellung #1001 wurde zugestellt",
            "Wie war Ihre Bestellung #1001?",
        ]
    notices = [r for r in await order_messages(services, shop, ORDER_ID) if r.stage is Stage.DELAYED]
    assert [(r.get("cause"), r.state) for r in notices] == [("stalled", "sent")]
    await mailer.aclose()


async def test_a_carrier_exception_gets_one_apology_for_that_cause(
    services: Services,
    aftership: AfterShipEmulator,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    demo_order: DemoOrder,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    shop = installed
    await _prepare_tracked_shop(services, shop, aftership)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    admin = {"Authorization": f"Bearer {emulator.session_token()}"}

    async with app_client(http=emulator_http) as client:

        async def deliver(topic: str, **kwargs: Any) -> None:
            headers, body = emulator.webhook(topic, **kwargs)
            answer = await client.post("/webhooks/shopify", headers=headers, content=body)
            assert answer.status_code == 200, answer.text
            await drain_events(services)
            await run_jobs(services, jobs)

        await deliver("orders/create")
        demo_order.fulfil("IN_TRANSIT")
        await deliver("fulfillments/create")
        # The carrier reports a failed delivery (shipment_status "failure"); Shopify sends it more than once.
        demo_order.fulfil("FAILURE")
        await deliver("fulfillment_events/create")
        await deliver("fulfillments/update")
        await deliver("fulfillments/update", event_id="evt-again")
        # The stall check of the failed shipment finds its problem already told: no second apology for it.
        await make_due(services, "journey-stall:")
        await run_jobs(services, jobs)

        apologies = [m for m in inbox.to(CUSTOMER_EMAIL) if m["Subject"] == DELAYED_SUBJECT]
        assert len(apologies) == 1
        assert "Der Versanddienstleister hat ein Problem bei der Zustellung Ihres Pakets gemeldet." in _text(
            apologies[0]
        )
        [entry] = await order_at_risk(services, shop, ORDER_ID)
        told = date.fromisoformat(str(entry.expected))
        assert f"bis {format_window(told, told, 'de')}" in _text(apologies[0])
        assert (await _expected_on_the_page(client, apologies[0])).startswith(format_window(told, told, "de"))
        assert await marketing_hold(services, shop, await known_subjects(services, shop, PERSON)) == "order_at_risk"
        page = (await client.get("/admin/api/fragments/at_risk", headers=admin)).text
        row = page.split('data-order="450789470" data-cause="exception"')[1].split("</tr>")[0]
        assert "The carrier reported a problem" in row and "Sent" in row
    notices = [r for r in await order_messages(services, shop, ORDER_ID) if r.stage is Stage.DELAYED]
    assert [(r.get("cause"), r.state) for r in notices] == [("exception", "sent")]
    await mailer.aclose()


async def test_the_stall_deadline_is_the_zones_learned_transit_time_else_the_default(
    services: Services, installed: ShopRef
) -> None:
    shop = installed
    await _fresh_install(services, shop)  # Shopify gives no transit times; the merchant typed none
    now = datetime.now(UTC)
    order = {
        "created_at": now.isoformat(),
        "destination": {"country": "DE", "province": None, "postcode": "10119"},
        "shipping_method": "Standard",
        "total": "29.90",
        "currency": "EUR",
        "quantity": 1,
    }
    assert (await transit_allowance(services, shop, order)).transit_days == 5  # the domestic default, 1-5
    shipped = now.date() - timedelta(days=20)
    for number in range(MIN_SAMPLES):  # deliveries to Germany by Standard took 7 business days
        sample = DeliverySample(f"s{number}", GERMANY_ZONE, "Standard", shipped, shipped + timedelta(days=9), 7)
        assert await record_delivery(services, shop, sample, now)
    await refresh_learned_transit(services, shop)
    assert (await transit_allowance(services, shop, order)).transit_days == 7
    abroad = {**order, "destination": {"country": "US", "province": "NY", "postcode": "10001"}}
    assert (await transit_allowance(services, shop, abroad)).transit_days == 15  # nothing learned there


async def test_a_shipment_that_moved_since_is_not_stalled(
    services: Services,
    aftership: AfterShipEmulator,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    demo_order: DemoOrder,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    shop = installed
    await _prepare_tracked_shop(services, shop, aftership)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    async with app_client(http=emulator_http) as client:

        async def deliver(topic: str) -> None:
            headers, body = emulator.webhook(topic)
            assert (await client.post("/webhooks/shopify", headers=headers, content=body)).status_code == 200
            await drain_events(services)
            await run_jobs(services, jobs)

        await deliver("orders/create")
        demo_order.fulfil("IN_TRANSIT")
        await deliver("fulfillments/create")
        _, _, in_transit = await _job(services, "journey-stall:")
        demo_order.fulfil("OUT_FOR_DELIVERY")  # a scan: the silence starts again
        await deliver("fulfillment_events/create")
        # The check set for the earlier progress comes due: the parcel moved since, so nothing is said.
        await check_stalled(services, shop, in_transit)
        await run_jobs(services, jobs)
    assert not [m for m in inbox.to(CUSTOMER_EMAIL) if m["Subject"] == DELAYED_SUBJECT]
    assert await order_at_risk(services, shop, ORDER_ID) == []
    await mailer.aclose()


async def test_without_carrier_tracking_a_quiet_parcel_is_not_called_stalled(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    demo_order: DemoOrder,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    # A fulfillment without a carrier integration reports nothing after "shipped" (BigCommerce never does): that
    # silence is no evidence, so no stall check is set and no apology can follow from it.
    shop = installed
    await _prepare_shop(services, shop)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    async with app_client(http=emulator_http) as client:
        for topic in ("orders/create", "fulfillments/create"):
            if topic == "fulfillments/create":
                demo_order.fulfil("IN_TRANSIT")
            headers, body = emulator.webhook(topic)
            assert (await client.post("/webhooks/shopify", headers=headers, content=body)).status_code == 200
            await drain_events(services)
            await run_jobs(services, jobs)
    with pytest.raises(AssertionError, match="no job journey-stall"):
        await _job(services, "journey-stall:")
    assert not [m for m in inbox.to(CUSTOMER_EMAIL) if m["Subject"] == DELAYED_SUBJECT]
    await mailer.aclose()
