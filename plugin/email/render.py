"""Rendering one message: the merchant's (or default) texts in the sandbox, the layout per stage, HTML with its
CSS inlined plus plain text. A merchant text that fails falls back to the default wording, and says why."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import css_inline
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from plugin.email.journey_settings import TemplateOverride
from plugin.email.sandbox import MerchantTemplateError, render_merchant_text
from plugin.email.stages import MessageClass, Stage, stage_class
from plugin.email.variables import template_variables
from plugin.email.wording import Wording, template_dirs, wording

log = logging.getLogger(__name__)

PARTS = {
    Stage.CONFIRMED: "order",
    Stage.SHIPPED: "tracking",
    Stage.OUT_FOR_DELIVERY: "tracking",
    Stage.DELAYED: "tracking",
    Stage.FEEDBACK: "feedback",
    Stage.RECOMMENDATIONS: "shop",
}
_PARAGRAPHS = re.compile(r"\n\s*\n")
_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class MessageContent:
    """Everything a message shows, already decided: texts come from the wording and the merchant's overrides."""

    stage: Stage
    locale: str
    shop_name: str
    order_name: str
    order_total: str
    first_name: str | None = None
    lines: tuple[tuple[str, int], ...] = ()
    carrier: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    delivery_window: str | None = None
    help_url: str | None = None
    help_email: str | None = None
    open_issue: bool = False  # the customer has an open help request: acknowledge it
    delivery_problem: bool = False  # the order had a failed or late delivery: acknowledge it
    delay_cause: str | None = None  # a delay notice's cause (plugin.email.stages.DelayCause): say what happened
    quiet_days: int | None = None  # a stalled parcel: days without a tracking update
    promised_window: str | None = None  # a late order: the window promised at checkout, formatted
    expected_by: str | None = None  # a delay notice: the new expectation, formatted
    feedback_kind: str = "csat"
    answer_links: tuple[tuple[int, str], ...] = ()
    review_url: str | None = None
    shop_url: str | None = None
    unsubscribe_url: str | None = None
    preferences_url: str | None = None
    status_url: str | None = None  # the order-status page: shown instead of the carrier's tracking page

    @property
    def message_class(self) -> MessageClass:
        return stage_class(self.stage)


@dataclass(frozen=True)
class RenderedMessage:
    subject: str
    html: str
    text: str
    problems: tuple[str, ...] = field(default_factory=tuple)  # merchant texts that fell back to the default


def _printable(value: object) -> object:
    """What our own email templates print must be data. A None or a callable printed (`labels.items` is the dict's
    method, not the "items" label) is a template bug: it is logged as an error, which fails the tests, and prints
    nothing rather than `None` or `<built-in method ...>` to a customer."""
    if value is None or callable(value):
        log.error("an email template printed a non-value", extra={"value_type": type(value).__name__})
        return ""
    return value


@cache
def email_templates() -> Environment:
    return Environment(
        loader=FileSystemLoader(template_dirs()),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        finalize=_printable,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def _inliner() -> css_inline.CSSInliner:
    return css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


def _paragraphs(text: str) -> list[str]:
    return [_SPACE.sub(" ", part).strip() for part in _PARAGRAPHS.split(text) if part.strip()]


def _texts(
    content: MessageContent, words: Wording, override: TemplateOverride | None
) -> tuple[dict[str, str], list[str]]:
    variables = template_variables(
        shop_name=content.shop_name,
        order_name=content.order_name,
        order_total=content.order_total,
        first_name=content.first_name,
        carrier=content.carrier,
        tracking_number=content.tracking_number,
        tracking_url=content.tracking_url,
        delivery_window=content.delivery_window,
    )
    defaults = words.stages[content.stage]
    chosen = override.parts() if override else {}
    texts: dict[str, str] = {}
    problems: list[str] = []
    for name in ("subject", "intro", "body"):
        default = getattr(defaults, name)
        source = chosen.get(name)
        if source is not None:
            try:
                texts[name] = render_merchant_text(source, variables)
                continue
            except MerchantTemplateError as exc:
                problems.append(f"{name}: {exc.reason}")
        texts[name] = render_merchant_text(default, variables)
    return texts, problems


_DOUBLE_PERIOD = re.compile(r"(?<!\.)\.\.(?!\.)")  # two periods, never an ellipsis


def one_period(text: str) -> str:
    """A date ending in an abbreviation ("6 déc.") closes its sentence with its own period, not a second one."""
    return _DOUBLE_PERIOD.sub(".", text)


def delay_notice(content: MessageContent, labels: dict[str, str]) -> str:
    """What happened, in plain words per cause, and when the order is now expected: the part of a delay notice a
    merchant's text cannot replace, so the apology stays honest about its reason."""
    if content.delay_cause == "stalled":
        days = content.quiet_days or 1
        what = labels["delay_stalled_one"] if days <= 1 else labels["delay_stalled"].format(days=days)
    elif content.delay_cause == "exception":
        what = labels["delay_exception"]
    elif content.delay_cause == "late" and content.promised_window:
        what = labels["delay_late"].format(window=content.promised_window)
    else:
        what = labels["delay_late_unknown"]
    if content.expected_by:
        what += " " + labels["delay_expected"].format(date=content.expected_by)
    return one_period(what)


def _context(content: MessageContent, words: Wording, texts: dict[str, str]) -> dict[str, Any]:
    labels = words.labels
    name = (content.first_name or "").strip()
    acknowledgement = ""
    if content.open_issue:
        acknowledgement = labels["open_issue"]
    elif content.delivery_problem and content.stage is not Stage.DELAYED:
        acknowledgement = labels["delivery_problem"]
    if content.stage is Stage.DELAYED and content.delay_cause:
        acknowledgement = " ".join(filter(None, (delay_notice(content, labels), acknowledgement)))
    marketing = content.message_class is MessageClass.MARKETING
    kind = content.feedback_kind
    return {
        "locale": content.locale,
        "labels": labels,
        "subject": texts["subject"],
        "greeting": labels["greeting"].format(name=name) if name else labels["greeting_anonymous"],
        "acknowledgement": acknowledgement,
        "intro": _paragraphs(texts["intro"]),
        "body": _paragraphs(texts["body"]),
        "part": PARTS.get(content.stage),
        "order_name": content.order_name,
        "order_total": content.order_total,
        "lines": content.lines,
        "delivery_window": content.delivery_window,
        "carrier": content.carrier,
        "tracking_number": content.tracking_number,
        "tracking_url": content.tracking_url,
        "status_url": content.status_url,
        "help_url": content.help_url,
        "help_email": content.help_email,
        "feedback_kind": kind,
        "question": labels[f"{kind}_question"].format(shop=content.shop_name) if kind in ("csat", "nps") else "",
        "scale_low": labels.get(f"{kind}_low", ""),
        "scale_high": labels.get(f"{kind}_high", ""),
        "answer_links": content.answer_links,
        "review_url": content.review_url,
        "shop_url": content.shop_url,
        "note": labels["marketing_note" if marketing else "service_note"].format(shop=content.shop_name),
        "unsubscribe_url": content.unsubscribe_url if marketing else None,
        "preferences_url": content.preferences_url if marketing else None,
    }


def render_message(content: MessageContent, override: TemplateOverride | None = None) -> RenderedMessage:
    """Subject, HTML (CSS inlined) and text of one message. Never fails on merchant text: see `problems`."""
    words = wording(content.locale)
    texts, problems = _texts(content, words, override)
    texts["subject"] = _SPACE.sub(" ", texts["subject"]).strip()[:200]
    context = _context(content, words, texts)
    environment = email_templates()
    html = environment.get_template("email/layout.html").render(context)
    text = environment.get_template("email/layout.txt").render(context)
    return RenderedMessage(
        subject=texts["subject"],
        html=_inliner().inline(html),
        text=re.sub(r"\n{3,}", "\n\n", text).strip() + "\n",
        problems=tuple(problems),
    )
