"""The help prompts page: the inbox of shoppers' questions, contact channels and business hours with what shoppers
are told right now, the prompt rules with presets, and the FAQ. Its forms send whole sections to the help settings
JSON routes (`widgets.help.admin`), so this module only reads and renders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.web import AdminCall, admin_endpoint, error, fragment
from plugin.helpdesk.admin import HELPDESK_FIELD_LABELS, WEBHOOK_HELP, helpdesk_document
from plugin.openapi import documented
from widgets.estimator.engine import EstimateInputError, parse_estimate_request
from widgets.help.admin import problems
from widgets.help.answers import Answer, build_answers
from widgets.help.forward import support_address
from widgets.help.hours import WEEKDAYS
from widgets.help.presence import contact_channels, human_path
from widgets.help.requests import MIN_REPLY_SAMPLES, StoredRequest, list_requests, measured_reply_time
from widgets.help.rules import Audience, Rule, Trigger, Where
from widgets.help.settings import (
    CHANNEL_KINDS,
    MAX_CHANNELS,
    MAX_CLOSURES,
    MAX_FAQ,
    MAX_RULES,
    HelpSettings,
    default_help_settings,
    help_settings_to_dict,
    load_help_settings,
)
from widgets.help.wording import HelpWording
from widgets.i18n import Wording, choose_locale
from widgets.settings import LOCALES
from widgets.shop_context import ShopUnavailable, StorefrontShop, load_storefront_shop
from widgets.storefront import WidgetRuntime

SECURITY = ["shopifySessionToken"]
OPEN_SHOWN = 100
RESOLVED_SHOWN = 20
LANGUAGES = {code: Locale.parse(code).english_name or code for code in LOCALES}  # the admin itself is English
DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
DAY_NAMES = dict(zip(WEEKDAYS, DAYS, strict=True))
CHANNEL_LABELS = {"email": "Email", "phone": "Phone", "chat": "Chat link", "whatsapp": "WhatsApp", "sms": "SMS"}
FORWARDED = {"pending": "being forwarded to you", "sent": "forwarded to you", "no_address": "not forwarded: no email"}
POLICY_NAMES = {
    "any": "a shipping or returns policy",
    "shipping": "the shipping policy",
    "returns": "the refund policy",
}
# (key, button label, the rule without its id, the trigger value the merchant sets when adding it)
PRESETS: tuple[tuple[str, str, dict[str, Any], str | None], ...] = (
    (
        "idle-product",
        "Idle on product pages",
        {"trigger": {"type": "idle"}, "where": {"pages": ["product"]}},
        "seconds",
    ),
    ("exit-cart", "Exit intent on the cart", {"trigger": {"type": "exit_intent"}, "where": {"pages": ["cart"]}}, None),
    (
        "shipping-above",
        "Shipping estimate above an amount",
        {"trigger": {"type": "shipping_estimate"}, "where": {"pages": ["product", "cart"]}},
        "above",
    ),
)


@dataclass(frozen=True)
class InboxEntry:
    id: str
    open: bool
    created: str  # in the shop's timezone
    created_iso: str
    email: str
    question: str
    page: str | None
    cart: str | None  # a one-line summary, only when the shopper chose to share it
    forwarded: str
    resolved: str | None
    order: str | None = None  # "Order #1001 (sent from its order-status page)", when the question came with one


@dataclass(frozen=True)
class RuleView:
    index: int
    rule: Rule
    title: str
    where: str
    audience: str
    languages: tuple[str, ...]  # the prompt text's languages, the shop's first
    default_text: str  # what the prompt says while its text is empty


@dataclass(frozen=True)
class PresetView:
    key: str
    label: str
    index: int
    rule: dict[str, Any]
    value: str | None


@dataclass(frozen=True)
class FaqView:
    index: int
    id: str
    question: Mapping[str, str]
    answer: Mapping[str, str]
    languages: tuple[str, ...]
    referring: list[tuple[int, list[str]]]  # (rule position, its FAQ choice without this entry) for rules offering it


@dataclass(frozen=True)
class StoreAnswer:
    question: str
    answer: Answer | None  # None: the store's facts cannot answer it yet


def _local(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d %b %Y, %H:%M %Z")


def _cart_summary(cart: Mapping[str, Any] | None) -> str | None:
    if not cart:
        return None
    lines = ", ".join(f"{line['quantity']} × {line['title']}" for line in cart.get("lines", []))
    total = cart.get("total")
    money = f"{total} {cart.get('currency') or ''}".strip() if total else ""
    return "; ".join(part for part in (lines, f"total {money}" if money else "") if part) or None


def inbox_entry(stored: StoredRequest, zone: ZoneInfo) -> InboxEntry:
    forward = FORWARDED.get(stored.forward) or stored.forward.replace("failed:", "forwarding failed:", 1)
    return InboxEntry(
        id=stored.id,
        open=stored.status == "open",
        created=_local(stored.created_at, zone),
        created_iso=stored.created_at.isoformat(),
        email=stored.email,
        question=stored.question,
        page=stored.page,
        cart=_cart_summary(stored.cart),
        forwarded=forward,
        resolved=None if stored.resolved_at is None else _local(stored.resolved_at, zone),
        order=_order_summary(stored.order),
    )


def _order_summary(order: Mapping[str, str] | None) -> str | None:
    if not order:
        return None
    if order.get("source") == "status_page" and order.get("name"):
        return f"Order {order['name']} (sent from its order-status page)"
    return f"Order id {order['id']} (named by the shopper)" if order.get("id") else None


def describe_trigger(trigger: Trigger, money: Wording) -> str:
    if trigger.type == "time_on_page":
        return f"After {trigger.seconds} s on a page"
    if trigger.type == "idle":
        return f"Idle for {trigger.seconds} s"
    if trigger.type == "exit_intent":
        return "About to leave (exit intent; a fast scroll up on phones)"
    if trigger.type == "repeat_product":
        return f"Views the same product {trigger.views} times"
    if trigger.type == "policy_open":
        return f"Opens {POLICY_NAMES[trigger.policy]}"
    parts = [] if trigger.above is None else [f"the cheapest shipping costs more than {money.money(trigger.above)}"]
    if trigger.not_shipped:
        parts.append("we don't ship there")
    return "Shipping estimate: " + " or ".join(parts)


def describe_where(where: Where, money: Wording) -> str:
    found = [(", ".join(where.pages) + " pages") if where.pages else "every page"]
    if where.url:
        found.append(f"URL {where.url}")
    if where.cart_above is not None:
        found.append(f"cart over {money.money(where.cart_above)}")
    if where.cart_below is not None:
        found.append(f"cart under {money.money(where.cart_below)}")
    return "; ".join(found).capitalize()


def describe_audience(audience: Audience) -> str:
    found = []
    if audience.visitor != "any":
        found.append(f"{audience.visitor} visitors")
    if audience.device != "any":
        found.append("on phones" if audience.device == "mobile" else "on computers")
    if audience.countries:
        found.append("in " + ", ".join(audience.countries))
    if audience.languages:
        found.append("speaking " + ", ".join(audience.languages))
    return " · ".join(found) or "Everyone"


def _languages(language: str, *texts: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([language, *(key for text in texts for key in text if key in LOCALES)]))


def _free_id(base: str, taken: Sequence[str]) -> str:
    number = 1
    found = base
    while found in taken:
        number += 1
        found = f"{base}-{number}"
    return found


def rule_views(settings: HelpSettings, words: HelpWording) -> list[RuleView]:
    return [
        RuleView(
            index=index,
            rule=rule,
            title=describe_trigger(rule.trigger, words.base),
            where=describe_where(rule.where, words.base),
            audience=describe_audience(rule.audience),
            languages=_languages(words.locale, rule.prompt.text),
            default_text=words.prompt_for(rule.trigger.type),
        )
        for index, rule in enumerate(settings.rules)
    ]


def preset_views(settings: HelpSettings) -> list[PresetView]:
    taken = [rule.id for rule in settings.rules]
    return [
        PresetView(key, label, len(settings.rules), {"id": _free_id(key, taken), **rule}, value)
        for key, label, rule, value in PRESETS
    ]


def faq_views(settings: HelpSettings, language: str) -> list[FaqView]:
    return [
        FaqView(
            index=index,
            id=entry.id,
            question=entry.question,
            answer=entry.answer,
            languages=_languages(language, entry.question, entry.answer),
            referring=[
                (position, [ref for ref in rule.prompt.faq if ref != entry.id])
                for position, rule in enumerate(settings.rules)
                if entry.id in rule.prompt.faq
            ],
        )
        for index, entry in enumerate(settings.faq)
        if entry.source is None
    ]


async def store_answers(
    call: AdminCall, runtime: WidgetRuntime, shop: StorefrontShop, settings: HelpSettings, words: HelpWording
) -> list[StoreAnswer]:
    """The shipping and returns answers exactly as a shopper in the shop's own country would read them."""
    sourced = [entry for entry in settings.faq if entry.source is not None]
    shipping: dict[str, Any] | None = None
    if any(entry.source == "shipping" for entry in sourced):
        try:
            request = parse_estimate_request(
                {"country": shop.facts.country, "subtotal": "0"}, shop_currency=shop.facts.currency
            )
            shipping = await runtime.estimates.estimate(call.services, shop, request, runtime.clock())
        except EstimateInputError:
            shipping = None
    answers = build_answers(sourced, shop, words, (shipping, shop.facts.country, Decimal(0)))
    by_id = {answer.id: answer for answer in answers}
    defaults = {"shipping": words.t("faq_shipping"), "returns": words.t("faq_returns")}
    return [
        StoreAnswer(by_id[entry.id].question if entry.id in by_id else defaults[str(entry.source)], by_id.get(entry.id))
        for entry in sourced
    ]


def _note(notes: Mapping[str, str] | None, language: str) -> str | None:
    return None if not notes else notes.get(language) or next(iter(notes.values()))


def hours_form(data: dict[str, Any], timezone: str, language: str) -> dict[str, Any]:
    """The hours section as stored (or empty), the weekly rows with at least two interval slots per day, and the
    closures with their note in the shop's language."""
    hours: dict[str, Any] = data["hours"] or {
        "timezone": timezone,
        "weekly": {day: [] for day in WEEKDAYS},
        "holidays": [],
        "public_holidays": None,
        "closures": [],
    }
    weekly = hours["weekly"]
    closures: list[dict[str, Any]] = hours["closures"]
    return {
        "timezone": hours["timezone"],
        "whole": hours,
        "days": [(day, DAY_NAMES[day], weekly[day] + [["", ""]] * max(0, 2 - len(weekly[day]))) for day in WEEKDAYS],
        "public_holidays": hours["public_holidays"] or "",
        "closures": [(closure, _note(closure["note"], language)) for closure in closures],
        "can_close": len(closures) < MAX_CLOSURES,
    }


def reply_view(
    settings: HelpSettings,
    shop: StorefrontShop,
    words: HelpWording,
    now: datetime,
    measured: timedelta | None,
    samples: int,
) -> dict[str, Any]:
    """What shoppers are told right now, from the same figures as the JSON route's `reply_time`."""
    stated = None if settings.reply_minutes is None else timedelta(minutes=settings.reply_minutes)
    path = human_path(settings, shop.facts, words, now, measured or stated)
    return {
        "path": path,
        "after_sending": path.reply.replace("{email}", "the shopper"),
        "measured": None if measured is None else words.duration(measured),
        "samples": samples,
        "needed": MIN_REPLY_SAMPLES,
        "stated": None if stated is None else words.duration(stated),
    }


def help_page_routes(runtime: WidgetRuntime) -> list[BaseRoute]:
    """`runtime` is the admin's widget runtime: its clock says "now" and its estimate cache answers shipping."""

    @admin_endpoint
    @documented(
        "Help prompts (HTML fragment): the inbox, contact channels and hours with what shoppers are told now, "
        "the rules and the FAQ",
        {200: "HTML", 401: "not signed in", 404: "not installed", 503: "shop not synced yet"},
        tag="admin",
        security=SECURITY,
    )
    async def help_fragment(call: AdminCall) -> Response:
        found = call.services
        try:
            shop = await load_storefront_shop(found, call.shop)
        except ShopUnavailable as exc:
            return error(exc.status, exc.reason)
        facts = shop.facts
        defaults = default_help_settings(found.settings.manifest.widgets)
        settings = await load_help_settings(found.redis, found.keys, call.shop, defaults, facts.timezone)
        data = help_settings_to_dict(settings)
        language = choose_locale(shop.settings.locale, None, facts.locale, shop.settings.fallback_locale)
        words = HelpWording(Wording(language, facts))
        timezone = settings.hours.timezone if settings.hours is not None else facts.timezone
        zone = ZoneInfo(timezone)
        listed = [
            *await list_requests(found, call.shop, status="open", limit=OPEN_SHOWN),
            *await list_requests(found, call.shop, status="resolved", limit=RESOLVED_SHOWN),
        ]
        measured, samples = await measured_reply_time(found, call.shop)
        live = sum(rule.enabled for rule in settings.rules) if settings.enabled else 0
        return fragment(
            "admin/help.html",
            settings=settings,
            data=data,
            problems=problems(settings, facts),
            live=live,
            inbox=[inbox_entry(stored, zone) for stored in listed],
            reply=reply_view(settings, shop, words, runtime.clock(), measured, samples),
            contact_email=None if settings.channels else next(iter(contact_channels(settings, facts)), None),
            shop_email=facts.email,
            support=support_address(settings, facts),
            channel_kinds=[(kind, CHANNEL_LABELS[kind]) for kind in CHANNEL_KINDS],
            can_add_channel=len(settings.channels) < MAX_CHANNELS,
            hours=hours_form(data, timezone, language),
            rules=rule_views(settings, words),
            presets=preset_views(settings) if len(settings.rules) < MAX_RULES else [],
            faq=faq_views(settings, language),
            store_answers=await store_answers(call, runtime, shop, settings, words),
            new_faq=(len(settings.faq), _free_id("question", [entry.id for entry in settings.faq]))
            if len(settings.faq) < MAX_FAQ
            else None,
            language=language,
            languages=LANGUAGES,
            currency=facts.currency,
            helpdesk=await helpdesk_document(found, call.shop),
            field_labels=HELPDESK_FIELD_LABELS,
            hook_help=WEBHOOK_HELP,
        )

    return [Route("/fragments/help", help_fragment, methods=["GET"])]
