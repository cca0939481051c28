"""Service texts through the Twilio stand-in: only with SMS consent, exactly once per (order, stage, channel)
under retries and concurrent workers, deferred by quiet hours, refused (and logged) by a country's sender rule."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from plugin.admin.message_log import describe
from plugin.catalogs import LOCALES
from plugin.email.journey_settings import JourneySettings, save_journey_settings
from plugin.email.records import load_message, message_ref
from plugin.email.stages import Stage
from plugin.jobs import pending_jobs
from plugin.sms.consent import record_sms_choice
from plugin.sms.records import sms_stats
from plugin.sms.send import send_sms_message
from plugin.sms.wording import TEXTED_STAGES, help_text, stage_text
from tests.journey.support import SHOP
from tests.sms.conftest import SmsShop

pytestmark = pytest.mark.anyio


async def _text_record(sms: SmsShop, order_id: str, stage: Stage) -> dict[str, str]:
    record = await load_message(sms.services, SHOP, message_ref(sms.services, SHOP, order_id, stage, "sms"))
    assert record is not None, f"no text marker for {order_id}/{stage}"
    return dict(record.fields)


async def test_a_text_goes_only_to_customers_who_chose_texts(sms: SmsShop) -> None:
    await record_sms_choice(
        sms.services, SHOP, phone="0151 23456789", wants_updates=True, customer_id="c1001", default_country="DE"
    )
    await sms.order("1001", 1, phone=None)  # chose texts on the status page: the number given there is used
    await sms.order("1002", 1, phone="+4915199999999")  # a phone at checkout, but no choice of texts
    await sms.order("1003", 1, phone="+4915188888888", sms_marketing_consent="subscribed")  # subscribed on Shopify
    await sms.run_texts()

    assert sorted(text.to for text in sms.twilio.sent) == ["+4915123456789", "+4915188888888"]
    chosen = next(text for text in sms.twilio.sent if text.to == "+4915123456789")
    assert chosen.sender == "+4915712345678"
    assert "#1001" in chosen.body and "Journey Shop" in chosen.body and "Reply STOP" in chosen.body
    assert "/o/" in chosen.body  # the order-status page: parcels, the promise and the way to a person
    assert chosen.status_callback == sms.status_url()

    assert (await _text_record(sms, "1001", Stage.CONFIRMED))["basis"] == "sms_choice"
    assert (await _text_record(sms, "1003", Stage.CONFIRMED))["basis"] == "sms_marketing_consent"
    unchosen = await _text_record(sms, "1002", Stage.CONFIRMED)
    assert (unchosen["state"], unchosen["reason"]) == ("skipped", "no_sms_consent")
    assert (await sms_stats(sms.services, SHOP))["confirmed"] == {"sent": 2}


async def test_declining_texts_in_preferences_wins_over_the_platform_subscription(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone="+4915188888888", wants_updates=False, customer_id="c1004")
    await sms.order("1004", 1, phone="+4915188888888", sms_marketing_consent="subscribed")
    await sms.run_texts()
    assert sms.twilio.sent == []
    assert (await _text_record(sms, "1004", Stage.CONFIRMED))["reason"] == "sms_withdrawn"


async def test_retries_on_5xx_and_429_send_exactly_one_text(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone="+4915123456789", wants_updates=True, customer_id="c2001")
    sms.twilio.fail_next(503)
    sms.twilio.fail_next(429, retry_after=1)
    await sms.order("2001", 1, phone=None)
    for _ in range(4):  # each run: one attempt; the job system brings it back after its backoff
        await sms.run_texts(fast_forward=True)
    assert sms.twilio.requests == 3
    assert len(sms.twilio.sent) == 1
    record = await _text_record(sms, "2001", Stage.CONFIRMED)
    assert (record["state"], record["attempts"]) == ("sent", "2")
    assert record["provider_id"] == sms.twilio.sent[0].sid

    # The webhook comes again (redelivery) and two workers hold the same send: still one text.
    await sms.order("2001", 1, phone=None)
    ref = message_ref(sms.services, SHOP, "2001", Stage.CONFIRMED, "sms")
    outcomes = await asyncio.gather(*(send_sms_message(sms.services, SHOP, ref) for _ in range(3)))
    await sms.run_texts(fast_forward=True)
    assert set(outcomes) == {"sent"} and len(sms.twilio.sent) == 1
    assert (await sms_stats(sms.services, SHOP))["confirmed"] == {"sent": 1}


async def test_concurrent_workers_on_a_due_text_call_twilio_once(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone="+4915123456789", wants_updates=True, customer_id="c2002")
    await sms.order("2002", 1, phone=None)
    ref = message_ref(sms.services, SHOP, "2002", Stage.CONFIRMED, "sms")
    outcomes = await asyncio.gather(*(send_sms_message(sms.services, SHOP, ref) for _ in range(4)))
    assert outcomes.count("sent") == 1 and len(sms.twilio.sent) == 1


@pytest.mark.allow_error_logs("sms refused")
async def test_a_refusal_fails_the_text_for_good(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone="+4915123456789", wants_updates=True, customer_id="c2003")
    sms.twilio.opted_out.add("+4915123456789")  # Twilio answers 400 code 21610
    await sms.order("2003", 1, phone=None)
    await sms.run_texts()
    await sms.run_texts(fast_forward=True)
    record = await _text_record(sms, "2003", Stage.CONFIRMED)
    assert record["state"] == "failed" and "21610" in record["error"]
    assert sms.twilio.requests == 1


async def test_quiet_hours_defer_a_text_to_the_morning_in_the_customers_zone(sms: SmsShop) -> None:
    await save_journey_settings(sms.services, SHOP, JourneySettings())  # 21:00-08:00
    await record_sms_choice(sms.services, SHOP, phone="+4915123456789", wants_updates=True, customer_id="c3001")
    await sms.order("3001", 1, phone=None, note_attributes={"timezone": "America/New_York"})
    ref = message_ref(sms.services, SHOP, "3001", Stage.CONFIRMED, "sms")
    zone = ZoneInfo("America/New_York")
    late = datetime(2026, 3, 10, 23, 30, tzinfo=zone)
    jobs_before = await pending_jobs(sms.services.redis, sms.services.keys)

    assert await send_sms_message(sms.services, SHOP, ref, now=late) == "deferred"

    assert sms.twilio.sent == []
    record = await _text_record(sms, "3001", Stage.CONFIRMED)
    assert (record["state"], record["deferred_for"]) == ("scheduled", "quiet_hours")
    morning = datetime(2026, 3, 11, 8, 0, tzinfo=zone)
    assert float(record["due"]) == morning.timestamp()
    assert await pending_jobs(sms.services.redis, sms.services.keys) == jobs_before + 1
    # In the morning it goes.
    assert await send_sms_message(sms.services, SHOP, ref, now=morning + timedelta(minutes=1)) == "sent"


async def test_a_country_sender_rule_refuses_and_the_message_log_says_why(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone="+14155550123", wants_updates=True, customer_id="c4001")
    await sms.order("4001", 1, phone=None, country="US")
    await sms.run_texts()

    assert sms.twilio.requests == 0
    ref = message_ref(sms.services, SHOP, "4001", Stage.CONFIRMED, "sms")
    record = await load_message(sms.services, SHOP, ref)
    assert record is not None and record.state == "skipped"
    assert record.get("reason").startswith("sender_rule:US:")
    line = describe(record)
    assert line.stage == "Order confirmed (text)" and line.outcome == "Not sent"
    assert "US" in line.detail and "registered" in line.detail


async def test_a_customer_gets_texts_in_their_own_language_and_stop_stays_the_keyword(sms: SmsShop) -> None:
    for order_id, phone, locale in (("1101", "+4915111111111", "de-DE"), ("1102", "+4915122222222", "ja")):
        await record_sms_choice(sms.services, SHOP, phone=phone, wants_updates=True, customer_id=f"c{order_id}")
        await sms.order(order_id, 1, phone=None, locale=locale)
    await sms.run_texts()
    by_phone = {text.to: text.body for text in sms.twilio.sent}
    assert by_phone["+4915111111111"].startswith("Journey Shop: Danke, Ihre Bestellung #1101 ist eingegangen.")
    assert by_phone["+4915122222222"].startswith("Journey Shop：ご注文 #1102 を承りました。")
    assert all("/o/" in body and "STOP" in body for body in by_phone.values())


@pytest.mark.parametrize("locale", LOCALES)
def test_every_languages_texts_keep_stop_and_name_the_shop_and_order(locale: str) -> None:
    for stage in TEXTED_STAGES:
        text = stage_text(stage, shop="Shop", order="#1", link="https://a.test/o/x", locale=locale)
        assert "Shop" in text and "#1" in text and "STOP" in text, (locale, stage)
    assert "STOP" in help_text(shop="Shop", contact="help@shop.test", custom="", locale=locale)
    assert "STOP" in help_text(shop="Shop", contact=None, custom="", locale=locale)
