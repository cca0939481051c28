"""What Twilio posts back, signed: STOP revokes SMS consent (and the next stage sends no text), START grants it
back, HELP is answered in TwiML, delivery statuses are recorded once; a bad X-Twilio-Signature changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from plugin.admin.dashboard import build_dashboard
from plugin.email.records import load_message, message_ref
from plugin.email.stages import Stage
from plugin.privacy.consent import consent_history, current_consent
from plugin.privacy.subjects import DataSubject, resolve_subject
from plugin.sms.config import load_sms_config, save_sms_config
from plugin.sms.consent import record_sms_choice
from plugin.sms.records import sms_stats
from tests.journey.support import SHOP
from tests.sms.conftest import SmsShop

pytestmark = pytest.mark.anyio
PHONE = "+4915123456789"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


async def _sms_consent(sms: SmsShop) -> dict[str, str]:
    subject = await resolve_subject(sms.services, SHOP, DataSubject(phone=PHONE))
    found = await current_consent(sms.services, SHOP, subject)
    return {purpose: status for purpose, status in found.items() if purpose.endswith("_sms")}


async def _text_state(sms: SmsShop, order_id: str, stage: Stage) -> tuple[str, str]:
    record = await load_message(sms.services, SHOP, message_ref(sms.services, SHOP, order_id, stage, "sms"))
    assert record is not None
    return record.state, record.get("reason")


async def test_stop_revokes_sms_consent_and_the_next_stage_sends_no_text(sms: SmsShop) -> None:
    await record_sms_choice(
        sms.services, SHOP, phone=PHONE, wants_updates=True, customer_id="c5001", email="kim@customer.test"
    )
    await sms.order("5001", 1, phone=None)
    await sms.run_texts()
    assert len(sms.twilio.sent) == 1

    answer = await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body=" stop ")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/xml")
    assert answer.text == EMPTY_TWIML
    assert await _sms_consent(sms) == {"service_sms": "withdrawn", "marketing_sms": "withdrawn"}
    subject = await resolve_subject(sms.services, SHOP, DataSubject(phone=PHONE))
    stop = (await consent_history(sms.services, SHOP, subject))[-1]
    assert (stop.source, stop.channel, stop.text) == ("sms_keyword", "sms", "replied STOP")
    # Email consent is a separate matter: STOP leaves it alone.
    assert "marketing_email" not in await current_consent(sms.services, SHOP, subject)

    twilio_requests = sms.twilio.requests
    await sms.order("5001", 2, phone=None)  # shipped
    await sms.run_texts()
    assert sms.twilio.requests == twilio_requests  # not even tried: the ledger says no, not Twilio's 21610
    assert await _text_state(sms, "5001", Stage.SHIPPED) == ("skipped", "sms_withdrawn")
    assert (await sms_stats(sms.services, SHOP))["all"] == {"unsubscribed": 1}
    # The dashboard counts it for the period, beside the texts (a reply names no text, so no stage).
    dashboard = await build_dashboard(sms.services, SHOP, 7, datetime.now(UTC))
    assert (dashboard.text_opt_outs, dashboard.unsubscribes) == (1, 0)

    await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body="UNSTOP")
    assert (await _sms_consent(sms))["service_sms"] == "granted"
    await sms.order("5001", 3, phone=None)  # out for delivery
    await sms.run_texts()
    assert len(sms.twilio.sent) == 2 and "out for delivery" in sms.twilio.sent[-1].body


@pytest.mark.parametrize("word", ["STOPALL", "unsubscribe", "Cancel", "END", "quit"])
async def test_every_standard_opt_out_word_revokes(sms: SmsShop, word: str) -> None:
    await record_sms_choice(sms.services, SHOP, phone=PHONE, wants_updates=True, customer_id="c2")
    await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body=word)
    assert (await _sms_consent(sms))["service_sms"] == "withdrawn"


async def test_help_is_answered_with_the_shops_contact(sms: SmsShop) -> None:
    answer = await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body="help")
    assert answer.status_code == 200
    assert "<Response><Message>Journey Shop: order updates by text. Help: owner@journey.test." in answer.text
    config = await load_sms_config(sms.services, SHOP)
    await save_sms_config(
        sms.services, SHOP, config.__class__(**{**config.__dict__, "help_text": "Call us: +49 30 1234 & <more>"})
    )
    answer = await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body="HELP")
    assert "<Message>Call us: +49 30 1234 &amp; &lt;more&gt;</Message>" in answer.text
    assert await _sms_consent(sms) == {}  # HELP changes no consent


async def test_an_ordinary_reply_changes_nothing(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone=PHONE, wants_updates=True, customer_id="c3")
    answer = await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body="please stop by tomorrow")
    assert answer.text == EMPTY_TWIML
    assert (await _sms_consent(sms))["service_sms"] == "granted"


@pytest.mark.parametrize(
    "signature",
    [pytest.param("", id="missing"), pytest.param("bm90IGEgc2lnbmF0dXJl", id="wrong")],
)
async def test_a_bad_signature_is_refused_and_changes_nothing(sms: SmsShop, signature: str) -> None:
    await record_sms_choice(sms.services, SHOP, phone=PHONE, wants_updates=True, customer_id="c6001")
    await sms.order("6001", 1, phone=None)
    await sms.run_texts()
    sid = sms.twilio.sent[0].sid

    stop = await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body="STOP", signature=signature)
    assert stop.status_code == 403
    assert (await _sms_consent(sms))["service_sms"] == "granted"

    status = await sms.twilio.report_status(sid, "delivered", signature=signature)
    assert status.status_code == 403
    record = await load_message(sms.services, SHOP, message_ref(sms.services, SHOP, "6001", Stage.CONFIRMED, "sms"))
    assert record is not None and "outcome" not in record.fields and record.get("provider_status") == "queued"
    assert (await sms_stats(sms.services, SHOP))["confirmed"] == {"sent": 1}


async def test_a_request_signed_for_another_url_is_refused(sms: SmsShop) -> None:
    """The signature covers the URL: a valid signature for another shop's callback URL does not carry over."""
    other = sms.inbound_url().replace("journey-test", "other-shop")
    params = {"From": PHONE, "Body": "STOP"}
    forged = sms.twilio.sign("devstore-twilio-auth-token", other, params)
    assert sms.twilio.http is not None
    answer = await sms.twilio.http.post(sms.inbound_url(), data=params, headers={"X-Twilio-Signature": forged})
    assert answer.status_code == 403


async def test_delivery_statuses_are_recorded_and_counted_once(sms: SmsShop) -> None:
    await record_sms_choice(sms.services, SHOP, phone=PHONE, wants_updates=True, customer_id="c7001")
    await sms.order("7001", 1, phone=None)
    await sms.order("7002", 1, phone="+4915188888888", sms_marketing_consent="subscribed")
    await sms.run_texts()
    first, second = sms.twilio.sent
    for status in ("sent", "delivered", "delivered"):  # Twilio may repeat a callback
        assert (await sms.twilio.report_status(first.sid, status)).status_code == 204
    assert (await sms.twilio.report_status(second.sid, "undelivered", error_code="30003")).status_code == 204

    ref = message_ref(sms.services, SHOP, "7001", Stage.CONFIRMED, "sms")
    record = await load_message(sms.services, SHOP, ref)
    assert record is not None and (record.get("provider_status"), record.get("outcome")) == ("delivered", "delivered")
    assert (await sms_stats(sms.services, SHOP))["confirmed"] == {"sent": 2, "delivered": 1, "failed": 1}


async def test_a_callback_without_the_message_fields_is_a_400(sms: SmsShop) -> None:
    params = {"AccountSid": "AC0123456789abcdef0123456789abcdef"}
    url = sms.status_url()
    assert sms.twilio.http is not None
    answer = await sms.twilio.http.post(
        url, data=params, headers={"X-Twilio-Signature": sms.twilio.sign("devstore-twilio-auth-token", url, params)}
    )
    assert answer.status_code == 400 and "MessageSid" in answer.text


@pytest.mark.parametrize("shop", ["", "nowhere:x", "shopify:", "shopify:bad shop/../id"], ids=repr)
async def test_a_callback_for_no_shop_is_refused(sms: SmsShop, shop: str) -> None:
    assert sms.twilio.http is not None
    answer = await sms.twilio.http.post(
        "/sms/twilio/inbound", params={"shop": shop}, data={"From": PHONE, "Body": "STOP"}
    )
    assert answer.status_code == 403


async def test_a_stop_is_not_undone_by_the_platforms_older_subscription(sms: SmsShop) -> None:
    """The order changes after the STOP (it ships) while Shopify still says SUBSCRIBED: no text, and the ledger
    keeps the customer's STOP as the latest word on marketing texts too."""
    await sms.order("9001", 1, phone=PHONE, sms_marketing_consent="subscribed")
    await sms.run_texts()
    assert len(sms.twilio.sent) == 1
    await sms.twilio.text_in(sms.inbound_url(), sender=PHONE, body="STOP")
    later = datetime.now(UTC) + timedelta(minutes=5)  # the order changed after the STOP
    await sms.order("9001", 2, phone=PHONE, sms_marketing_consent="subscribed", updated_at=later)
    await sms.run_texts()
    assert len(sms.twilio.sent) == 1
    assert await _text_state(sms, "9001", Stage.SHIPPED) == ("skipped", "sms_withdrawn")
    assert await _sms_consent(sms) == {"service_sms": "withdrawn", "marketing_sms": "withdrawn"}
