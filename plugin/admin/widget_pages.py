"""Estimator and trust badge pages: the settings forms, each badge's verdict (shown, or refused with the reason),
and a live preview that runs the storefront's own fragment endpoints for the signed-in shop, server-side."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.delivery_times import defaults_note, delivery_times
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment
from plugin.openapi import QueryParam, documented
from widgets.badges.catalogue import Accepted, Refused, badges_from_settings, check_badge
from widgets.badges.http import badge_view, badges_fragment
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
BADGE_LABELS = {
    "secure_checkout": "Secure checkout",
    "free_returns": "Free returns",
    "money_back": "Money-back guarantee",
    "payment_methods": "Payment methods",
    "delivery_promise": "Delivery promise",
    "support": "Support hours",
    "on_time": "On-time delivery rate",
}
PREVIEW_QUERY = (
    QueryParam("country", "destination country (ISO code); default the shop's"),
    QueryParam("postcode", "destination postcode"),
    QueryParam("subtotal", "cart subtotal for the preview"),
)


@dataclass(frozen=True)
class PreviewPart:
    html: Markup
    variant: str  # treatment, or "off" when the widget is turned off or not placed
    problem: str | None = None


SOURCE_ORIGINS = {"platform": "Platform", "merchant": "You", "policy_text": "Policy text"}


@dataclass(frozen=True)
class VerdictSource:
    origin: str  # Platform, You, Policy text
    field: str
    says: str


@dataclass(frozen=True)
class Verdict:
    kind: str
    label: str
    shown: bool
    text: str  # the wording shoppers see, or the reason it is refused
    sources: tuple[VerdictSource, ...] = ()  # where the claim's facts come from
    withheld: bool = False  # refused because its sources contradict each other


def _sources(check: Accepted | Refused) -> tuple[VerdictSource, ...]:
    return tuple(VerdictSource(SOURCE_ORIGINS[found.origin], found.field, found.says) for found in check.sources)


def _destination(request: Request, shop: StorefrontShop) -> dict[str, str]:
    query = request.query_params
    country = (query.get("country") or shop.facts.country or "US").strip().upper()[:2]
    postcode = (query.get("postcode") or "").strip()[:12]
    subtotal = (query.get("subtotal") or DEFAULT_SUBTOTAL).strip()[:16]
    params = {"country": country, "subtotal": subtotal, "item_count": "1"}
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
        return PreviewPart(Markup(""), "off", str(json.loads(body).get("error", "the preview failed")))
    return PreviewPart(Markup(body), response.headers.get(VARIANT_HEADER, "off"))


def _countries(shop: StorefrontShop, selected: str) -> list[tuple[str, str]]:
    words = Wording("en", shop.facts)
    codes = {selected, shop.facts.country.upper(), *shop.facts.ship_to_countries}
    if shop.setup is not None:
        codes.update(region.country.upper() for zone in shop.setup.zones for region in zone.regions)
    known = known_countries()
    return sorted(((code, words.country(code)) for code in codes if code in known), key=lambda pair: pair[1])


def verdicts(shop: StorefrontShop, now: datetime) -> list[Verdict]:
    words = Wording("en", shop.facts)
    on_time = shop.learned.on_time if shop.learned else None
    requested = {badge.kind: badge for badge in badges_from_settings(shop.settings.badges, shop.hours, on_time)}
    found: list[Verdict] = []
    for kind in BADGE_KINDS:
        if kind not in requested:
            found.append(Verdict(kind, BADGE_LABELS[kind], False, "turned off in your settings"))
            continue
        check = check_badge(shop.facts, shop.setup, requested[kind])
        if isinstance(check, Accepted):
            view = badge_view(check, words, now)
            text = view.title + (f" — {view.detail}" if view.detail else "")
            found.append(Verdict(kind, BADGE_LABELS[kind], True, text, _sources(check)))
        else:
            found.append(Verdict(kind, BADGE_LABELS[kind], False, check.reason, _sources(check), check.withheld))
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
        badges = await _run(call, runtime, badges_fragment, {"placement": "product"})
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
        footer = await _run(call, runtime, badges_fragment, {"placement": "footer"})
        return fragment(
            "admin/badges.html",
            settings=settings_to_dict(shop.settings),
            placements=PLACEMENTS,
            verdicts=verdicts(shop, call.now()),
            labels=BADGE_LABELS,
            payment_choices=PAYMENT_METHOD_CHOICES,
            platform_name=PLATFORM_NAMES.get(shop.facts.shop.platform, shop.facts.shop.platform),
            preview=footer,
        )

    return [
        Route("/fragments/estimator", estimator_fragment, methods=["GET"]),
        Route("/estimator/preview", storefront_preview, methods=["GET"]),
        Route("/fragments/badges", badges_page, methods=["GET"]),
    ]
