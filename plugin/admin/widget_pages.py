"""Estimator and trust badge pages: the settings forms, each badge's verdict (shown, or refused with the reason),
and a live preview that runs the storefront's own fragment endpoints for the signed-in shop, server-side."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from babel import Locale
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.delivery_times import defaults_note, delivery_times
from plugin.admin.language import admin_messages, current_locale, t
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment
from plugin.catalogs import LOCALES
from plugin.openapi import QueryParam, documented
from widgets.badges.catalogue import Accepted, Refused, badges_from_settings, check_badge
from widgets.badges.http import badge_view, badges_fragment
from widgets.badges.phrases import Phrase, say
from widgets.badges.sources import PLATFORM_NAMES
from widgets.estimator.engine import known_countries
from widgets.estimator.http import estimate_fragment
from widgets.i18n import Wording
from widgets.settings import BADGE_KINDS, MAX_HOLDOUT_PERCENT, PAYMENT_METHOD_CHOICES, PLACEMENTS, settings_to_dict
from widgets.shop_context import ShopUnavailable, StorefrontShop, load_storefront_shop
from widgets.storefront import VARIANT_HEADER, StorefrontCall, WidgetRuntime

StorefrontHandler = Callable[[StorefrontCall], Awaitable[Response]]
SECURITY = ["shopifySessionToken"]
DEFAULT_SUBTOTAL = "25.00"
# Payment methods whose names are words, not brands: the admin says them in its language (the value stays).
WORDED_PAYMENT_METHODS = {"Bank transfer": "badge_pay_bank_transfer", "Cash on delivery": "badge_pay_cash_on_delivery"}
PREVIEW_QUERY = (
    QueryParam("country", "destination country (ISO code); default the shop's"),
    QueryParam("postcode", "destination postcode"),
    QueryParam("subtotal", "cart subtotal for the preview"),
    QueryParam("language", "the shopper's language to preview (en, de, ...); default the admin's"),
)


def badge_labels() -> dict[str, str]:
    """Each badge's name in the admin's language, in the order the settings list them."""
    return {kind: t(f"badge_kind_{kind}") for kind in BADGE_KINDS}


def placement_labels() -> dict[str, str]:
    return {placement: t(f"est_place_{placement}") for placement in PLACEMENTS}


def payment_labels() -> dict[str, str]:
    return {
        name: t(WORDED_PAYMENT_METHODS[name]) if name in WORDED_PAYMENT_METHODS else name
        for name in PAYMENT_METHOD_CHOICES
    }


def language_names() -> list[tuple[str, str]]:
    """The shipped languages a shopper may read the storefront in, named in the admin's language."""
    admin = current_locale()
    return [(code, Locale.parse(code).get_display_name(admin) or code) for code in LOCALES]


@dataclass(frozen=True)
class PreviewPart:
    html: Markup
    variant: str  # treatment, or "off" when the widget is turned off or not placed
    problem: str | None = None


@dataclass(frozen=True)
class VerdictSource:
    origin: str  # the data-origin: platform, merchant, policy_text
    origin_label: str  # Platform, You, Policy text, in the admin's language
    field: str
    says: str
    api: bool  # `field` is a platform field's own name (shown as code, never translated)


@dataclass(frozen=True)
class Verdict:
    kind: str
    label: str
    shown: bool
    text: str  # the wording shoppers see, or the reason it is refused
    sources: tuple[VerdictSource, ...] = ()  # where the claim's facts come from
    withheld: bool = False  # refused because its sources contradict each other


def _sources(check: Accepted | Refused) -> tuple[VerdictSource, ...]:
    catalog = admin_messages(current_locale())
    return tuple(
        VerdictSource(
            found.origin,
            t(f"badge_origin_{found.origin}"),
            say(found.where, catalog),
            say(found.said, catalog),
            not isinstance(found.where, Phrase),
        )
        for found in check.sources
    )


def _destination(request: Request, shop: StorefrontShop) -> dict[str, str]:
    query = request.query_params
    country = (query.get("country") or shop.facts.country or "US").strip().upper()[:2]
    postcode = (query.get("postcode") or "").strip()[:12]
    subtotal = (query.get("subtotal") or DEFAULT_SUBTOTAL).strip()[:16]
    # The storefront speaks the language the merchant fixed, else the shopper's: the preview shows the one asked
    # for, else the admin's. (Not `locale`: that names the admin's own language, plugin.admin.language.)
    locale = (query.get("language") or "").strip().lower()
    locale = shop.settings.locale or (locale if locale in LOCALES else current_locale())
    params = {"country": country, "subtotal": subtotal, "item_count": "1", "locale": locale}
    if postcode:
        params["postcode"] = postcode
    return params


async def _run(
    call: AdminCall, runtime: WidgetRuntime, handler: StorefrontHandler, params: dict[str, str]
) -> PreviewPart:
    """A storefront endpoint called for the signed-in shop with only `params` (nothing of the admin's URL)."""
    scope = {**call.request.scope, "query_string": urlencode(params).encode(), "method": "GET"}
    storefront = StorefrontCall(call.services, call.shop, Request(scope, call.request.receive), runtime)
    response = await handler(storefront)
    body = bytes(response.body).decode()
    if response.status_code != 200:
        # The storefront's JSON reason stays English (a documented API); the page says what happened around it.
        return PreviewPart(Markup(""), "off", t("preview_failed", reason=str(json.loads(body).get("error", ""))))
    return PreviewPart(Markup(body), response.headers.get(VARIANT_HEADER, "off"))


def _countries(shop: StorefrontShop, selected: str) -> list[tuple[str, str]]:
    words = Wording(current_locale(), shop.facts)
    codes = {selected, shop.facts.country.upper(), *shop.facts.ship_to_countries}
    if shop.setup is not None:
        codes.update(region.country.upper() for zone in shop.setup.zones for region in zone.regions)
    known = known_countries()
    return sorted(((code, words.country(code)) for code in codes if code in known), key=lambda pair: _letters(pair[1]))


def _letters(name: str) -> str:
    """A sort key that files "Österreich" under O, as a reader looks for it (Babel has no collation)."""
    return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)).casefold()


def verdicts(shop: StorefrontShop, now: datetime) -> list[Verdict]:
    """Each badge's verdict in the admin's language: the wording as a shopper in that language reads it, or why not."""
    words = Wording(current_locale(), shop.facts)
    catalog = admin_messages(current_locale())
    labels = badge_labels()
    on_time = shop.learned.on_time if shop.learned else None
    requested = {badge.kind: badge for badge in badges_from_settings(shop.settings.badges, shop.hours, on_time)}
    found: list[Verdict] = []
    for kind in BADGE_KINDS:
        if kind not in requested:
            found.append(Verdict(kind, labels[kind], False, t("badge_turned_off")))
            continue
        check = check_badge(shop.facts, shop.setup, requested[kind])
        if isinstance(check, Accepted):
            view = badge_view(check, words, now)
            text = view.title + (f" — {view.detail}" if view.detail else "")
            found.append(Verdict(kind, labels[kind], True, text, _sources(check)))
        else:
            found.append(Verdict(kind, labels[kind], False, check.why.say(catalog), _sources(check), check.withheld))
    return found


def widget_page_routes(runtime: WidgetRuntime) -> list[BaseRoute]:
    """`runtime` is the admin's own widget runtime (clock and estimate cache), shared by these endpoints."""

    async def _shop(call: AdminCall) -> StorefrontShop | Response:
        try:
            return await load_storefront_shop(call.services, call.shop)
        except ShopUnavailable as exc:
            return error(exc.status, exc.reason)

    async def _preview(call: AdminCall, shop: StorefrontShop) -> tuple[dict[str, str], PreviewPart, PreviewPart]:
        params = _destination(call.request, shop)
        estimate = await _run(call, runtime, estimate_fragment, params)
        badges = await _run(call, runtime, badges_fragment, {"placement": "product", "locale": params["locale"]})
        return params, estimate, badges

    @admin_endpoint
    @documented(
        "Shipping estimator settings with a live preview for a destination (HTML fragment)",
        {200: "HTML", 401: "not signed in", 404: "not installed", 503: "shop not synced yet"},
        tag="admin",
        query=PREVIEW_QUERY,
        security=SECURITY,
    )
    async def estimator_fragment(call: AdminCall) -> Response:
        shop = await _shop(call)
        if isinstance(shop, Response):
            return shop
        params, estimate, badges = await _preview(call, shop)
        return fragment(
            "admin/estimator.html",
            delivery_zones=await delivery_times(call.services, shop, call.now()),
            delivery_note=defaults_note(),
            settings=settings_to_dict(shop.settings),
            placements=PLACEMENTS,
            placement_labels=placement_labels(),
            languages=language_names(),
            max_holdout=MAX_HOLDOUT_PERCENT,
            setup=shop.setup,
            facts=shop.facts,
            destination=params,
            countries=_countries(shop, params["country"]),
            estimate=estimate,
            badges=badges,
        )

    @admin_endpoint
    @documented(
        "The storefront preview alone: the estimate and badges a shopper would see (HTML fragment)",
        {200: "HTML", 401: "not signed in", 404: "not installed", 503: "shop not synced yet"},
        tag="admin",
        query=PREVIEW_QUERY,
        security=SECURITY,
    )
    async def storefront_preview(call: AdminCall) -> Response:
        shop = await _shop(call)
        if isinstance(shop, Response):
            return shop
        params, estimate, badges = await _preview(call, shop)
        return fragment("admin/preview.html", destination=params, estimate=estimate, badges=badges)

    @admin_endpoint
    @documented(
        "Trust badge settings and each badge's verdict: shown with its wording, or refused with the reason",
        {200: "HTML", 401: "not signed in", 404: "not installed", 503: "shop not synced yet"},
        tag="admin",
        security=SECURITY,
    )
    async def badges_page(call: AdminCall) -> Response:
        shop = await _shop(call)
        if isinstance(shop, Response):
            return shop
        footer = await _run(call, runtime, badges_fragment, {"placement": "footer", "locale": current_locale()})
        return fragment(
            "admin/badges.html",
            settings=settings_to_dict(shop.settings),
            placements=PLACEMENTS,
            placement_labels=placement_labels(),
            verdicts=verdicts(shop, call.now()),
            labels=badge_labels(),
            payment_choices=PAYMENT_METHOD_CHOICES,
            payment_labels=payment_labels(),
            platform_name=PLATFORM_NAMES.get(shop.facts.shop.platform, shop.facts.shop.platform),
            preview=footer,
        )

    return [
        Route("/fragments/estimator", estimator_fragment, methods=["GET"]),
        Route("/estimator/preview", storefront_preview, methods=["GET"]),
        Route("/fragments/badges", badges_page, methods=["GET"]),
    ]
