"""The help prompts page: the inbox of shoppers' questions, contact channels and business hours with what shoppers
are told right now, the prompt rules with presets, and the FAQ. Its forms send whole sections to the help settings
JSON routes (`widgets.help.admin`), so this module only reads and renders."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Literal
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format, get_day_names
from babel.lists import format_list
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.language import admin_messages, current_locale, t
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment
from plugin.helpdesk.admin import field_label, helpdesk_document, webhook_help
from plugin.openapi import documented
from widgets.estimator.engine import EstimateInputError, parse_estimate_request
from widgets.help.admin import problem_codes
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
# How a help request's forwarding went (`help_forwarded_<state>`); "failed:<reason>" names the reason.
FORWARD_STATES = ("pending", "sent", "no_address")
# The states widgets/help/handoff.py records while a helpdesk files the request (the JSON API shows them as stored).
FILING = re.compile(r"being filed in (?P<helpdesk>.+)")
FILED = re.compile(r"filed in (?P<helpdesk>.+) as ticket #(?P<ticket>.+)")
# (key, the rule without its id, the trigger value the merchant sets when adding it); labelled `help_preset_<key>`.
PRESETS: tuple[tuple[str, dict[str, Any], str | None], ...] = (
    ("idle-product", {"trigger": {"type": "idle"}, "where": {"pages": ["product"]}}, "seconds"),
    ("exit-cart", {"trigger": {"type": "exit_intent"}, "where": {"pages": ["cart"]}}, None),
    ("shipping-above", {"trigger": {"type": "shipping_estimate"}, "where": {"pages": ["product", "cart"]}}, "above"),
)


def language_names() -> dict[str, str]:
    """The languages merchant texts may be written in, named in the admin's language."""
    admin = Locale.parse(current_locale())
    return {code: Locale.parse(code).get_display_name(admin) or code for code in LOCALES}


def day_names() -> dict[str, tuple[str, str]]:
    """Each weekday's (full, abbreviated) name in the admin's language."""
    wide, short = (get_day_names(width, locale=current_locale()) for width in ("wide", "abbreviated"))
    return {day: (str(wide[number]), str(short[number])) for number, day in enumerate(WEEKDAYS)}


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
    """A moment in the shop's timezone, the admin's way: "Dec 3, 2026, 9:48 AM CET", "03.12.2026, 09:48 CET"."""
    local, locale = moment.astimezone(zone), current_locale()
    date_time = str(get_datetime_format("medium", locale=locale))
    written = date_time.replace("{1}", format_date(local, "medium", locale=locale))
    return f"{written.replace('{0}', format_time(local, 'short', locale=locale))} {local.strftime('%Z')}"


def moment(iso: str | None, zone: ZoneInfo) -> str:
    """A stored ISO time (a test ticket's, a dead letter's) as `_local` writes it; left as it is if it is not one."""
    if not iso:
        return "–"
    try:
        parsed = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    return _local(parsed, zone) if parsed.tzinfo is not None else iso


def _cart_summary(cart: Mapping[str, Any] | None) -> str | None:
    if not cart:
        return None
    lines = ", ".join(f"{line['quantity']} × {line['title']}" for line in cart.get("lines", []))
    total = cart.get("total")
    money = f"{total} {cart.get('currency') or ''}".strip() if total else ""
    return "; ".join(part for part in (lines, t("help_cart_total", money=money) if money else "") if part) or None


def forwarded(state: str) -> str:
    """Where a help request went, in the admin's language (the helpdesk's and the mail server's reasons as given)."""
    if state in FORWARD_STATES:
        return t(f"help_forwarded_{state}")
    if state.startswith("failed:"):
        return t("help_forwarded_failed", reason=state.removeprefix("failed:").strip())
    if found := FILED.fullmatch(state):
        return t("help_forwarded_filed", helpdesk=found["helpdesk"], ticket=found["ticket"])
    if found := FILING.fullmatch(state):
        return t("help_forwarded_filing", helpdesk=found["helpdesk"])
    return state


def inbox_entry(stored: StoredRequest, zone: ZoneInfo) -> InboxEntry:
    forward = forwarded(stored.forward)
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
        return t("help_order_from_status_page", order=order["name"])
    return t("help_order_named", order=order["id"]) if order.get("id") else None


def _listing(items: Sequence[str], style: Literal["standard", "or"] = "standard") -> str:
    return str(format_list(list(items), style=style, locale=current_locale()))


def describe_trigger(trigger: Trigger, money: Wording) -> str:
    """A rule's trigger in the admin's language; amounts in `money`'s (the admin's) format."""
    if trigger.type == "time_on_page":
        return t("help_trigger_time_on_page", seconds=trigger.seconds)
    if trigger.type == "idle":
        return t("help_trigger_idle", seconds=trigger.seconds)
    if trigger.type == "exit_intent":
        return t("help_trigger_exit_intent")
    if trigger.type == "repeat_product":
        return t("help_trigger_repeat_product", views=trigger.views)
    if trigger.type == "policy_open":
        return t(f"help_trigger_policy_{trigger.policy}")
    parts = [] if trigger.above is None else [t("help_trigger_above", amount=money.money(trigger.above))]
    if trigger.not_shipped:
        parts.append(t("help_trigger_not_shipped"))
    return t("help_trigger_shipping", conditions=_listing(parts, "or"))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def describe_where(where: Where, money: Wording) -> str:
    pages = _listing([t(f"help_page_{page}") for page in where.pages])
    found = [t("help_where_pages", pages=pages) if where.pages else t("help_where_every_page")]
    if where.url:
        found.append(t("help_where_url", url=where.url))
    if where.cart_above is not None:
        found.append(t("help_where_cart_above", amount=money.money(where.cart_above)))
    if where.cart_below is not None:
        found.append(t("help_where_cart_below", amount=money.money(where.cart_below)))
    return _capital("; ".join(found))


def describe_audience(audience: Audience) -> str:
    found = []
    if audience.visitor != "any":
        found.append(t(f"help_audience_{audience.visitor}"))
    if audience.device != "any":
        found.append(t(f"help_audience_{audience.device}"))
    if audience.countries:
        found.append(t("help_audience_countries", countries=_listing(audience.countries)))
    if audience.languages:
        found.append(t("help_audience_languages", languages=_listing(audience.languages)))
    return _capital(" · ".join(found)) or t("help_audience_everyone")


def _languages(language: str, *texts: Mapping[str, str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys([language, *(key for text in texts for key in text if key in LOCALES)]))


def _free_id(base: str, taken: Sequence[str]) -> str:
    number = 1
    found = base
    while found in taken:
        number += 1
        found = f"{base}-{number}"
    return found


def rule_views(settings: HelpSettings, words: HelpWording, admin: Wording) -> list[RuleView]:
    """`words` speaks the shop's language (the prompt's default texts); `admin` the admin's (the descriptions)."""
    return [
        RuleView(
            index=index,
            rule=rule,
            title=describe_trigger(rule.trigger, admin),
            where=describe_where(rule.where, admin),
            audience=describe_audience(rule.audience),
            languages=_languages(words.locale, rule.prompt.text),
            default_text=words.prompt_for(rule.trigger.type),
        )
        for index, rule in enumerate(settings.rules)
    ]


def preset_views(settings: HelpSettings) -> list[PresetView]:
    taken = [rule.id for rule in settings.rules]
    return [
        PresetView(
            key,
            t(f"help_preset_{key.replace('-', '_')}"),
            len(settings.rules),
            {"id": _free_id(key, taken), **rule},
            value,
        )
        for key, rule, value in PRESETS
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
    """The hours section as stored (or empty), the weekly rows (with the day's full and short name in the admin's
    language) with at least two interval slots per day, and the closures with their note in `language`."""
    hours: dict[str, Any] = data["hours"] or {
        "timezone": timezone,
        "weekly": {day: [] for day in WEEKDAYS},
        "holidays": [],
        "public_holidays": None,
        "closures": [],
    }
    weekly, names = hours["weekly"], day_names()
    closures: list[dict[str, Any]] = hours["closures"]
    return {
        "timezone": hours["timezone"],
        "whole": hours,
        "days": [(day, *names[day], weekly[day] + [["", ""]] * max(0, 2 - len(weekly[day]))) for day in WEEKDAYS],
        "public_holidays": hours["public_holidays"] or "",
        "closures": [(closure, _note(closure["note"], language)) for closure in closures],
        "can_close": len(closures) < MAX_CLOSURES,
    }


def reply_view(
    settings: HelpSettings,
    shop: StorefrontShop,
    words: HelpWording,
    admin: HelpWording,
    now: datetime,
    measured: timedelta | None,
    samples: int,
) -> dict[str, Any]:
    """What shoppers are told right now (in `words`' language), from the same figures as the JSON route's
    `reply_time`; the reply times the admin's own sentences name are in `admin`'s language."""
    stated = None if settings.reply_minutes is None else timedelta(minutes=settings.reply_minutes)
    path = human_path(settings, shop.facts, words, now, measured or stated)
    return {
        "path": path,
        # The sentence is in `words`' language, so is the phrase standing in for the shopper's address.
        "after_sending": path.reply.replace("{email}", admin_messages(words.locale).text("help_told_the_shopper")),
        "measured": None if measured is None else admin.duration(measured),
        "samples": samples,
        "needed": MIN_REPLY_SAMPLES,
        "stated": None if stated is None else admin.duration(stated),
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
        # What the merchant writes for shoppers is in the shop's language; what shoppers are told is shown as a
        # shopper browsing in the admin's language reads it (the storefront follows the shopper's language unless
        # the merchant fixed one); the admin's own sentences are in the admin's language.
        language = choose_locale(shop.settings.locale, None, facts.locale, shop.settings.fallback_locale)
        told = choose_locale(shop.settings.locale, current_locale(), facts.locale, shop.settings.fallback_locale)
        shop_words, words = HelpWording(Wording(language, facts)), HelpWording(Wording(told, facts))
        admin = HelpWording(Wording(current_locale(), facts))
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
            problems=problem_codes(settings, facts),
            live=live,
            inbox=[inbox_entry(stored, zone) for stored in listed],
            reply=reply_view(settings, shop, words, admin, runtime.clock(), measured, samples),
            told=told,
            contact_email=None if settings.channels else next(iter(contact_channels(settings, facts)), None),
            shop_email=facts.email,
            support=support_address(settings, facts),
            channel_kinds=[(kind, t(f"help_channel_{kind}")) for kind in CHANNEL_KINDS],
            can_add_channel=len(settings.channels) < MAX_CHANNELS,
            hours=hours_form(data, timezone, told),
            rules=rule_views(settings, shop_words, admin.base),
            presets=preset_views(settings) if len(settings.rules) < MAX_RULES else [],
            faq=faq_views(settings, language),
            store_answers=await store_answers(call, runtime, shop, settings, words),
            new_faq=(len(settings.faq), _free_id("question", [entry.id for entry in settings.faq]))
            if len(settings.faq) < MAX_FAQ
            else None,
            language=language,
            languages=language_names(),
            currency=facts.currency,
            helpdesk=await helpdesk_document(found, call.shop),
            field_label=field_label,
            webhook_help=webhook_help,
            moment=lambda iso: moment(iso, zone),
        )

    return [Route("/fragments/help", help_fragment, methods=["GET"])]
