"""The whole journey of a Shopify order, driven by signed webhooks from the emulator through the app, the worker's
consumer and jobs in-process, and a real SMTP server on loopback."""

from __future__ import annotations

import copy
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from plugin.app import build_job_handlers
from plugin.devstore import shopify_demo
from plugin.devstore.shopify import ShopifyEmulator
from plugin.email.context import marketing_hold
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import order_messages
from plugin.email.surveys import survey_results
from plugin.email.transport import SmtpMailer
from plugin.keys import ShopRef
from plugin.privacy.consent import consent_history
from plugin.privacy.subjects import DataSubject, known_subjects, subject_key
from plugin.services import Services
from plugin.shop_data import load_shipping_setup, save_shipping_setup
from plugin.shopify.sync import sync_shipping_zones, sync_shop_facts
from tests.conftest import AppClientFactory
from tests.email_checks import message_problems
from tests.journey.conftest import Inbox, drain_events, run_jobs
from tests.shopify.conftest import EMULATOR_BASE, emulator, emulator_http, installed, services

pytestmark = pytest.mark.anyio
__all__ = ["emulator", "emulator_http", "installed", "services"]  # fixtures shared with the Shopify tests
ORDER_ID = "450789470"
CUSTOMER_EMAIL = "customer1@example.com"


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


class DemoOrder:
    """The emulator's order #1001, placed just now, whose fulfillment the test moves along."""

    def __init__(self) -> None:
        self.placed = datetime.now(UTC) - timedelta(minutes=5)
        self.clock = self.placed
        self.node: dict[str, Any] = copy.deepcopy(shopify_demo._ORDERS[0])
        self.node.update(
            createdAt=_iso(self.placed),
            updatedAt=_iso(self.placed),
            displayFulfillmentStatus="UNFULFILLED",
            fulfillments=[],
        )

    def tick(self) -> str:
        self.clock += timedelta(minutes=1)
        stamp = _iso(self.clock)
        self.node["updatedAt"] = stamp
        return stamp

    def fulfil(self, display_status: str) -> None:
        at = self.tick()
        self.node["displayFulfillmentStatus"] = "FULFILLED"
        self.node["fulfillments"] = [
            {
                "legacyResourceId": "255858046",
                "status": "SUCCESS",
                "displayStatus": display_status,
                "updatedAt": at,
                "trackingInfo": [
                    {"company": "DHL", "number": "00340434161094042557", "url": "https://www.dhl.de/track"}
                ],
            }
        ]


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    test_env["UPFRONT_SHOPIFY_ORIGIN"] = EMULATOR_BASE + "/{shop}"
    return test_env


@pytest.fixture
def demo_order(emulator: ShopifyEmulator) -> DemoOrder:
    """The emulator's first order, which the test moves through its life (the emulator reads it live)."""
    order = DemoOrder()
    emulator.orders = [order.node, *emulator.orders[1:]]
    return order


async def _prepare_shop(services: Services, shop: ShopRef) -> None:
    await sync_shop_facts(services, shop, {})
    await sync_shipping_zones(services, shop, {})
    setup = await load_shipping_setup(services.redis, services.keys, shop)
    assert setup is not None
    # Shopify gives no transit times; the merchant's default makes the confirmation promise a window.
    await save_shipping_setup(services.redis, services.keys, shop, replace(setup, default_transit_days=(1, 3)))
    await save_journey_settings(services, shop, JourneySettings(feedback_kind="nps", quiet_hours=None))


async def _deliver(client: httpx.AsyncClient, emulator: ShopifyEmulator, topic: str, **kwargs: Any) -> str:
    headers, body = emulator.webhook(topic, **kwargs)
    answer = await client.post("/webhooks/shopify", headers=headers, content=body)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["status"])


def _stage_subjects(messages: list[EmailMessage]) -> list[str]:
    return [str(message["Subject"]) for message in messages]


async def test_a_shopify_order_gets_one_message_per_stage_whatever_the_deliveries(
    services: Services,
    installed: ShopRef,
    emulator: ShopifyEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    demo_order: DemoOrder,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    shop = installed
    await _prepare_shop(services, shop)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)

    async with app_client(http=emulator_http) as client:

        async def step(*deliveries: tuple[str, dict[str, Any]]) -> list[str]:
            answers = [await _deliver(client, emulator, topic, **kwargs) for topic, kwargs in deliveries]
            await drain_events(services)
            await run_jobs(services, jobs)
            return answers

        # Placed: the same delivery twice (Shopify retries) and an orders/updated for the same state.
        assert await step(
            ("orders/create", {"event_id": "evt-create"}),
            ("orders/create", {"event_id": "evt-create"}),
            ("orders/updated", {}),
        ) == ["queued", "duplicate", "queued"]
        confirmed = inbox.to(CUSTOMER_EMAIL)
        assert _stage_subjects(confirmed) == ["Danke für Ihre Bestellung #1001"]  # customerLocale "de"
        text = confirmed[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
        assert "Voraussichtliche Lieferung" in text and "Canvas tote" in text

        demo_order.fulfil("IN_TRANSIT")
        await step(("fulfillments/create", {}), ("orders/updated", {}), ("fulfillments/create", {}))
        demo_order.fulfil("OUT_FOR_DELIVERY")
        await step(("fulfillment_events/create", {}))
        demo_order.fulfil("DELIVERED")
        await step(("fulfillments/update", {}))
        # Late and repeated deliveries about earlier states change nothing: a stage never goes backwards.
        await step(("fulfillments/create", {}), ("fulfillment_events/create", {}), ("orders/create", {}))

        service = inbox.to(CUSTOMER_EMAIL)
        assert _stage_subjects(service) == [
            "Danke für Ihre Bestellung #1001",
            "Ihre Bestellung #1001 ist unterwegs",
            "Ihre Bestellung #1001 kommt heute",
            "Ihre Bestellung #1001 wurde zugestellt",
        ]
        shipped_html = service[1].get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        assert 'href="https://upfront.test/o/' in shipped_html and "style=" in shipped_html  # CSS inlined
        assert "dhl.de" not in shipped_html  # the order-status page links to the carrier, the email to the page
        for message in service:  # service messages: no unsubscribe, nothing to promote
            assert message["List-Unsubscribe"] is None and message["Auto-Submitted"] == "auto-generated"
        assert len({message["Message-ID"] for message in service}) == 4

        # Days later: the NPS request (the customer is subscribed on Shopify).
        await run_jobs(services, jobs, fast_forward=True)
        (feedback,) = inbox.to(CUSTOMER_EMAIL)[4:]
        assert feedback["Subject"] == "Wie war Ihre Bestellung #1001?"
        assert feedback["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        https_link, mailto = [part.strip(" <>") for part in str(feedback["List-Unsubscribe"]).split(",")]
        assert https_link.startswith("https://upfront.test/email/unsubscribe?t=") and mailto.startswith("mailto:")
        assert mailer.connections_opened == 1  # one SMTP connection carried every message
        assert [problem for m in inbox.to(CUSTOMER_EMAIL) for problem in message_problems(m, "de")] == []

        records = {record.stage.value: record for record in await order_messages(services, shop, ORDER_ID)}
        assert {stage: r.state for stage, r in records.items()} == {
            "confirmed": "sent",
            "shipped": "sent",
            "out_for_delivery": "sent",
            "delivered": "sent",
            "feedback": "sent",
            "recommendations": "skipped",  # off by default
        }
        assert records["feedback"].get("basis") == "consent:platform"
        assert CUSTOMER_EMAIL not in str(records)

        # A detractor clicks 3 of 10: counted, the merchant is alerted, marketing to the customer stops.
        html = feedback.get_body(preferencelist=("html",)).get_content()  # type: ignore[union-attr]
        three = next(link for link in _links(html) if "/email/answer" in link and _score_of(html, link) == "3")
        answered = await client.get(three.replace("https://upfront.test", ""))
        assert answered.status_code == 200 and "comment" in answered.text
        results = await survey_results(services, shop, date.today() - timedelta(days=1))
        assert (results.nps.responses, results.nps.detractors, results.nps.score) == (1, 1, -100.0)
        person = DataSubject("207119551", CUSTOMER_EMAIL)
        assert await marketing_hold(services, shop, await known_subjects(services, shop, person)) == "detractor"
        await run_jobs(services, jobs, fast_forward=True)
        (alert,) = inbox.to("hello@upfront-demo.example")
        assert "#1001" in str(alert["Subject"]) and "3" in str(alert["Subject"])

        # One-click unsubscribe, as a mail provider does it (RFC 8058): recorded in the ledger at once.
        unsubscribed = await client.post(
            urlsplit(https_link).path + "?" + urlsplit(https_link).query,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert unsubscribed.status_code == 200
        customer = subject_key(services, shop, customer_id="207119551")
        history = await consent_history(services, shop, customer)
        withdrawals = [(r.purpose, r.source) for r in history if not r.granted]
        assert ("marketing_email", "email_link") in withdrawals and ("review_survey", "email_link") in withdrawals
    await mailer.aclose()


def _links(html: str) -> list[str]:
    return [link.replace("&amp;", "&") for link in re.findall(r'href="([^"]+)"', html)]


def _score_of(html: str, link: str) -> str:
    escaped = re.escape(link.replace("&", "&amp;"))
    found = re.search(escaped + r'"[^>]*>(\d+)</a>', html)
    return found.group(1) if found else ""
