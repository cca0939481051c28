"""The admin's list of recent post-purchase messages, per order: each stage's outcome and, when it did not go, why,
in words a merchant reads (the message records keep codes such as ``before_journey``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from plugin.email.at_risk import AT_RISK_HOLD
from plugin.email.records import MessageRecord, recent_messages
from plugin.email.stages import DelayCause, Stage
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text
from webhooks.handlers.orders import order_key
from webhooks.journey.advance import START_WINDOW

SHOWN = 60  # message records; a journey has at most seven, so this covers the last dozen orders or more
STAGE_LABELS = {
    Stage.CONFIRMED: "Order confirmed",
    Stage.SHIPPED: "Shipped",
    Stage.OUT_FOR_DELIVERY: "Out for delivery",
    Stage.DELIVERED: "Delivered",
    Stage.DELAYED: "Delayed or failed delivery",
    Stage.FEEDBACK: "Review / CSAT / NPS request",
    Stage.RECOMMENDATIONS: "Recommendations",
}
CAUSE_LABELS = {
    DelayCause.STALLED: "No tracking update for longer than the usual transit time",
    DelayCause.EXCEPTION: "The carrier reported a problem",
    DelayCause.LATE: "Later than promised at checkout",
}
_HOLDS = {
    "detractor": "after a low survey score",
    AT_RISK_HOLD: "while one of their orders is at risk of arriving late (until it is delivered)",
}
_SKIPPED = {
    "before_journey": (
        "Upfront first heard of the order when it was over {days} days old (placed before the app was installed, "
        "or an old sample order), and customers are not emailed about older orders"
    ),
    "superseded": "the order had already reached a later step, so only the newest one was emailed",
    "disabled": "this email is switched off under Stages and timing",
    "shop_inactive": "the app was not installed when the email was due",
    "order_cancelled": "the order was cancelled",
    "order_gone": "the order no longer exists in the shop",
    "no_email": "the order has no customer email address",
    "expired": "quiet hours or the marketing limit held it back until it was no longer timely",
    "delivered_meanwhile": "the order was delivered before the delay notice was due",
    "open_issue": "the customer has an open help request; review and promotion emails wait until it is resolved",
    "no_consent": "the customer has not agreed to marketing emails",
    # Texts (plugin.sms): consent, number and sender rules.
    "no_sms_consent": "the customer did not choose order updates by text",
    "sms_withdrawn": "the customer stopped texts (replied STOP or changed their preference)",
    "no_phone": "the order has no valid phone number for texts",
    "sms_off": "order updates by text are switched off",
    "sender_rule": "the text was not sent under that country's sender rules: {detail}",
}


@dataclass(frozen=True)
class MessageLine:
    stage: str
    outcome: str  # "Sent", "Not sent", "Scheduled", ...
    tone: str  # the admin's pill classes: ok, warn, bad
    detail: str
    at: float | None


@dataclass(frozen=True)
class OrderMessages:
    order_id: str
    order_name: str
    lines: list[MessageLine]


def skip_reason(code: str) -> str:
    """A skip code in plain words."""
    kind, _, detail = code.partition(":")
    if kind in _SKIPPED:
        return _SKIPPED[kind].format(days=START_WINDOW.days, detail=detail)
    if kind == "order_unreadable":
        return f"the order could not be read from the shop ({detail or 'unknown error'})"
    if kind == "hold":
        why = _HOLDS.get(detail, f"({detail})")
        return f"marketing emails to this customer are paused {why}"
    if kind == "withdrawn":
        return "the customer withdrew consent to marketing emails"
    return f"skipped ({code})"


def _number(fields: Any, name: str) -> float | None:
    try:
        return float(fields.get(name) or "")
    except ValueError:
        return None


def _sent_basis(basis: str) -> str:
    """Why a marketing message was allowed to go; service messages need no reason."""
    if basis.startswith("consent:"):
        return "The customer agreed to these emails."
    if basis == "soft_opt_in":
        return "Sent under your soft opt-in setting (the customer bought from you and was offered an opt-out)."
    return ""


def message_label(record: MessageRecord) -> str:
    """The stage's name; a delay notice's says its cause."""
    try:
        cause = DelayCause(record.get("cause"))
    except ValueError:
        return STAGE_LABELS[record.stage]
    return f"Delay notice: {CAUSE_LABELS[cause][:1].lower()}{CAUSE_LABELS[cause][1:]}"


def describe(record: MessageRecord) -> MessageLine:
    label = message_label(record) + (" (text)" if record.get("channel") == "sms" else "")
    state, fields = record.state, record.fields
    if state == "sent":
        return MessageLine(label, "Sent", "ok", _sent_basis(record.get("basis")), _number(fields, "sent_at"))
    if state == "skipped":
        why = skip_reason(record.get("reason") or record.get("basis"))
        return MessageLine(label, "Not sent", "warn", why[:1].upper() + why[1:] + ".", _number(fields, "due"))
    if state == "scheduled":
        return MessageLine(label, "Scheduled", "", "Waiting until it is due.", _number(fields, "due"))
    if state == "sending":
        return MessageLine(label, "Sending", "", "Being handed to the mail server.", _number(fields, "sending_at"))
    if state == "failed":
        error = record.get("error") or "no reason given"
        server = "SMS provider" if record.get("channel") == "sms" else "mail server"
        detail = f"The {server} did not accept it: {error}."
        return MessageLine(label, "Failed", "bad", detail, _number(fields, "failed_at"))
    if state == "interrupted":
        detail = "A worker stopped while sending it; it is never sent twice, so it was not sent again."
        return MessageLine(label, "Not sent", "bad", detail, _number(fields, "sending_at"))
    return MessageLine(label, state or "Unknown", "", "", None)


async def order_names(services: Services, shop: ShopRef, order_ids: list[str]) -> dict[str, str]:
    """Order numbers as the shop shows them ("#1001"), from the stored order state."""
    async with services.redis.pipeline(transaction=False) as pipe:
        for order_id in order_ids:
            pipe.hget(order_key(services.keys, shop, order_id), "state")
        states = await pipe.execute()
    names: dict[str, str] = {}
    for order_id, raw in zip(order_ids, states, strict=True):
        text = as_optional_text(raw)
        try:
            state = json.loads(text) if text else {}
        except json.JSONDecodeError:
            state = {}
        name = state.get("name") if isinstance(state, dict) else None
        names[order_id] = str(name) if name else f"Order {order_id}"
    return names


async def recent_order_messages(services: Services, shop: ShopRef) -> list[OrderMessages]:
    """The shop's newest orders with message records, newest first, each with its stages in journey order."""
    by_order: dict[str, list[MessageRecord]] = {}
    for record in await recent_messages(services, shop, limit=SHOWN):
        by_order.setdefault(record.order_id, []).append(record)
    names = await order_names(services, shop, list(by_order))
    order = list(Stage)
    return [
        OrderMessages(
            order_id,
            names[order_id],
            [describe(record) for record in sorted(records, key=lambda r: order.index(r.stage))],
        )
        for order_id, records in by_order.items()
    ]
