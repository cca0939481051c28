"""Scheduled sends: the job that turns one (order, stage) marker into at most one email, the merchant alert after a
detractor answer, and the late-delivery check.

A send re-reads everything at the last moment (journey, settings, the order through the platform, consent), so a
stage disabled, superseded, cancelled or unsubscribed since scheduling is skipped with its reason. Quiet hours and
the marketing frequency cap defer the message with a new job; the marker's compare-and-set makes exactly one
worker talk to the SMTP server. The decision and its basis are written on the message record; logs carry refs,
never addresses.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from html import escape
from typing import Any

from plugin.email.at_risk import add_subject
from plugin.email.compose import (
    MessageLinks,
    build_email,
    content_for_order,
    delay_notice_for,
    format_window,
    message_id,
    message_links,
)
from plugin.email.context import marketing_hold, open_issues
from plugin.email.eligibility import Decision, marketing_decision
from plugin.email.journey_settings import JourneySettings, load_journey_settings
from plugin.email.pacing import (
    customer_timezone,
    marketing_slot_free_at,
    quiet_until,
    release_marketing_slot,
    reserve_marketing_slot,
)
from plugin.email.problems import record_template_problem
from plugin.email.records import (
    Journey,
    MessageRecord,
    claim_for_sending,
    increment_message,
    load_journey,
    load_message,
    move_message,
    update_message,
)
from plugin.email.render import RenderedMessage, render_message
from plugin.email.stages import STAGES, Stage, is_marketing, rank_of
from plugin.email.surveys import ALERT_JOB, load_answer, response_key
from plugin.email.transport import Mailer, OutgoingMessage, PermanentDeliveryError, TransientDeliveryError
from plugin.email.wording import pick_locale, wording
from plugin.errors import NotFoundError, PlatformError
from plugin.jobs import JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.platform import Order, ShopFacts
from plugin.privacy.subjects import DataSubject, known_subjects, resolve_subject
from plugin.services import Services
from plugin.shop_data import load_facts
from webhooks.journey.delays import delay_job_handlers
from webhooks.journey.scheduling import SEND_JOB, send_job

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 6  # below the job system's own limit, so the record says "failed" when retries run out
MARKETING_DEFER_LIMIT = timedelta(days=30)  # a review request later than this is no longer worth sending
QUIET_EXEMPT = frozenset({Stage.CONFIRMED})  # the customer just ordered: they expect it now


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


async def _skip(services: Services, shop: ShopRef, record: MessageRecord, reason: str, **fields: str) -> None:
    if await move_message(services, shop, record.ref, "scheduled", "skipped", reason=reason, **fields):
        log.info(
            "message skipped",
            extra={"shop": shop.tag, "message_ref": record.ref, "stage": record.stage.value, "reason": reason},
        )


async def _defer(
    services: Services, shop: ShopRef, record: MessageRecord, until: datetime, why: str, now: datetime
) -> None:
    generation = await increment_message(services, shop, record.ref, "deferrals")
    await update_message(services, shop, record.ref, due=f"{until.timestamp():.3f}", deferred_for=why)
    job = send_job(shop, record.ref, generation)
    await schedule_job(services.redis, services.keys, job, delay_seconds=max(0.0, (until - now).total_seconds()))
    log.info(
        "message deferred",
        extra={"shop": shop.tag, "message_ref": record.ref, "reason": why, "until": until.isoformat()},
    )


def _still_due(record: MessageRecord, journey: Journey | None, settings: JourneySettings) -> str | None:
    """Why a scheduled message must not go any more, or None."""
    if journey is None or journey.cancelled:
        return "order_cancelled"
    if not settings.enabled(record.stage):
        return "disabled"
    rank = rank_of(record.stage)
    if rank and journey.rank > rank:
        return "superseded"
    if record.stage is Stage.DELAYED and journey.rank >= rank_of(Stage.DELIVERED):
        return "delivered_meanwhile"
    return None


def _window(journey: Journey, locale: str) -> str | None:
    raw = journey.fields.get("window")
    if not raw:
        return None
    first, _, last = raw.partition("/")
    return format_window(date.fromisoformat(first), date.fromisoformat(last), locale)


async def _decide(
    services: Services,
    shop: ShopRef,
    record: MessageRecord,
    order: Order,
    email: str,
    subjects: set[str],
    issues: Mapping[str, Any],
    settings: JourneySettings,
) -> Decision:
    if not is_marketing(record.stage):
        return Decision(True, "service")
    if issues:
        return Decision(False, "open_issue")
    hold = await marketing_hold(services, shop, subjects)
    if hold:
        return Decision(False, f"hold:{hold}")
    purpose = STAGES[record.stage].purpose or "marketing_email"
    return await marketing_decision(
        services,
        shop,
        purpose=purpose,
        customer_id=order.customer_id,
        email=email,
        platform_state=order.email_marketing_consent,
        platform_seen_at=order.updated_at,
        soft_opt_in=settings.soft_opt_in,
    )


async def send_stage_message(
    services: Services, shop: ShopRef, ref: str, *, mailer: Mailer, now: datetime | None = None
) -> str:
    """Run one scheduled message; returns what happened (sent, skipped, deferred, failed, ...)."""
    moment = _now(now)
    record = await load_message(services, shop, ref)
    if record is None:
        return "gone"  # erased, or never existed
    if record.state == "sending":
        return "interrupted" if await claim_for_sending(services, shop, ref) < 0 else "busy"
    if record.state != "scheduled":
        return record.state
    if not await services.shops.is_active(shop):
        await _skip(services, shop, record, "shop_inactive")
        return "skipped"
    journey = await load_journey(services, shop, record.order_id)
    settings = await load_journey_settings(services, shop)
    reason = _still_due(record, journey, settings)
    if reason is not None or journey is None:
        await _skip(services, shop, record, reason or "order_cancelled")
        return "skipped"
    try:
        order = await services.platforms[shop.platform].fetch_order(shop, record.order_id)
    except NotFoundError:
        await _skip(services, shop, record, "order_gone")
        return "skipped"
    except PlatformError as exc:
        if exc.retryable:
            raise  # the job system retries with backoff
        await _skip(services, shop, record, f"order_unreadable:{type(exc).__name__}")
        return "skipped"
    if order.status == "cancelled":
        await _skip(services, shop, record, "order_cancelled")
        return "skipped"
    if not order.email:
        await _skip(services, shop, record, "no_email")
        return "skipped"
    person = DataSubject(order.customer_id, order.email)
    subject = await resolve_subject(services, shop, person)
    subjects = await known_subjects(services, shop, person) | {subject}
    await update_message(services, shop, ref, subject=subject, order_name=order.name)
    if record.stage is Stage.DELAYED:  # a guest is known once their email is read: hold their marketing too
        await add_subject(services, shop, record.order_id, subject)
    issues = await open_issues(services, shop, subjects)
    decision = await _decide(services, shop, record, order, order.email, subjects, issues, settings)
    await update_message(
        services,
        shop,
        ref,
        decision="send" if decision.allowed else "skip",
        basis=decision.basis,
        consent_entry=decision.consent_entry,
    )
    log.info(
        "message decision",
        extra={
            "shop": shop.tag,
            "message_ref": ref,
            "stage": record.stage.value,
            "allowed": decision.allowed,
            "basis": decision.basis,
        },
    )
    if not decision.allowed:
        await _skip(services, shop, record, decision.basis)
        return "skipped"
    facts = await load_facts(services.redis, services.keys, shop)
    marketing = is_marketing(record.stage)
    if marketing and moment.timestamp() - float(record.get("first_due", "0")) > MARKETING_DEFER_LIMIT.total_seconds():
        await _skip(services, shop, record, "expired")
        return "skipped"
    if record.stage not in QUIET_EXEMPT:
        zone = customer_timezone(order.note_attributes, facts.timezone if facts else None)
        until = quiet_until(moment, zone, settings.quiet_hours)
        if until is not None:
            await _defer(services, shop, record, until, "quiet_hours", moment)
            return "deferred"
    if marketing and not await reserve_marketing_slot(services, shop, subject, ref, settings.marketing_cap_days):
        wait = await marketing_slot_free_at(services, shop, subject)
        await _defer(services, shop, record, moment + timedelta(seconds=wait + 60), "frequency_cap", moment)
        return "deferred"
    locale = pick_locale(order.locale, facts.locale if facts else None)
    links = message_links(
        services,
        shop,
        subject=subject,
        ref=record.ref,
        locale=locale,
        customer_id=order.customer_id,
        email=order.email,
        stage=record.stage,
        feedback_kind=settings.feedback_kind,
        order_id=order.id,
    )
    rendered = _render(record, order, journey, facts, settings, links, locale, bool(issues))
    if rendered.problems:
        for problem in rendered.problems:
            await record_template_problem(services, shop, record.stage.value, locale, problem)
        await update_message(services, shop, ref, template_problem="; ".join(rendered.problems))
    email = build_email(
        services.settings,
        shop_name=facts.name if facts else shop.id,
        to=order.email,
        rendered=rendered,
        message_id=message_id(services.settings, record.ref),
        marketing=marketing,
        unsubscribe_url=links.unsubscribe,
        unsubscribe_mailto=facts.email if facts else None,
        reply_to=facts.email if facts else None,
    )
    return await _deliver(services, shop, record, email, order.email, subject, marketing, mailer)


def _render(
    record: MessageRecord,
    order: Order,
    journey: Journey,
    facts: ShopFacts | None,
    settings: JourneySettings,
    links: MessageLinks,
    locale: str,
    open_issue: bool,
) -> RenderedMessage:
    content = content_for_order(
        order,
        stage=record.stage,
        locale=locale,
        facts=facts,
        settings=settings,
        links=links,
        delivery_window=_window(journey, locale) if record.stage is Stage.CONFIRMED else None,
        open_issue=open_issue,
        delivery_problem=journey.delivery_problem,
        delay=delay_notice_for(record.fields, locale) if record.stage is Stage.DELAYED else None,
    )
    return render_message(content, settings.override(record.stage, locale))


async def _deliver(
    services: Services,
    shop: ShopRef,
    record: MessageRecord,
    email: EmailMessage,
    to: str,
    subject: str,
    marketing: bool,
    mailer: Mailer,
) -> str:
    claimed = await claim_for_sending(services, shop, record.ref)
    if claimed != 1:
        if marketing:
            await release_marketing_slot(services, shop, subject, record.ref)
        return "busy" if claimed == 0 else "interrupted"
    outgoing = OutgoingMessage(shop, email, (to,), record.ref, record.stage.value, subject)
    try:
        await mailer.deliver(services, outgoing)
    except TransientDeliveryError as exc:
        if marketing:
            await release_marketing_slot(services, shop, subject, record.ref)
        attempts = await increment_message(services, shop, record.ref, "attempts")
        if attempts >= MAX_SEND_ATTEMPTS:
            await move_message(
                services, shop, record.ref, "sending", "failed", error=exc.reason, failed_at=f"{time.time():.3f}"
            )
            log.error(
                "message failed for good", extra={"shop": shop.tag, "message_ref": record.ref, "attempts": attempts}
            )
            return "failed"
        await move_message(services, shop, record.ref, "sending", "scheduled", error=exc.reason)
        log.warning("message will retry", extra={"shop": shop.tag, "message_ref": record.ref, "attempts": attempts})
        raise
    except PermanentDeliveryError as exc:
        if marketing:
            await release_marketing_slot(services, shop, subject, record.ref)
        await move_message(
            services, shop, record.ref, "sending", "failed", error=exc.reason, failed_at=f"{time.time():.3f}"
        )
        log.error("message refused", extra={"shop": shop.tag, "message_ref": record.ref, "code": exc.code})
        return "failed"
    await move_message(
        services, shop, record.ref, "sending", "sent", sent_at=f"{time.time():.3f}", message_id=str(email["Message-ID"])
    )
    log.info("message sent", extra={"shop": shop.tag, "message_ref": record.ref, "stage": record.stage.value})
    return "sent"


async def send_alert(services: Services, shop: ShopRef, args: Mapping[str, Any], *, mailer: Mailer) -> str:
    """Tell the merchant about a detractor answer (once), with the comment if one came in since."""
    subject, ref = str(args["subject"]), str(args["ref"])
    answer = await load_answer(services, shop, subject, ref)
    facts = await load_facts(services.redis, services.keys, shop)
    if answer is None or facts is None or not facts.email:
        log.warning("detractor alert not sent", extra={"shop": shop.tag, "reason": "no answer or no shop email"})
        return "skipped"
    if not await services.redis.hsetnx(response_key(services, shop, subject), f"{ref}:alerted", "1"):
        return "sent"
    words = wording(pick_locale(facts.locale))
    values = {
        "order": answer.get("order_name", ""),
        "score": answer.get("score"),
        "kind": str(answer.get("kind", "")).upper(),
    }
    text = words.alert["text"].format(**values)
    if answer.get("comment"):
        text += f"\n\n{words.alert['comment']}\n{answer['comment']}"
    rendered = RenderedMessage(
        subject=words.alert["subject"].format(**values), html=_html_paragraphs(text), text=text + "\n"
    )
    email = build_email(
        services.settings, shop_name="Upfront", to=facts.email, rendered=rendered, message_id=None, marketing=False
    )
    try:
        await mailer.deliver(services, OutgoingMessage(shop, email, (facts.email,), ref, "alert", subject))
    except TransientDeliveryError:
        await services.redis.hdel(response_key(services, shop, subject), f"{ref}:alerted")
        raise
    except PermanentDeliveryError as exc:
        log.error("detractor alert refused", extra={"shop": shop.tag, "code": exc.code})
        return "failed"
    return "sent"


def _html_paragraphs(text: str) -> str:
    return "".join(f"<p>{escape(part).replace(chr(10), '<br>')}</p>" for part in text.split("\n\n"))


def journey_job_handlers(mailer: Mailer) -> dict[str, JobHandler]:
    """The journey's jobs, bound to this worker's mailer (one SMTP connection reused across messages)."""

    async def send(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        await send_stage_message(services, shop, str(args["ref"]), mailer=mailer)

    async def alert(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        await send_alert(services, shop, args, mailer=mailer)

    return {SEND_JOB: send, ALERT_JOB: alert, **delay_job_handlers()}
