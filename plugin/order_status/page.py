"""The order-status page as data and as HTML: everything loaded for one order (projection, journey, promise, help
path, preferences), then rendered server-side with the merchant's branding. The admin's preview renders the same
template from a sample (`render_page` takes a ready `PageModel`)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel.dates import format_date, format_datetime, format_skeleton
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from plugin.email.at_risk import order_at_risk
from plugin.email.compose import format_window
from plugin.email.eligibility import preference_state
from plugin.email.records import load_journey
from plugin.email.wording import template_dirs, wording
from plugin.keys import ShopRef
from plugin.order_status.answers import OrderAnswer, order_answers
from plugin.order_status.branding import Branding
from plugin.order_status.view import (
    Progress,
    ShipmentEvent,
    ShipmentView,
    delivered_on,
    last_handover,
    progress,
    promised_window,
    shipment_views,
)
from plugin.platform import ShopFacts
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.sms.config import load_sms_config
from plugin.storage import as_optional_text
from plugin.tracking.model import CarrierStage
from plugin.tracking.store import order_checkpoints
from webhooks.handlers.orders import order_key
from webhooks.journey.window import compiled_shop, promise_for_order
from widgets.help.answers import ReturnsFacts, returns_facts
from widgets.help.presence import ChannelView, human_path
from widgets.help.requests import measured_reply_time
from widgets.help.settings import HelpSettings
from widgets.help.wording import HelpWording
from widgets.i18n import Wording as WidgetWording
from widgets.i18n import said
from widgets.shop_context import ShopUnavailable, load_storefront_shop

PREFERENCE_PURPOSES = ("review_survey", "marketing_email")  # as the email preference center (plugin.email.routes)


@dataclass(frozen=True)
class HelpView:
    status: str
    week: str | None
    closure: str | None
    channels: tuple[ChannelView, ...]


@dataclass(frozen=True)
class FormState:
    token: str
    email: str = ""
    question: str = ""
    error: str | None = None
    sent: str | None = None


@dataclass(frozen=True)
class PageModel:
    locale: str
    shop_name: str
    branding: Branding
    order_name: str
    placed: str
    progress: Progress
    promised: str | None
    expected: str | None
    late: bool
    destination: str | None  # "Shipping to Germany", in the page's language
    shipments: Sequence[ShipmentView]
    timezone: str
    help: HelpView
    form: FormState
    action: str  # the page's own path: forms post to <action>/message and <action>/preferences
    preferences: Mapping[str, bool] | None  # None: a guest order, no person to ask about
    preferences_saved: bool = False
    texts_offered: bool = False  # the shop sends service texts (plugin.sms): the customer may choose them here
    texts_notice: str | None = None  # after the texts form: saved, or what was wrong
    texts_error: bool = False
    answers: tuple[OrderAnswer, ...] = ()  # what customers ask about an order, answered for this one
    asked: str | None = None  # the answer whose "ask" link brought the customer to the form (kept open)


async def load_state(services: Services, shop: ShopRef, order_id: str) -> dict[str, Any] | None:
    """The order projection, or None when it has expired or was erased (the page then says it is gone)."""
    raw = as_optional_text(await services.redis.hget(order_key(services.keys, shop, order_id), "state"))
    if raw is None:
        return None
    try:
        state = json.loads(raw)
    except json.JSONDecodeError:
        return None
    return state if isinstance(state, dict) else None


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _day(moment: date, locale: str) -> str:
    if locale not in ("en", "de"):  # "d." is German: other locales take CLDR's own order (fr "jeu. 5 nov.")
        return str(format_skeleton("MMMEd", moment, locale=locale))
    return str(format_date(moment, format="EEE d MMM" if locale == "en" else "EEE d. MMM", locale=locale))


def format_event_time(moment: datetime, timezone: str, locale: str) -> str:
    if locale not in ("en", "de"):
        local = moment.astimezone(_zone(timezone))
        return f"{_day(local.date(), locale)}, {local:%H:%M}"
    pattern = "EEE d MMM, HH:mm" if locale == "en" else "EEE d. MMM, HH:mm"
    return str(format_datetime(moment, pattern, tzinfo=_zone(timezone), locale=locale))


async def _expectation(
    services: Services,
    shop: ShopRef,
    state: Mapping[str, Any],
    shown: Progress,
    now: datetime,
    locale: str,
    timezone: str,
) -> tuple[str | None, date | None]:
    """The current expectation: delivered (the day); for an order caught running late, the date its apology named
    (the page and the email the customer came from say the same); unknown after a carrier problem; else the same
    estimator the promise came from, counted from the last handover to the carrier or, while nothing has left, from
    when the order was placed until the day it was to ship has passed (an order placed before the day's cutoff may
    still leave that day: a page seen after the cutoff is no reason to say "later"), then from now; and unknown
    rather than a day already past."""
    if shown.delivered:
        day = delivered_on(state)
        return (wording(locale).status["delivered_on"].format(date=_day(day, locale)) if day else None), day
    if shown.cancelled:
        return None, None
    told = [entry for entry in await order_at_risk(services, shop, str(state.get("id"))) if entry.expected]
    if told:
        newest = max(told, key=lambda entry: entry.detected_at)
        day = date.fromisoformat(str(newest.expected))
        return format_window(day, day, locale), day
    if shown.exception == "failed":
        return None, None
    loaded = await compiled_shop(services, shop)  # once, for both estimates below
    if loaded is None:
        return None, None
    handover = last_handover(state)
    estimate = None
    if handover is None:
        as_placed = promise_for_order(*loaded, state)
        today = now.astimezone(_zone(timezone)).date()
        if as_placed is not None and as_placed.ship_date is not None and as_placed.ship_date >= today:
            estimate = as_placed  # it can still leave on the day it was to ship
    if estimate is None:
        estimate = promise_for_order(*loaded, {**state, "created_at": (handover or now).isoformat()})
    if estimate is None or estimate.latest < now.date():
        return None, None
    return format_window(estimate.earliest, estimate.latest, locale), estimate.latest


# A carrier scan's stage as the page's event vocabulary; "pending" (registered, no scan yet) says nothing new.
_CARRIER_EVENT = {
    CarrierStage.SHIPPED: "in_transit",
    CarrierStage.OUT_FOR_DELIVERY: "out_for_delivery",
    CarrierStage.AVAILABLE_FOR_PICKUP: "available_for_pickup",
    CarrierStage.DELIVERED: "delivered",
    CarrierStage.EXCEPTION: "failed",
}


async def carrier_checkpoints(
    services: Services, shop: ShopRef, state: Mapping[str, Any]
) -> dict[str, list[ShipmentEvent]]:
    """The carrier scans a connected tracking provider reported (plugin.tracking), by shipment id: each parcel's
    tracking number names its shipment in the order projection."""
    by_number = {
        str(s.get("tracking_number")): str(s.get("id"))
        for s in state.get("shipments") or ()
        if isinstance(s, Mapping) and s.get("tracking_number")
    }
    found: dict[str, list[ShipmentEvent]] = {}
    for tracked in await order_checkpoints(services, shop, str(state.get("id"))):
        shipment = by_number.get(tracked.tracking_number)
        if shipment is None:
            continue
        for checkpoint in tracked.checkpoints:
            status = _CARRIER_EVENT.get(checkpoint.stage)
            if checkpoint.at is None or status is None:
                continue
            at = checkpoint.at if checkpoint.at.tzinfo else checkpoint.at.replace(tzinfo=ZoneInfo("UTC"))
            event = ShipmentEvent(at, status, "carrier", checkpoint.location or None, checkpoint.message or None)
            found.setdefault(shipment, []).append(event)
    return found


async def _returns(services: Services, shop: ShopRef, words: HelpWording) -> ReturnsFacts | None:
    """The return window and policy as the shop's badges state them; None while its data cannot be read."""
    try:
        return returns_facts(await load_storefront_shop(services, shop), words)
    except ShopUnavailable:
        return None


async def _help_view(
    services: Services, facts: ShopFacts, settings: HelpSettings, locale: str, now: datetime
) -> HelpView:
    words = HelpWording(WidgetWording(locale, facts))
    measured, _ = await measured_reply_time(services, facts.shop)
    typical = measured or (None if settings.reply_minutes is None else timedelta(minutes=settings.reply_minutes))
    path = human_path(settings, facts, words, now, typical)
    return HelpView(path.status, path.week, path.closure, path.channels)


async def build_page(
    services: Services,
    *,
    facts: ShopFacts,
    branding: Branding,
    help_settings: HelpSettings,
    state: Mapping[str, Any],
    locale: str,
    action: str,
    form: FormState,
    now: datetime,
    checkpoints: Mapping[str, Sequence[ShipmentEvent]] | None = None,
    preferences_saved: bool = False,
    texts_notice: str | None = None,
    texts_error: bool = False,
    asked: str | None = None,
) -> PageModel:
    shop = facts.shop
    order_id = str(state.get("id"))
    journey = await load_journey(services, shop, order_id)
    fields = journey.fields if journey is not None else {}
    shown = progress(state, fields.get("delivery_problem"))
    window = promised_window(fields)
    expected, expected_latest = await _expectation(services, shop, state, shown, now, locale, facts.timezone)
    late = bool(
        window is not None
        and not shown.delivered
        and not shown.cancelled
        and (now.date() > window[1] or (expected_latest is not None and expected_latest > window[1]))
    )
    destination = state.get("destination")
    country = destination.get("country") if isinstance(destination, Mapping) else None
    customer = state.get("customer_id")
    preferences = None
    if customer:
        preferences = await preference_state(services, shop, DataSubject(customer_id=str(customer)))
    placed = datetime.fromisoformat(str(state.get("created_at")))
    shipments = shipment_views(
        state.get("shipments") or (),
        checkpoints if checkpoints is not None else await carrier_checkpoints(services, shop, state),
    )
    delivered = delivered_on(state) if shown.delivered else None
    help_words = HelpWording(WidgetWording(locale, facts))
    answers = order_answers(
        shown=shown,
        late=late,
        expected=expected,
        delivered=_day(delivered, locale) if delivered else None,
        shipments=shipments,
        returns=await _returns(services, shop, help_words),
        returns_link_label=help_words.t("returns_policy"),
        words=wording(locale).status,
    )
    return PageModel(
        locale=locale,
        shop_name=facts.name,
        branding=branding,
        order_name=str(state.get("name") or order_id),
        placed=_day(placed.astimezone(_zone(facts.timezone)).date(), locale),
        progress=shown,
        promised=format_window(window[0], window[1], locale) if window else None,
        expected=expected,
        late=late,
        destination=said(
            locale,
            wording(locale).status["destination"].format(country=WidgetWording(locale, facts).country(str(country))),
        )
        if country
        else None,
        shipments=shipments,
        timezone=facts.timezone,
        help=await _help_view(services, facts, help_settings, locale, now),
        form=form,
        action=action,
        preferences=preferences,
        preferences_saved=preferences_saved,
        texts_offered=(await load_sms_config(services, shop)).enabled,
        texts_notice=texts_notice,
        texts_error=texts_error,
        answers=answers,
        asked=asked,
    )


@cache
def page_templates() -> Environment:
    return Environment(loader=FileSystemLoader(template_dirs()), autoescape=True, undefined=StrictUndefined)


def render_page(model: PageModel) -> str:
    words = wording(model.locale)

    def when(moment: datetime) -> str:
        return format_event_time(moment, model.timezone, model.locale)

    return (
        page_templates()
        .get_template("email/status/page.html")
        .render(
            page=model,
            s=words.status,
            pages=words.pages,
            purposes=PREFERENCE_PURPOSES,
            when=when,
        )
    )


def render_message_page(
    locale: str, title: str, text: str, shop_name: str = "", branding: Branding | None = None
) -> str:
    """A page with one message: the link does not work, or the order is gone."""
    return (
        page_templates()
        .get_template("email/status/message.html")
        .render(locale=locale, title=title, text=text, shop_name=shop_name, branding=branding or Branding())
    )
