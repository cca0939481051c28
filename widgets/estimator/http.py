"""The estimator's HTTP surface: the JSON estimate and the server-rendered fragment the storefront script inserts."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse, Response

from plugin.openapi import QueryParam, documented
from plugin.platform import ShopFacts
from widgets.estimator.engine import EstimateInputError, EstimateRequest, known_countries, parse_estimate_request
from widgets.estimator.service import order_within
from widgets.holdout import TREATMENT, BucketError, variant_for
from widgets.i18n import Wording, choose_locale
from widgets.settings import PLACEMENTS
from widgets.shop_context import ShopUnavailable, StorefrontShop, load_storefront_shop
from widgets.storefront import StorefrontCall, error, fragment

# Edge and CDN headers carrying the visitor's country; only a default, the shopper can always change it.
COUNTRY_HEADERS = ("cf-ipcountry", "cloudfront-viewer-country", "x-vercel-ip-country", "x-country-code")
OPTIONS_SHOWN = 2

QUOTED = "quoted"
AT_CHECKOUT = "at_checkout"
NOT_SHIPPED = "not_shipped"


@dataclass(frozen=True)
class Destination:
    country: str
    source: str  # query, header, accept-language or shop


def accept_language_countries(header: str) -> list[str]:
    """Region subtags of Accept-Language in preference order: "de-AT,de;q=0.9,en-GB;q=0.8" -> ["AT", "GB"]."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                continue
        pieces = tag.strip().replace("_", "-").split("-")
        region = next((p.upper() for p in pieces[1:] if len(p) == 2 and p.isalpha()), None)
        if region and quality > 0:
            ranked.append((-quality, position, region))
    return [region for _, _, region in sorted(ranked)]


def resolve_destination(query: Mapping[str, str], headers: Mapping[str, str], facts: ShopFacts) -> Destination:
    """The shopper's country: asked for, else the edge's geolocation header, else their browser's language
    region, else the shop's own country."""
    if (query.get("country") or "").strip():
        return Destination(query["country"].strip().upper(), "query")
    countries = known_countries()
    for name in COUNTRY_HEADERS:
        value = (headers.get(name) or "").strip().upper()
        if value in countries:
            return Destination(value, "header")
    for region in accept_language_countries(headers.get("accept-language", "")):
        if region in countries:
            return Destination(region, "accept-language")
    return Destination(facts.country.upper(), "shop")


@dataclass(frozen=True)
class EstimateAnswer:
    shop: StorefrontShop
    destination: Destination
    request: EstimateRequest
    data: dict[str, Any] | None  # None: the shop has no usable shipping setup
    now: datetime

    @property
    def status(self) -> str:
        if self.data is None:
            return AT_CHECKOUT
        if not self.data["ships_here"]:
            return NOT_SHIPPED
        return QUOTED if any(option["cost"] is not None for option in self.data["options"]) else AT_CHECKOUT


async def answer_estimate(call: StorefrontCall) -> EstimateAnswer:
    """Raises ShopUnavailable or EstimateInputError; everything else is an honest answer."""
    shop = await load_storefront_shop(call.services, call.shop, call.runtime.shops)
    query = dict(call.request.query_params)
    destination = resolve_destination(query, call.request.headers, shop.facts)
    query["country"] = destination.country
    request = parse_estimate_request(query, shop_currency=shop.facts.currency)
    now = call.now()
    data = await call.runtime.estimates.estimate(call.services, shop, request, now)
    return EstimateAnswer(shop, destination, request, data, now)


def estimate_body(answer: EstimateAnswer) -> dict[str, Any]:
    data = answer.data or {}
    left = None if answer.data is None else order_within(answer.data, answer.now)
    status = answer.status
    messages = {
        NOT_SHIPPED: f"We don't ship to {answer.destination.country} yet.",
        AT_CHECKOUT: "Shipping costs are calculated at checkout.",
    }
    return {
        "shop": answer.shop.shop.id,
        "status": status,
        "message": messages.get(status),
        "currency": data.get("currency", answer.shop.facts.currency),
        "destination": {
            "country": answer.destination.country,
            "province": answer.request.province,
            "postcode": answer.request.postcode,
            "source": answer.destination.source,
        },
        "options": [
            {
                "id": option["id"],
                "name": option["name"],
                "cost": option["cost"],
                "free": option["free"],
                "computable": option["computable"],
                "delivery": None
                if option["earliest"] is None
                else {"earliest": option["earliest"], "latest": option["latest"]},
            }
            for option in data.get("options", ())
        ],
        "free_shipping": data.get("free_shipping"),
        "calculated_at_checkout": data.get("calculated_at_checkout", []),
        "zone": data.get("zone"),
        "ship_date": data.get("ship_date"),
        "order_within_s": None if left is None else int(left.total_seconds()),
    }


def _refusal(exc: Exception) -> Response:
    if isinstance(exc, ShopUnavailable):
        return error(exc.status, exc.reason)
    if isinstance(exc, EstimateInputError):
        return error(400, exc.reason, exc.field)
    raise exc


ESTIMATE_QUERY = (
    QueryParam("country", "ISO country code; default: edge country header, Accept-Language region, shop country"),
    QueryParam("province", "province or state code (CA or US-CA)"),
    QueryParam("postcode", "postal code"),
    QueryParam("subtotal", "cart subtotal as a plain decimal", required=True),
    QueryParam("weight_g", "cart weight in grams", type="integer"),
    QueryParam("item_count", "items in the cart", type="integer"),
    QueryParam("currency", "must be the shop currency (default)"),
)
FRAGMENT_QUERY = (
    *ESTIMATE_QUERY,
    QueryParam("placement", "product, cart or footer"),
    QueryParam("locale", "the storefront language (en, de, ...)"),
    QueryParam("bucket", "the visitor's holdout bucket, 0-99", type="integer"),
)


@documented(
    "Shipping options, costs and delivery window for a destination and cart",
    {
        200: "{status: quoted|at_checkout|not_shipped, currency, options[], free_shipping, calculated_at_checkout}",
        400: "bad input, with the field and reason",
        403: "origin not one of the shop's storefront domains",
        404: "unknown or uninstalled shop",
        503: "shop not synced yet",
    },
    tag="storefront",
    query=ESTIMATE_QUERY,
)
async def estimate_json(call: StorefrontCall) -> Response:
    try:
        answer = await answer_estimate(call)
    except (ShopUnavailable, EstimateInputError) as exc:
        return _refusal(exc)
    return JSONResponse(estimate_body(answer), headers={"Cache-Control": "public, max-age=60"})


# --- the fragment -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionLine:
    name: str
    price: str
    dates: str | None


def _option_line(option: Mapping[str, Any], words: Wording) -> OptionLine:
    if option["cost"] is None:
        price = words.t("at_checkout")
    elif option["free"]:
        price = words.t("free")
    else:
        price = words.money(Decimal(option["cost"]))
    dates = None
    if option["earliest"] is not None:
        dates = words.t(
            "delivery",
            dates=words.dates(date.fromisoformat(option["earliest"]), date.fromisoformat(option["latest"])),
        )
    return OptionLine(option["name"], price, dates)


def _destination_choices(answer: EstimateAnswer, words: Wording) -> list[tuple[str, str]]:
    """Countries the shop ships to (from its zones and the platform), plus the one asked about."""
    codes = {answer.destination.country, *answer.shop.facts.ship_to_countries}
    if answer.shop.setup is not None:
        codes.update(region.country.upper() for zone in answer.shop.setup.zones for region in zone.regions)
    known = known_countries()
    return sorted(((code, words.country(code)) for code in codes if code in known), key=lambda pair: pair[1])


def fragment_context(answer: EstimateAnswer, words: Wording, variant: str) -> dict[str, Any]:
    settings = answer.shop.settings.estimator
    status = answer.status
    country = words.country(answer.destination.country)
    data = answer.data or {}
    options = [_option_line(option, words) for option in data.get("options", ())]
    more = len(options) - OPTIONS_SHOWN
    free_line = None
    progress = data.get("free_shipping")
    if progress is not None and status == QUOTED:
        remaining = Decimal(progress["remaining"])
        if remaining == 0:
            free_line = words.t("free_reached")
        else:
            free_line = words.t("free_remaining", amount=words.money(remaining))
    countdown = None
    left = None if answer.data is None else order_within(answer.data, answer.now)
    if left is not None and settings.show_countdown and status == QUOTED:
        countdown = words.t("order_within", duration=words.duration(left))
    message = None
    if status == NOT_SHIPPED:
        message = words.t("not_shipped", country=country)
    elif not options:
        message = words.t("unknown_rates")
    destination = country if not answer.request.postcode else f"{country}, {answer.request.postcode}"
    return {
        "t": words.t,
        "variant": variant,
        "title": settings.heading or words.t("estimate_label"),
        "destination": words.t("shipping_to", country=destination),
        "options": options[:OPTIONS_SHOWN],
        "more": words.plural("more_options", more) if more > 0 else None,
        "message": message,
        "free_line": free_line,
        "countdown": countdown,
        "countries": _destination_choices(answer, words),
        "selected_country": answer.destination.country,
        "postcode": answer.request.postcode or "",
    }


@documented(
    "The shipping estimate as an HTML fragment (empty for the holdout's control group)",
    {200: "HTML; X-Upfront-Variant says treatment, control or off", 400: "bad input", 404: "unknown shop"},
    tag="storefront",
    query=FRAGMENT_QUERY,
)
async def estimate_fragment(call: StorefrontCall) -> Response:
    placement = call.request.query_params.get("placement")
    if placement is not None and placement not in PLACEMENTS:
        return error(400, f"placement must be one of {', '.join(PLACEMENTS)}", "placement")
    try:
        answer = await answer_estimate(call)
    except (ShopUnavailable, EstimateInputError) as exc:
        return _refusal(exc)
    settings = answer.shop.settings
    try:
        variant = variant_for(call.request.query_params.get("bucket"), settings.holdout_percent)
    except BucketError as exc:
        return error(400, str(exc), "bucket")
    placed = placement is None or placement in settings.estimator.placements
    if not settings.estimator.enabled or not placed:
        return fragment("", "off")
    if variant != TREATMENT:
        return fragment("", variant)
    locale = choose_locale(
        settings.locale, call.request.query_params.get("locale"), answer.shop.facts.locale, settings.fallback_locale
    )
    words = Wording(locale, answer.shop.facts)
    return fragment(call.render("widgets/estimate.html", **fragment_context(answer, words, variant)), variant)
