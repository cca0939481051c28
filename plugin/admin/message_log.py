"""The admin's list of recent post-purchase messages, per order: each stage's outcome and, when it did not go, why,
in words a merchant reads (the message records keep codes such as ``before_journey``)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from plugin.admin.language import t
from plugin.admin.sender_rules import refusal_words
from plugin.email.at_risk import AT_RISK_HOLD
from plugin.email.records import MessageRecord, recent_messages
from plugin.email.stages import DelayCause, Stage
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text
from webhooks.handlers.orders import order_key
from webhooks.journey.advance import START_WINDOW

_Code = TypeVar("_Code", Stage, DelayCause)

SHOWN = 60  # message records; a journey has at most seven, so this covers the last dozen orders or more


class Labels(Mapping[_Code, str]):
    """Names by code, read in the admin's language when looked up (so a module-level table follows each request's
    language): `LABELS[Stage.SHIPPED]` is the text of the key `<prefix><code>`."""

    def __init__(self, prefix: str, codes: Iterable[_Code]) -> None:
        self._prefix = prefix
        self._codes: tuple[_Code, ...] = tuple(codes)

    def __getitem__(self, code: _Code) -> str:
        if code not in self._codes:
            raise KeyError(code)
        return t(f"{self._prefix}{code}")

    def __iter__(self) -> Iterator[_Code]:
        return iter(self._codes)

    def __len__(self) -> int:
        return len(self._codes)


STAGE_LABELS: Labels[Stage] = Labels("mail_stage_", Stage)
CAUSE_LABELS: Labels[DelayCause] = Labels("risk_cause_", DelayCause)
# The skip codes the journey writes, each with its own sentence (the key `mail_skip_<code>`).
_SKIPPED = frozenset(
    {
        "before_journey",
        "superseded",
        "disabled",
        "shop_inactive",
        "order_cancelled",
        "order_gone",
        "no_email",
        "expired",
        "delivered_meanwhile",
        "open_issue",
        "no_consent",
        # Texts (plugin.sms): consent, number and sender rules.
        "no_sms_consent",
        "sms_withdrawn",
        "no_phone",
        "sms_off",
        "sender_rule",
    }
)
_HOLDS = {"detractor": "mail_skip_hold_detractor", AT_RISK_HOLD: "mail_skip_hold_at_risk"}


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
    """A skip code in plain words, in the admin's language."""
    kind, _, detail = code.partition(":")
    if kind == "sender_rule":
        return t("mail_skip_sender_rule", detail=refusal_words(detail))
    if kind in _SKIPPED:
        return t(f"mail_skip_{kind}", days=START_WINDOW.days, detail=detail)
    if kind == "order_unreadable":
        return t("mail_skip_order_unreadable", detail=detail or t("mail_skip_unknown_error"))
    if kind == "hold":
        return t(_HOLDS[detail]) if detail in _HOLDS else t("mail_skip_hold_other", detail=detail)
    if kind == "withdrawn":
        return t("mail_skip_withdrawn")
    return t("mail_skip_other", code=code)


def _number(fields: Any, name: str) -> float | None:
    try:
        return float(fields.get(name) or "")
    except ValueError:
        return None


def _sent_basis(basis: str) -> str:
    """Why a marketing message was allowed to go; service messages need no reason."""
    if basis.startswith("consent:"):
        return t("mail_basis_consent")
    if basis == "soft_opt_in":
        return t("mail_basis_soft_opt_in")
    return ""


def message_label(record: MessageRecord) -> str:
    """The stage's name; a delay notice's says its cause."""
    try:
        cause = DelayCause(record.get("cause"))
    except ValueError:
        return STAGE_LABELS[record.stage]
    return t(f"mail_delay_notice_{cause.value}")


def describe(record: MessageRecord) -> MessageLine:
    """One message's line in the admin's language: its stage, outcome and why."""
    label = message_label(record)
    if record.get("channel") == "sms":
        label = t("mail_label_text", label=label)
    state, fields = record.state, record.fields
    if state == "sent":
        sent = t("mail_outcome_sent")
        return MessageLine(label, sent, "ok", _sent_basis(record.get("basis")), _number(fields, "sent_at"))
    if state == "skipped":
        why = skip_reason(record.get("reason") or record.get("basis"))
        detail = t("mail_detail_sentence", reason=why[:1].upper() + why[1:])
        return MessageLine(label, t("mail_outcome_not_sent"), "warn", detail, _number(fields, "due"))
    if state == "scheduled":
        return MessageLine(label, t("mail_outcome_scheduled"), "", t("mail_detail_scheduled"), _number(fields, "due"))
    if state == "sending":
        detail = t("mail_detail_sending")
        return MessageLine(label, t("mail_outcome_sending"), "", detail, _number(fields, "sending_at"))
    if state == "failed":
        error = record.get("error") or t("mail_detail_no_reason")
        detail = t("mail_detail_failed_sms" if record.get("channel") == "sms" else "mail_detail_failed", error=error)
        return MessageLine(label, t("mail_outcome_failed"), "bad", detail, _number(fields, "failed_at"))
    if state == "interrupted":
        detail = t("mail_detail_interrupted")
        return MessageLine(label, t("mail_outcome_not_sent"), "bad", detail, _number(fields, "sending_at"))
    return MessageLine(label, state or t("mail_outcome_unknown"), "", "", None)


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
        names[order_id] = str(name) if name else t("mail_order_fallback", id=order_id)
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
