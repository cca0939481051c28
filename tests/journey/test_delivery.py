"""Delivery against a real SMTP server: transient refusals retry through the job system, permanent ones are
recorded; quiet hours and the frequency cap defer; open issues are acknowledged; no SMTP URL means the dev outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from redis.asyncio import Redis

from plugin.app import build_job_handlers
from plugin.email.context import mark_open_issue, resolve_issue
from plugin.email.journey_settings import JourneySettings, QuietHours, save_journey_settings
from plugin.email.outbox import OutboxMailer, list_outbox
from plugin.email.pacing import quiet_until
from plugin.email.records import load_message, message_ref, order_messages
from plugin.email.stages import Stage
from plugin.email.transport import SmtpMailer
from plugin.privacy.subjects import subject_key
from plugin.services import Services
from plugin.settings import Settings
from tests.journey.conftest import Inbox, run_jobs
from tests.journey.support import SHOP, MemoryPlatform, memory_services, observe, open_shop, order_at
from webhooks.journey.send import send_stage_message

pytestmark = pytest.mark.anyio


@pytest.fixture
async def shop(settings: Settings, redis: Redis) -> AsyncIterator[tuple[Services, MemoryPlatform]]:
    platform = MemoryPlatform()
    services, http = memory_services(settings, redis, platform)
    await open_shop(services)
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None))
    yield services, platform
    await http.aclose()


async def test_a_deferring_server_gets_the_message_again_and_it_arrives_once(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str
) -> None:
    services, platform = shop
    mailer = SmtpMailer(smtp_url)
    jobs = build_job_handlers(mailer)
    inbox.defer_next = ["451 4.3.0 try again later", "421 4.7.0 busy"]
    await observe(services, platform, order_at("7001", 1, email="retry@example.com"))
    for _ in range(4):
        await run_jobs(services, jobs, fast_forward=True)
    assert [m["Subject"] for m in inbox.to("retry@example.com")] == ["Thank you for your order #7001"]
    record = await load_message(services, SHOP, message_ref(services, SHOP, "7001", Stage.CONFIRMED))
    assert record is not None and record.state == "sent" and record.get("attempts") == "2"
    await mailer.aclose()


@pytest.mark.allow_error_logs("message refused")
async def test_a_refused_recipient_is_recorded_and_not_retried(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str
) -> None:
    services, platform = shop
    inbox.refused.add("gone@example.com")
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    await observe(services, platform, order_at("7002", 1, email="gone@example.com"))
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    (record,) = await order_messages(services, SHOP, "7002")
    assert record.state == "failed" and record.get("error").startswith("recipient refused: 550")
    assert inbox.to("gone@example.com") == []


def test_quiet_hours_follow_the_local_clock() -> None:
    berlin, quiet = ZoneInfo("Europe/Berlin"), QuietHours(time(21), time(8))
    assert quiet_until(datetime(2026, 11, 22, 22, 30, tzinfo=berlin), berlin, quiet) == datetime(
        2026, 11, 23, 8, 0, tzinfo=berlin
    )
    assert quiet_until(datetime(2026, 11, 22, 6, 0, tzinfo=berlin), berlin, quiet) == datetime(
        2026, 11, 22, 8, 0, tzinfo=berlin
    )
    assert quiet_until(datetime(2026, 11, 22, 12, 0, tzinfo=berlin), berlin, quiet) is None
    # 20:30 UTC is 21:30 in Berlin but 15:30 in New York.
    evening = datetime(2026, 11, 22, 20, 30, tzinfo=UTC)
    assert quiet_until(evening, berlin, quiet) is not None
    assert quiet_until(evening, ZoneInfo("America/New_York"), quiet) is None


async def test_a_shipping_update_at_night_waits_for_the_morning(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str
) -> None:
    services, platform = shop
    await save_journey_settings(services, SHOP, JourneySettings())  # 21:00-08:00 in the shop's Europe/Berlin
    await observe(services, platform, order_at("7003", 2, email="night@example.com"))
    ref = message_ref(services, SHOP, "7003", Stage.SHIPPED)
    night = datetime(2026, 11, 22, 23, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    assert await send_stage_message(services, SHOP, ref, mailer=SmtpMailer(smtp_url), now=night) == "deferred"
    record = await load_message(services, SHOP, ref)
    assert record is not None and record.get("deferred_for") == "quiet_hours"
    assert float(record.get("due")) == datetime(2026, 11, 23, 8, 0, tzinfo=ZoneInfo("Europe/Berlin")).timestamp()
    morning = night + timedelta(hours=9, minutes=30)
    assert await send_stage_message(services, SHOP, ref, mailer=SmtpMailer(smtp_url), now=morning) == "sent"
    assert len(inbox.to("night@example.com")) == 1


async def test_an_open_help_request_is_acknowledged_and_holds_back_the_review_request(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str
) -> None:
    services, platform = shop
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None, soft_opt_in=True))
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    customer = subject_key(services, SHOP, customer_id="c-9")
    await mark_open_issue(services, SHOP, customer, "help_request", reference="ticket-1")
    await observe(services, platform, order_at("7004", 4, email="help@example.com", customer_id="c-9"))
    await run_jobs(services, jobs)
    (delivered,) = inbox.to("help@example.com")
    assert "open question" in delivered.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    await run_jobs(services, jobs, fast_forward=True)
    records = {r.stage: r for r in await order_messages(services, SHOP, "7004")}
    assert (records[Stage.FEEDBACK].state, records[Stage.FEEDBACK].get("reason")) == ("skipped", "open_issue")
    assert await resolve_issue(services, SHOP, customer, "help_request")


async def test_the_frequency_cap_defers_a_second_marketing_message(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str
) -> None:
    services, platform = shop
    await save_journey_settings(services, SHOP, JourneySettings(quiet_hours=None, soft_opt_in=True))
    jobs = build_job_handlers(SmtpMailer(smtp_url))
    for order_id in ("7005", "7006"):
        await observe(services, platform, order_at(order_id, 4, email="twice@example.com", customer_id="c-5"))
    await run_jobs(services, jobs)
    await run_jobs(services, jobs, fast_forward=True)
    feedback = [m for m in inbox.to("twice@example.com") if "How was" in str(m["Subject"])]
    assert len(feedback) == 1
    records = [*await order_messages(services, SHOP, "7005"), *await order_messages(services, SHOP, "7006")]
    states = sorted((r.state, r.get("deferred_for")) for r in records if r.stage is Stage.FEEDBACK)
    assert states == [("scheduled", "frequency_cap"), ("sent", "")]


async def test_without_an_smtp_server_messages_land_in_the_dev_outbox(shop: tuple[Services, MemoryPlatform]) -> None:
    services, platform = shop
    jobs = build_job_handlers(OutboxMailer())
    await observe(services, platform, order_at("7007", 2, email="dev@example.com", locale="de"))
    await run_jobs(services, jobs)
    (entry,) = await list_outbox(services, SHOP)
    assert entry.to == "dev@example.com" and entry.subject == "Ihre Bestellung #7007 ist unterwegs"
    assert "https://upfront.test/o/" in entry.text and entry.headers["Message-ID"].endswith("@upfront.test>")
    raw = await services.redis.lrange(services.keys.shop(SHOP, "email", "outbox"), 0, -1)
    assert "dev@example.com" not in str(raw[0])  # sealed at rest
