"""The estimator's entry point: validate a shopper's destination and cart, then estimate cost and delivery."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale

from plugin.excerpt import excerpt
from plugin.rates import ShippingSetup
from widgets.estimator.delivery import ShippingCalendar, delivery_window, plan_dispatch
from widgets.estimator.matching import MatchLevel, ZoneIndex
from widgets.estimator.money import is_currency, minor_units, most_minor_units, round_money
from widgets.estimator.pricing import Cart, FreeShippingProgress
from widgets.estimator.profiles import (
    CartLine,
    Destination,
    ItemsError,
    ProfileRouter,
    parse_items,
    pickups_for,
    quote_cart,
)
from widgets.estimator.transit import LearnedTransit, TransitTimes

MAX_WEIGHT_G = 1_000_000
MAX_ITEMS = 10_000
assert (MAX_ITEMS, MAX_WEIGHT_G) == (10_000, 1_000_000), "profiles.ITEM_SHAPE spells these ranges out"
LOCAL_DELIVERY = "local"  # the method id of the merchant's own local delivery


class EstimateInputError(ValueError):
    """A shopper-supplied value we cannot estimate for; `reason` is safe to show back."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True, slots=True)
class EstimateRequest:
    country: str
    subtotal: Decimal
    currency: str
    weight_g: int = 0
    item_count: int = 1
    province: str | None = None
    postcode: str | None = None
    rate: Decimal | None = None  # the storefront's rate to `currency` (widgets.estimator.presentment decides)
    items: tuple[CartLine, ...] = ()  # the products on the page or in the cart: they choose the delivery profiles


@dataclass(frozen=True, slots=True)
class EstimateOption:
    method_id: str
    name: str
    cost: Decimal | None  # None: calculated at checkout
    handling: Decimal
    free: bool
    computable: bool
    earliest: date | None  # None when no transit time is known for the method
    latest: date | None
    kind: str = "shipping"  # "pickup": collected at a location, free, ready after `ready`; "local": the merchant's
    # own delivery to nearby postcodes (plugin.rates.LocalDelivery)
    ready: str | None = None  # a pickup's ready time (plugin.rates.PICKUP_READY_TIMES)
    transit_source: str | None = None  # widgets.estimator.transit.TransitSource: merchant, learned or default


@dataclass(frozen=True, slots=True)
class Estimate:
    ships_here: bool
    currency: str
    options: tuple[EstimateOption, ...] = ()
    free_shipping: FreeShippingProgress | None = None
    calculated_at_checkout: tuple[str, ...] = ()
    zone_name: str | None = None
    zone_id: str | None = None
    match: MatchLevel | None = None
    ship_date: date | None = None
    order_within: timedelta | None = None  # "order within 2 h 13 min to ship today"
    ships_from: tuple[str, ...] = ()  # origin countries of the matched zone(s)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe: amounts as strings, dates ISO, the countdown in whole seconds."""

        def amount(value: Decimal | None) -> str | None:
            return None if value is None else format(value, "f")

        return {
            "ships_here": self.ships_here,
            "currency": self.currency,
            "zone": self.zone_name,
            "match": None if self.match is None else self.match.label,
            "ship_date": None if self.ship_date is None else self.ship_date.isoformat(),
            "order_within_s": None if self.order_within is None else int(self.order_within.total_seconds()),
            "options": [
                {
                    "id": o.method_id,
                    "name": o.name,
                    "cost": amount(o.cost),
                    "handling": amount(o.handling),
                    "free": o.free,
                    "computable": o.computable,
                    "earliest": None if o.earliest is None else o.earliest.isoformat(),
                    "latest": None if o.latest is None else o.latest.isoformat(),
                    "kind": o.kind,
                    "ready": o.ready,
                    "transit_source": o.transit_source,
                }
                for o in self.options
            ],
            "free_shipping": None
            if self.free_shipping is None
            else {
                "threshold": amount(self.free_shipping.threshold),
                "remaining": amount(self.free_shipping.remaining),
            },
            "calculated_at_checkout": list(self.calculated_at_checkout),
            "ships_from": list(self.ships_from),
        }


class CompiledSetup:
    """A setup with its lookup index, calendar and transit times built once, to be reused for every estimate."""

    __slots__ = ("setup", "index", "calendar", "router", "transit")

    def __init__(self, setup: ShippingSetup, learned: LearnedTransit | None = None) -> None:
        if setup.origin_country.upper() not in known_countries():
            raise ValueError(f"unknown origin country {setup.origin_country!r}")
        minor_units(setup.currency)  # raises on an unknown currency
        self.setup = setup
        self.router = ProfileRouter(setup)
        self.index: ZoneIndex = self.router.default
        self.calendar = ShippingCalendar(
            setup.origin_country.upper(),
            setup.timezone,
            subdivision=setup.origin_subdivision,
            closures=setup.closures,
        )
        self.transit = TransitTimes(setup, learned)


def compile_setup(setup: ShippingSetup, learned: LearnedTransit | None = None) -> CompiledSetup:
    return CompiledSetup(setup, learned)


def estimate(setup: CompiledSetup | ShippingSetup, request: EstimateRequest, now: datetime) -> Estimate:
    """Shipping options, costs and delivery windows for one destination and cart, as of `now` (aware)."""
    compiled = setup if isinstance(setup, CompiledSetup) else CompiledSetup(setup)
    shop = compiled.setup
    if request.currency != shop.currency:
        raise EstimateInputError("currency", f"prices are in {shop.currency}, not {request.currency}")
    where = Destination(request.country, request.province, request.postcode)
    cart = Cart(request.subtotal, request.weight_g, request.item_count)
    found = quote_cart(compiled.router, where, cart, request.items, shop.currency)
    if found is None:
        return Estimate(ships_here=False, currency=shop.currency)
    quotes, progress = found.quotes, found.progress
    dispatch = plan_dispatch(compiled.calendar, now, processing_days=shop.processing_days, cutoff=shop.cutoff)
    windows: dict[tuple[int, int], tuple[date, date]] = {}
    options = []
    for quote in quotes:
        transit, source = compiled.transit.days(
            found.zone_id, quote.name, quote.transit_days, request.country, request.province
        )
        if transit not in windows:
            windows[transit] = delivery_window(compiled.calendar, dispatch.ship_date, transit)
        options.append(
            EstimateOption(
                quote.method_id,
                quote.name,
                quote.cost,
                quote.handling,
                quote.free,
                quote.computable,
                *windows[transit],
                transit_source=source.value,
            )
        )
    nothing = round_money(Decimal(0), shop.currency)
    for pickup in pickups_for(compiled.router, where, found.profiles):
        options.append(
            EstimateOption(
                f"pickup:{pickup.id}", pickup.name, nothing, nothing, True, True, None, None, "pickup", pickup.ready
            )
        )
    local = shop.local_delivery
    if (
        local is not None
        and request.country == shop.origin_country.upper()
        and local.serves(request.postcode)
        and (local.minimum_order is None or request.subtotal >= local.minimum_order)
    ):
        window = delivery_window(compiled.calendar, dispatch.ship_date, local.days)
        price = round_money(local.price, shop.currency)
        options.append(
            EstimateOption(
                LOCAL_DELIVERY, "Local delivery", price, nothing, not price, True, *window, "local", None, "merchant"
            )
        )
    return Estimate(
        ships_here=True,
        currency=shop.currency,
        options=tuple(options),
        free_shipping=progress,
        calculated_at_checkout=tuple(q.name for q in quotes if q.cost is None),
        zone_name=found.zone_name,
        zone_id=found.zone_id,
        match=found.match,
        ship_date=dispatch.ship_date,
        order_within=dispatch.order_within,
        ships_from=found.ships_from,
    )


# --- raw input validation ---------------------------------------------------------------------------------

# Territory codes CLDR lists that are not ISO 3166-1 countries (continents, unions, pseudo-locales).
_NOT_COUNTRIES = frozenset({"AC", "CP", "CQ", "DG", "EA", "EU", "EZ", "IC", "QO", "TA", "UN", "XA", "XB", "ZZ"})


@cache
def known_countries() -> frozenset[str]:
    codes = (code for code in Locale("en").territories if isinstance(code, str))
    return frozenset(c for c in codes if len(c) == 2 and c.isalpha() and c not in _NOT_COUNTRIES)


# Shapes for the busiest destinations; elsewhere only a generic sanity check.
_POSTCODE_SHAPES: dict[str, re.Pattern[str]] = {
    "US": re.compile(r"\d{5}(-\d{4})?"),
    "DE": re.compile(r"\d{5}"),
    "FR": re.compile(r"\d{5}"),
    "IT": re.compile(r"\d{5}"),
    "ES": re.compile(r"\d{5}"),
    "AU": re.compile(r"\d{4}"),
    "AT": re.compile(r"\d{4}"),
    "CH": re.compile(r"\d{4}"),
    "NL": re.compile(r"\d{4} ?[A-Z]{2}"),
    "CA": re.compile(r"[A-Z]\d[A-Z] ?\d[A-Z]\d"),
    "GB": re.compile(r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"),
    "JP": re.compile(r"\d{3}-?\d{4}"),
}
# Postcodes whose last three characters form a separate part that zone ranges must not run into.
_INWARD_CODE_COUNTRIES = frozenset({"GB", "CA"})
_GENERIC_POSTCODE = re.compile(r"[A-Z0-9][A-Z0-9 -]{1,9}")
PROVINCE_SHAPE = "[A-Z0-9]{1,3}(-[A-Z0-9]{1,3})?"
_CURRENCY = re.compile("[A-Z]{3}")
_PROVINCE = re.compile(PROVINCE_SHAPE)
# Plain digits only: Decimal() and int() would also take "1_000", "1e9999" and "NaN". The digit limits are checked
# apart from the shape, so a long number is called too long rather than not a number.
_AMOUNT = re.compile(r"-?(\d+)(?:\.(\d+))?")
_WHOLE = re.compile(r"-?(\d+)")
MAX_WHOLE_DIGITS = 12
MAX_DECIMALS = 12


def parse_estimate_request(raw: Mapping[str, str | None], *, shop_currency: str) -> EstimateRequest:
    """Turn query parameters (country, province, postcode, subtotal, weight_g, item_count, currency, items) into a
    request, or raise EstimateInputError naming the first bad field and why."""
    country = (raw.get("country") or "").strip().upper()
    if not country:
        raise EstimateInputError("country", "a destination country is required")
    if country not in known_countries():
        raise EstimateInputError("country", f"unknown country code {excerpt(country)}")

    # Any ISO 4217 code is a question the answer can take up (one the shop does not sell in is answered in the
    # shop's currency, saying so); a code that is no currency is refused, as the published schema says.
    asked_currency = (raw.get("currency") or "").strip()
    currency = (asked_currency or shop_currency).strip().upper()
    if not _CURRENCY.fullmatch(currency) or (currency != shop_currency and not is_currency(currency)):
        raise EstimateInputError("currency", f"{excerpt(currency)} is not a three-letter ISO 4217 currency code")

    subtotal = _decimal(raw.get("subtotal"), "subtotal")
    if subtotal < 0:
        raise EstimateInputError("subtotal", "must not be negative")
    if is_currency(currency) and subtotal != round_money(subtotal, currency):
        if asked_currency:
            raise EstimateInputError("subtotal", f"has more decimals than {currency} allows")
        # No currency named: the amount is in the shop's, which a caller (and the published schema) may not know;
        # it is read to that currency's minor units, up to the most any currency has.
        if -int(subtotal.as_tuple().exponent) > most_minor_units():
            raise EstimateInputError("subtotal", f"has more decimals than any currency allows ({most_minor_units()})")
        subtotal = round_money(subtotal, currency)

    # A well-formed rate outside the sane range is not refused but never used (widgets.estimator.presentment).
    rate = None if not (raw.get("rate") or "").strip() else _decimal(raw.get("rate"), "rate")
    if rate is not None and rate < 0:
        raise EstimateInputError("rate", "must not be negative")

    weight_g = _integer(raw.get("weight_g"), "weight_g", default=0)
    if weight_g < 0:
        raise EstimateInputError("weight_g", "must not be negative")
    if weight_g > MAX_WEIGHT_G:
        raise EstimateInputError("weight_g", f"over {MAX_WEIGHT_G:,} g is not a parcel we can estimate")

    item_count = _integer(raw.get("item_count"), "item_count", default=1)
    if not 1 <= item_count <= MAX_ITEMS:
        raise EstimateInputError("item_count", f"must be between 1 and {MAX_ITEMS:,}")

    province = (raw.get("province") or "").strip().upper() or None
    if province is not None and not _PROVINCE.fullmatch(province):
        raise EstimateInputError("province", f"malformed province code {excerpt(province)}")

    postcode = " ".join((raw.get("postcode") or "").upper().split()) or None
    if postcode is not None and country in _INWARD_CODE_COUNTRIES and " " not in postcode and len(postcode) > 4:
        postcode = f"{postcode[:-3]} {postcode[-3:]}"
    if postcode is not None:
        shape = _POSTCODE_SHAPES.get(country, _GENERIC_POSTCODE)
        if not shape.fullmatch(postcode):
            raise EstimateInputError("postcode", f"{excerpt(postcode)} is not a valid postcode for {country}")

    try:
        items = parse_items(raw.get("items"), max_quantity=MAX_ITEMS, max_grams=MAX_WEIGHT_G)
    except ItemsError as exc:
        raise EstimateInputError("items", str(exc)) from exc

    return EstimateRequest(
        country, subtotal, currency, weight_g, item_count, province, postcode, rate=rate, items=items
    )


def _decimal(value: str | None, field: str) -> Decimal:
    if value is None or not value.strip():
        raise EstimateInputError(field, "is required")
    found = _AMOUNT.fullmatch(value.strip())
    if found is None:
        raise EstimateInputError(field, f"{excerpt(value)} is not a plain decimal number like 49.90")
    whole, decimals = found.group(1), found.group(2) or ""
    if len(whole) > MAX_WHOLE_DIGITS:
        raise EstimateInputError(
            field, f"is too large: {len(whole)} digits before the decimal point, at most {MAX_WHOLE_DIGITS}"
        )
    if len(decimals) > MAX_DECIMALS:
        raise EstimateInputError(field, f"has {len(decimals)} decimals, at most {MAX_DECIMALS}")
    return Decimal(value.strip())


def _integer(value: str | None, field: str, *, default: int) -> int:
    if value is None or not value.strip():
        return default
    found = _WHOLE.fullmatch(value.strip())
    if found is None:
        raise EstimateInputError(field, f"{excerpt(value)} is not a whole number")
    if len(found.group(1)) > MAX_WHOLE_DIGITS:  # int() of thousands of digits is slow, then refused
        raise EstimateInputError(field, f"is too large: {len(found.group(1))} digits, at most {MAX_WHOLE_DIGITS}")
    return int(value.strip())
