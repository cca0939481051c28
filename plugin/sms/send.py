"""Scheduled service texts: the job that turns one (order, stage, "sms") marker into at most one SMS.

Like the email send (webhooks.journey.send), everything is re-read at the last moment: the journey, the order
through the platform, SMS consent (a STOP since scheduling skips it), the sender rule of the number's country and
quiet hours in the customer's time zone (else the shop's), which defer it with a new job. The marker's
compare-and-set makes exactly one worker call the provider. 5xx and 429 answers put it back and let the job
system retry (Retry-After honoured); a refusal fails it for good; a lost answer marks it interrupted, never sent
twice. Each outcome and its reason are written on the record, which the admin's message log shows.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from plugin.email.journey_settings import JourneySettings, load_journey_settings
from plugin.email.pacing import customer_timezone, quiet_until
from plugin.email.records import (
    Journey,
    MessageRecord,
    claim_for_sending,
    create_message,
    increment_message,
    load_journey,
    load_message,
    move_message,
    update_message,
)
from plugin.email.stages import DELIVERED_RANK, Stage, is_marketing, rank_of
from plugin.email.wording import pick_locale
from plugin.errors import NotFoundError, PlatformError
from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.order_status.token import status_url
from plugin.privacy.subjects import DataSubject, known_subjects, resolve_subject
from plugin.services import Services
from plugin.shop_data import load_facts
from plugin.sms.config import SmsConfig, load_sms_config
from plugin.sms.consent import chosen_phone, mirror_platform_sms_consent, sms_permission
from plugin.sms.outbox import SmsOutbox
from plugin.sms.phone import country_of, to_e164
from plugin.sms.records import count, remember_provider_id
from plugin.sms.rules import refusal
from plugin.sms.transport import (
    OutgoingSms,
    PermanentSmsError,
    SmsTransport,
    TransientSmsError,
    UncertainSmsError,
)
from plugin.sms.twilio import TwilioTransport
from plugin.sms.wording import stage_text

log = logging.getLogger(__name__)

SMS_SEND_JOB = "sms.send"
CHANNEL = "sms"
MAX_SEND_ATTEMPTS = 6
STATUS_PATH = "/sms/twilio/status"
INBOUND_PATH = "/sms/twilio/inbound"

TransportFactory = Callable[[Services, ShopRef, SmsConfig], SmsTransport]


def configured_transport(services: Services, shop: ShopRef, config: SmsConfig) -> SmsTransport:
    """Twilio when the merchant connected it, else the dev outbox."""
    if config.connected:
        return TwilioTransport(services.http, config, origin=services.settings.twilio_api_origin)
    return SmsOutbox(services)


def callback_url(services: Services, shop: ShopRef, path: str) -> str:
    """The public URL Twilio calls back for this shop (the shop names whose auth token signs the request)."""
    return f"{services.settings.app_url}{path}?{urlencode({'shop': shop.tag})}"


def sms_job(shop: ShopRef, ref: str, generation: int) -> Job:
    return Job(SMS_SEND_JOB, shop, f"sms:{shop.tag}:{ref}:{generation}", {"ref": ref})


async def schedule_sms_stage(services: Services, shop: ShopRef, order_id: str, stage: Stage, *, due: float) -> None:
    """Create the (order, stage, sms) marker once and schedule its send, when the shop sends service texts.
    Consent is decided at send time: the customer may choose texts on the order-status page meanwhile.
    Scheduling an existing marker again is harmless (same job id) and repairs a job lost in a crash."""
    if is_marketing(stage) or not (await load_sms_config(services, shop)).enabled:
        return
    ref, _ = await create_message(services, shop, order_id, stage, state="scheduled", due=due, channel=CHANNEL)
    record = await load_message(services, shop, ref)
    if record is not None and record.state == "scheduled":
        generation = int(record.get("deferrals", "0"))
        delay = max(0.0, float(record.get("due", "0")) - time.time())
        await schedule_job(services.redis, services.keys, sms_job(shop, ref, generation), delay_seconds=delay)


def _still_due(record: MessageRecord, journey: Journey | None, settings: JourneySettings) -> str | None:
    """Why a scheduled text must not go any more (the same reasons as its email's), or None."""
    if journey is None or journey.cancelled:
        return "order_cancelled"
    if not settings.enabled(record.stage):
        return "disabled"
    if rank_of(record.stage) and journey.rank > rank_of(record.stage):
        return "superseded"
    if record.stage is Stage.DELAYED and journey.rank >= DELIVERED_RANK:
        return "delivered_meanwhile"
    return None


async def _skip(services: Services, shop: ShopRef, record: MessageRecord, reason: str) -> str:
    if await move_message(services, shop, record.ref, "scheduled", "skipped", reason=reason):
        log.info("sms skipped", extra={"shop": shop.tag, "message_ref": record.ref, "reason": reason.split(":")[0]})
    return "skipped"


async def _defer(services: Services, shop: ShopRef, record: MessageRecord, until: datetime, now: datetime) -> str:
    generation = await increment_message(services, shop, record.ref, "deferrals")
    await update_message(services, shop, record.ref, due=f"{until.timestamp():.3f}", deferred_for="quiet_hours")
    await schedule_job(
        services.redis,
        services.keys,
        sms_job(shop, record.ref, generation),
        delay_seconds=max(0.0, (until - now).total_seconds()),
    )
    return "deferred"


async def send_sms_message(
    services: Services,
    shop: ShopRef,
    ref: str,
    *,
    transport_for: TransportFactory = configured_transport,
    now: datetime | None = None,
) -> str:
    """Run one scheduled text; returns what happened (sent, skipped, deferred, failed, interrupted, ...)."""
    moment = now or datetime.now(UTC)
    record = await load_message(services, shop, ref)
    if record is None:
        return "gone"
    if record.state == "sending":
        return "interrupted" if await claim_for_sending(services, shop, ref) < 0 else "busy"
    if record.state != "scheduled":
        return record.state
    if not await services.shops.is_active(shop):
        return await _skip(services, shop, record, "shop_inactive")
    config = await load_sms_config(services, shop)
    if not config.enabled:
        return await _skip(services, shop, record, "sms_off")
    journey = await load_journey(services, shop, record.order_id)
    settings = await load_journey_settings(services, shop)
    reason = _still_due(record, journey, settings)
    if reason is not None:
        return await _skip(services, shop, record, reason)
    try:
        order = await services.platforms[shop.platform].fetch_order(shop, record.order_id)
    except NotFoundError:
        return await _skip(services, shop, record, "order_gone")
    except PlatformError as exc:
        if exc.retryable:
            raise
        return await _skip(services, shop, record, f"order_unreadable:{type(exc).__name__}")
    if order.status == "cancelled":
        return await _skip(services, shop, record, "order_cancelled")
    facts = await load_facts(services.redis, services.keys, shop)
    person = DataSubject(order.customer_id, order.email)
    subjects = await known_subjects(services, shop, person) if person.identifiers() else set()
    country = order.destination.country if order.destination else (facts.country if facts else None)
    phone = to_e164(await chosen_phone(services, shop, subjects) or order.phone, country)
    if phone is None:
        return await _skip(services, shop, record, "no_phone")
    named = DataSubject(order.customer_id, order.email, phone)
    await mirror_platform_sms_consent(services, shop, named, order.sms_marketing_consent, order.updated_at)
    subject = await resolve_subject(services, shop, named)
    subjects = await known_subjects(services, shop, named) | {subject}
    permission = await sms_permission(services, shop, subjects)
    await update_message(
        services,
        shop,
        ref,
        subject=subject,
        order_name=order.name,
        decision="send" if permission.allowed else "skip",
        basis=permission.basis,
        consent_entry=permission.entry,
    )
    if not permission.allowed:
        return await _skip(services, shop, record, permission.basis)
    if config.connected and (why := refusal(country_of(phone), config.kind, config.registered_countries)):
        return await _skip(services, shop, record, f"sender_rule:{why}")
    # No stage is exempt from quiet hours here (email exempts the confirmation): a phone buzzes, an inbox does not.
    zone = customer_timezone(order.note_attributes, facts.timezone if facts else None)
    until = quiet_until(moment, zone, settings.quiet_hours)
    if until is not None:
        return await _defer(services, shop, record, until, moment)
    link = status_url(services, shop, record.order_id, via=f"{record.stage.value}.sms")
    locale = pick_locale(order.locale, facts.locale if facts else None)  # the customer's, as their emails
    body = stage_text(record.stage, shop=facts.name if facts else shop.id, order=order.name, link=link, locale=locale)
    sms = OutgoingSms(
        shop, phone, body, ref, record.stage.value, subject, status_callback=callback_url(services, shop, STATUS_PATH)
    )
    return await _deliver(services, shop, record, sms, transport_for(services, shop, config))


async def _deliver(
    services: Services, shop: ShopRef, record: MessageRecord, sms: OutgoingSms, transport: SmsTransport
) -> str:
    claimed = await claim_for_sending(services, shop, record.ref)
    if claimed != 1:
        return "busy" if claimed == 0 else "interrupted"
    try:
        sent = await transport.send(sms)
    except TransientSmsError as exc:
        attempts = await increment_message(services, shop, record.ref, "attempts")
        if attempts >= MAX_SEND_ATTEMPTS:
            await move_message(
                services, shop, record.ref, "sending", "failed", error=str(exc), failed_at=f"{time.time():.3f}"
            )
            await count(services, shop, record.stage.value, "failed")
            return "failed"
        await move_message(services, shop, record.ref, "sending", "scheduled", error=str(exc))
        log.warning("sms will retry", extra={"shop": shop.tag, "message_ref": record.ref, "attempts": attempts})
        raise
    except PermanentSmsError as exc:
        await move_message(
            services, shop, record.ref, "sending", "failed", error=exc.reason, failed_at=f"{time.time():.3f}"
        )
        await count(services, shop, record.stage.value, "failed")
        log.error("sms refused", extra={"shop": shop.tag, "message_ref": record.ref, "code": exc.code})
        return "failed"
    except UncertainSmsError as exc:
        await move_message(services, shop, record.ref, "sending", "interrupted", reason=str(exc))
        return "interrupted"
    await move_message(
        services,
        shop,
        record.ref,
        "sending",
        "sent",
        sent_at=f"{time.time():.3f}",
        provider_id=sent.provider_id,
        provider_status=sent.status,
    )
    await remember_provider_id(services, shop, record.ref, sent.provider_id)
    await count(services, shop, record.stage.value, "sent")
    log.info("sms sent", extra={"shop": shop.tag, "message_ref": record.ref, "stage": record.stage.value})
    return "sent"


def sms_job_handlers(transport_for: TransportFactory = configured_transport) -> dict[str, JobHandler]:
    async def send(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        await send_sms_message(services, shop, str(args["ref"]), transport_for=transport_for)

    return {SMS_SEND_JOB: send}
