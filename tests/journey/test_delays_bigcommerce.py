"""A BigCommerce order whose promised delivery window passes without delivery: one apology saying so, with the
promise and the new expectation, the order at risk until BigCommerce reports it received (Completed)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email.utils import format_datetime

import httpx
import pytest

from plugin.admin.at_risk import at_risk_rows
from plugin.app import build_job_handlers
from plugin.devstore.bigcommerce import BigCommerceEmulator
from plugin.email.compose import format_window
from plugin.email.records import journey_ref, load_journey, order_messages
from plugin.email.stages import Stage
from plugin.email.transport import SmtpMailer
from plugin.services import Services
from tests.bigcommerce.conftest import emulator, emulator_http, services
from tests.conftest import AppClientFactory
from tests.email_checks import message_problems
from tests.journey.conftest import Inbox, drain_events, make_due, run_jobs
from tests.journey.test_bigcommerce_journey import ADA, SHOP, _install
from webhooks.journey.delays import check_late

pytestmark = pytest.mark.anyio
__all__ = ["emulator", "emulator_http", "services"]  # fixtures shared with the BigCommerce tests
LATE_SUBJECT = "Your order #100 is delayed — we are sorry"


@pytest.fixture
def test_env(test_env: dict[str, str]) -> dict[str, str]:
    api_origin, login_origin = BigCommerceEmulator.origins("http://bigcommerce.emulator")
    test_env["UPFRONT_BIGCOMMERCE_API_ORIGIN"] = api_origin
    test_env["UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN"] = login_origin
    return test_env


async def test_a_passed_promised_window_gets_one_apology_until_the_order_is_received(
    services: Services,
    emulator: BigCommerceEmulator,
    emulator_http: httpx.AsyncClient,
    app_client: AppClientFactory,
    inbox: Inbox,
    smtp_url: str,
) -> None:
    store = emulator.store()
    await _install(services, store)
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    now = format_datetime(datetime.now(UTC))
    store.orders[100].update(date_created=now, date_modified=now, status_id=11, status="Awaiting Fulfillment")
    shipment = {**store.shipments[101][0], "id": 9, "order_id": 100}  # the demo's shipment, for this order
    store.shipments.pop(100, None)
    order = {"type": "order", "id": 100}

    async with app_client(http=emulator_http) as client:

        async def deliver(scope: str, data: dict[str, object]) -> None:
            headers, body = emulator.webhook_delivery(scope, data=data)
            assert (await client.post("/webhooks/bigcommerce", headers=headers, content=body)).status_code == 200
            await drain_events(services)
            await run_jobs(services, jobs)

        await deliver("store/order/created", order)
        journey = await load_journey(services, SHOP, "100")
        assert journey is not None
        first, last = (date.fromisoformat(day) for day in journey.fields["window"].split("/"))

        # The day after the window's last day (and a day's grace), the late check runs; then once more.
        assert await make_due(services, "journey-late:") == 1
        await run_jobs(services, jobs)
        await check_late(services, SHOP, {"journey": journey_ref(services, SHOP, "100")})
        await run_jobs(services, jobs)

    apologies = [m for m in inbox.to(ADA) if m["Subject"] == LATE_SUBJECT]
    assert len(apologies) == 1
    text = apologies[0].get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    assert f"Your order is later than we promised: we said {format_window(first, last, 'en')}." in text
    assert "We now expect it to arrive by" in text
    assert message_problems(apologies[0], "en") == []

    (row,) = await at_risk_rows(services, SHOP)
    assert (row.order_name, row.cause_code, row.apology) == ("#100", "late", "Sent")
    # Not shipped: expected when an order placed now would be (the check ran the day it was placed: the same day).
    assert row.expected.iso == last.isoformat()
    assert f"We now expect it to arrive by {format_window(last, last, 'en')}." in text
    assert row.promised.iso == f"{first.isoformat()}/{last.isoformat()}" and row.since.startswith(
        date.fromordinal(last.toordinal() + 1).isoformat()
    )

    # Shipped at last, then BigCommerce's Completed: received. The order leaves the list; nothing more is
    # apologised.
    store.shipments[100] = [shipment]
    store.orders[100].update(status_id=10, status="Completed", date_modified=format_datetime(datetime.now(UTC)))
    async with app_client(http=emulator_http) as client:
        headers, body = emulator.webhook_delivery(
            "store/order/statusUpdated",
            data={"type": "order", "id": 100, "status": {"previous_status_id": 11, "new_status_id": 10}},
        )
        assert (await client.post("/webhooks/bigcommerce", headers=headers, content=body)).status_code == 200
        await drain_events(services)
        await run_jobs(services, jobs, fast_forward=True)
    assert await at_risk_rows(services, SHOP) == []
    notices = [r for r in await order_messages(services, SHOP, "100") if r.stage is Stage.DELAYED]
    assert [(r.get("cause"), r.state) for r in notices] == [("late", "sent")]
    assert len([m for m in inbox.to(ADA) if m["Subject"] == LATE_SUBJECT]) == 1
    await mailer.aclose()
