"""The estimator's HTTP surface: the JSON estimate and the server-rendered fragment the storefront script inserts."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from starlette.responses import Response

from plugin.openapi import QueryParam, documented
from widgets.estimator.destination import DESTINATION_HEADERS, Destination, resolve_destination
from widgets.estimator.engine import (
    EstimateInputError,
    EstimateRequest,
    known_countries,
    parse_estimate_request,
)
from widgets.estimator.rendered import rendered_estimate
from widgets.estimator.schema import estimate_query_schema
from widgets.estimator.service import order_within
from widgets.holdout import BUCKET_SCHEMA, TREATMENT, BucketError, variant_for
from widgets.i18n import Wording, choose_locale, language_region, money_locale
from widgets.settings import PLACEMENT_SCHEMA, PLACEMENTS
from widgets.shop_context import ShopUnavailable, StorefrontShop
from widgets.storefront import StorefrontCall, error, fragment

OPTIONS_SHOWN = 2

QUOTED = "quoted"
AT_CHECKOUT = "at_checkout"
NOT_SHIPPED = "not_shipped"


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
        # Quoted means a delivery price: a free pickup next to carrier-only rates still leaves shipping to checkout.
        shipped = [o for o in self.data["options"] if o.get("kind", "shipping") != "pickup"]
        return QUOTED if any(option["cost"] is not None for option in shipped) else AT_CHECKOUT


async def answer_estimate(
    call: StorefrontCall, shop: StorefrontShop | None = None, asked_at: datetime | None = None
) -> EstimateAnswer:
    """Raises ShopUnavailable or EstimateInputError; everything else is an honest answer. Answers are computed
    as of the clock's whole second, so the same question within a second has the same answer."""
    if shop is None:
        shop = await call.storefront_shop()
    query = dict(call.request.query_params)
    destination = resolve_destination(query, call.request.headers, shop.facts)
    query["country"] = destination.country
    request = parse_estimate_request(query, shop_currency=shop.facts.currency)
    now = (asked_at or call.now()).replace(microsecond=0)
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
        "currency_message": currency_message(answer, Wording("en", answer.shop.facts)),
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
                else {
                    "earliest": option["earliest"],
                    "latest": option["latest"],
                    "source": option.get("transit_source"),  # merchant, learned or default (an estimate)
                },
                "kind": option.get("kind", "shipping"),
                "ready": option.get("ready"),
            }
            for option in data.get("options", ())
        ],
        "free_shipping": data.get("free_shipping"),
        "calculated_at_checkout": data.get("calculated_at_checkout", []),
        "zone": data.get("zone"),
        "ships_from": data.get("ships_from", []),
        "ship_date": data.get("ship_date"),
        "order_within_s": None if left is None else int(left.total_seconds()),
    }


def currency_message(answer: EstimateAnswer, words: Wording) -> str | None:
    """The plain sentence for a shopper whose currency the shop does not sell in; None otherwise."""
    presentment = (answer.data or {}).get("presentment") or {}
    requested, shown = presentment.get("requested"), (answer.data or {}).get("currency")
    if not presentment.get("sold", True):
        return words.t("currency_not_sold", shop=shown, asked=requested)
    if requested is not None and requested != shown:
        return words.t("currency_no_rate", shop=shown)
    return None


def _encode(body: dict[str, Any]) -> bytes:
    return json.dumps(body, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode()  # as JSONResponse


def _refusal(exc: Exception) -> Response:
    if isinstance(exc, ShopUnavailable):
        return error(exc.status, exc.reason)
    if isinstance(exc, EstimateInputError):
        return error(400, exc.reason, exc.field)
    raise exc


ESTIMATE_QUERY = (
    QueryParam(
        "estimate",
        "the destination and cart, one query parameter per property (subtotal required)",
        required=True,
        schema=estimate_query_schema(),
    ),
)
FRAGMENT_QUERY = (
    *ESTIMATE_QUERY,
    QueryParam("placement", "product, cart or footer", schema=PLACEMENT_SCHEMA),
    QueryParam("locale", "the storefront language (en, de, ...)"),
    QueryParam("bucket", "the visitor's holdout bucket, 0-99", schema=BUCKET_SCHEMA),
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
        shop = await call.storefront_shop()
        asked_at = call.now()
        question = call.runtime.rendered_estimates.question(shop, call.request, asked_at)
        if (rendered := call.runtime.rendered_estimates.recall(question)) is not None:
            return rendered.response()
        answer = await answer_estimate(call, shop, asked_at)
    except (ShopUnavailable, EstimateInputError) as exc:
        return _refusal(exc)
    vary = DESTINATION_HEADERS if answer.destination.source in ("header", "accept-language") else ()
    rendered = rendered_estimate(_encode(estimate_body(answer)), vary)
    call.runtime.rendered_estimates.remember(question, rendered)
    return rendered.response()


# --- the fragment -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionLine:
    name: str
    price: str
    dates: str | None


def _option_line(option: Mapping[str, Any], words: Wording) -> OptionLine:
    if option.get("kind") == "pickup":
        ready = option.get("ready")
        return OptionLine(
            words.t("pickup_at", location=option["name"]), words.t("free"), words.t(f"ready_{ready}") if ready else None
        )
    name = words.t("local_delivery") if option.get("kind") == "local" else option["name"]
    if option["cost"] is None:
        price = words.t("at_checkout")
    elif option["free"]:
        price = words.t("free")
    else:
        price = words.money(Decimal(option["cost"]))
    dates = None
    if option["earliest"] is not None:
        # A default window is not the shop's own number: the shopper reads it as an estimate ("est.").
        dates = words.t(
            "delivery_estimated" if option.get("transit_source") == "default" else "delivery",
            dates=words.dates(date.fromisoformat(option["earliest"]), date.fromisoformat(option["latest"])),
        )
    return OptionLine(name, price, dates)


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
    # Local delivery and pickup go second: after the cheapest carrier delivery, before the dearer ones, so the few
    # lines shown include them.
    shipped = [o for o in data.get("options", ()) if o.get("kind", "shipping") == "shipping"]
    nearby = [o for kind in ("local", "pickup") for o in data.get("options", ()) if o.get("kind") == kind]
    options = [_option_line(option, words) for option in [*shipped[:1], *nearby, *shipped[1:]]]
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
    else:
        message = currency_message(answer, words)
    destination = country if not answer.request.postcode else f"{country}, {answer.request.postcode}"
    return {
        "t": words.t,
        "locale": words.locale,
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
    data = answer.data or {}
    words = Wording(
        locale,
        answer.shop.facts,
        currency=data.get("currency"),
        decimals=data.get("decimals"),
        money_locale=money_locale(locale, language_region(call.request.query_params.get("locale"))),
    )
    return fragment(call.render("widgets/estimate.html", **fragment_context(answer, words, variant)), variant)
