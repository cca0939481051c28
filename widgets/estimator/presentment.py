"""The shopper's presentment currency: which currency and rate an answer uses, and the shop's rates converted into it.

What the server trusts from the browser, and why:
- The currency code: only to pick one of the currencies the platform says the shop sells in (synced into the facts,
  plugin.currencies). A well-formed code the shop does not sell in is answered in the shop's own currency with a
  sentence saying so; it never changes which rates or zones apply.
- The rate: only on Shopify, only for a currency the shop sells in without a merchant-fixed rate, because Shopify's
  automatic rates are not in the Admin API and its storefront states the rate it converts prices with
  (`Shopify.currency.rate`). One outside SANE_RATES is ignored (the answer is then in the shop's currency). A rate
  the platform states server-side always wins (Shopify `CurrencySetting.manualRate`, BigCommerce
  `currency_exchange_rate`); BigCommerce rates never come from the browser. A forged rate changes only the
  displayed estimate of the request that carries it: it is part of every cache key (the query string, the estimate
  digest, the converted setup), so no other shopper sees its answer, and nothing is charged from an estimate:
  checkout prices it again.

Rounding, as each platform converts shipping rates:
- SHOPIFY_CONVERSION: amount x rate, rounded half up to the currency's ISO 4217 minor units (JPY 0, EUR 2, KWD 3).
  Shopify's optional Markets "price rounding" (to "the most common denominator for each currency", applied to
  product prices and shipping rates) is a merchant setting no API exposes, so it cannot be applied here.
- BIGCOMMERCE_CONVERSION: amount x `currency_exchange_rate` from the default currency, rounded half up to the
  currency's own `decimal_places` setting (the store's display precision, which may differ from ISO).
Thresholds and subtotal conditions are converted the same way, so a cart's progress to free shipping is measured
in the shopper's currency, as the platforms compare a presentment subtotal with a converted condition.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from plugin.currencies import shop_currencies
from plugin.platform import ShopFacts
from plugin.rates import Handling, Method, MethodKind, ShippingSetup, Tier, Zone
from widgets.estimator.money import is_currency, minor_units

SHOPIFY_CONVERSION = "shopify"
BIGCOMMERCE_CONVERSION = "bigcommerce"
# No currency pair Shopify sells in is outside these: 1 KWD buys ~3.3 EUR, 1 EUR buys ~100,000 LBP.
SANE_RATES = (Decimal("0.000001"), Decimal("1000000"))

SHOP = "shop"  # the shop's own currency: nothing converted
PLATFORM = "platform"  # a rate the platform states server-side
STOREFRONT = "storefront"  # Shopify's storefront rate, sent by the browser
NOT_SOLD = "not_sold"  # answered in the shop's currency
NO_RATE = "no_rate"  # sold, but no rate is known here (Shopify, without the storefront's): the shop's currency


@dataclass(frozen=True, slots=True)
class Presentment:
    currency: str  # what the answer's amounts are in
    requested: str  # what the shopper asked for
    rate: Decimal  # units of `currency` per unit of the shop's currency
    decimals: int
    source: str

    @property
    def sold(self) -> bool:
        return self.source != NOT_SOLD

    @property
    def answered_as_asked(self) -> bool:
        """False when the answer is in the shop's currency although the shopper asked for another."""
        return self.source in (SHOP, PLATFORM, STOREFRONT)

    @property
    def converts(self) -> bool:
        return self.source in (PLATFORM, STOREFRONT)

    @property
    def cache_part(self) -> str:
        return f"{self.currency}:{self.rate.normalize():f}:{self.decimals}:{self.source}"

    def convert(self, amount: Decimal) -> Decimal:
        """A shop-currency amount in this currency, rounded as the platform rounds (see the module docstring)."""
        if not self.converts:
            return amount
        return (amount * self.rate).quantize(Decimal(1).scaleb(-self.decimals), rounding=ROUND_HALF_UP)


def rate_is_sane(rate: Decimal) -> bool:
    return SANE_RATES[0] <= rate <= SANE_RATES[1]


def choose_presentment(facts: ShopFacts, requested: str, storefront_rate: Decimal | None = None) -> Presentment:
    """Where the shop sells in `requested`, that currency at the platform's rate (or, on Shopify without one, the
    storefront's); else the shop's own currency, marked as not sold (or as sold without a known rate)."""
    own = Presentment(facts.currency, requested, Decimal(1), _minor_units(facts.currency), SHOP)
    if requested == facts.currency:
        return own
    not_sold = replace(own, source=NOT_SOLD)
    if not is_currency(requested):
        return not_sold
    listed = shop_currencies(facts)
    found = None if listed is None else listed.get(requested)
    if listed is not None and (found is None or not found.enabled):
        return not_sold
    if found is not None and found.rate is not None and rate_is_sane(found.rate):
        decimals = found.decimal_places if found.decimal_places is not None else minor_units(requested)
        return Presentment(requested, requested, found.rate, decimals, PLATFORM)
    if facts.shop.platform == SHOPIFY_CONVERSION and storefront_rate is not None and rate_is_sane(storefront_rate):
        return Presentment(requested, requested, storefront_rate, minor_units(requested), STOREFRONT)
    # Sold (or, before any currency sync, perhaps sold) but no trusted rate: the shop's currency, not a guess.
    return replace(own, source=NO_RATE)


class CurrencyQueryError(ValueError):
    """A malformed currency or rate in a storefront query; `reason` is safe to show back."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


_CODE = re.compile(r"[A-Z]{3}")
RATE_SHAPE = "[0-9]{1,12}([.][0-9]{1,12})?"
_RATE = re.compile(RATE_SHAPE)


def presentment_for_query(facts: ShopFacts, currency: str | None, rate: str | None) -> Presentment:
    """`choose_presentment` for the raw `currency` and `rate` of a widget query that carries no cart (badges)."""
    code = facts.currency if currency is None else currency
    if not _CODE.fullmatch(code):
        raise CurrencyQueryError("currency", "must be a three-letter ISO 4217 currency code")
    parsed = None
    if rate is not None:
        if not _RATE.fullmatch(rate):
            raise CurrencyQueryError("rate", "must be a plain decimal number like 1.0843")
        parsed = Decimal(rate)  # outside SANE_RATES it is ignored, as by the estimate
    return choose_presentment(facts, code, parsed)


def _minor_units(currency: str) -> int:
    return minor_units(currency) if is_currency(currency) else 2


# --- the shop's rates in the presentment currency ----------------------------------------------------------


def _money(value: Decimal | None, presentment: Presentment) -> Decimal | None:
    return None if value is None else presentment.convert(value)


def _handling(handling: Handling, presentment: Presentment) -> Handling:
    return replace(handling, fixed=presentment.convert(handling.fixed))  # a percentage stays a percentage


def _method(method: Method, presentment: Presentment) -> Method:
    convert = presentment.convert
    tiers = method.tiers
    if method.kind is MethodKind.TOTAL:  # bounds are subtotals; weight tiers' bounds are grams
        tiers = tuple(Tier(convert(t.lower), _money(t.upper, presentment), convert(t.cost)) for t in tiers)
    else:
        tiers = tuple(replace(t, cost=convert(t.cost)) for t in tiers)
    return replace(
        method,
        rate=convert(method.rate),
        tiers=tiers,
        default_cost=method.default_cost
        if method.default_cost_is_percent
        else _money(method.default_cost, presentment),
        min_subtotal=_money(method.min_subtotal, presentment),
        max_subtotal=_money(method.max_subtotal, presentment),
        handling=_handling(method.handling, presentment),
        typical_cost=_money(method.typical_cost, presentment),
    )


def _zone(zone: Zone, presentment: Presentment) -> Zone:
    return replace(
        zone,
        methods=tuple(_method(method, presentment) for method in zone.methods),
        free_shipping_threshold=_money(zone.free_shipping_threshold, presentment),
        handling=_handling(zone.handling, presentment),
    )


def presentment_setup(setup: ShippingSetup, presentment: Presentment) -> ShippingSetup:
    """The setup with every amount (rates, tiers, conditions, thresholds, fixed fees, in every delivery profile) in the
    presentment currency."""
    if not presentment.converts:
        return setup
    zones = tuple(_zone(zone, presentment) for zone in setup.zones)
    # Product-specific profiles price their products by their own zones: those amounts are converted the same way.
    profiles = tuple(
        replace(profile, zones=tuple(_zone(zone, presentment) for zone in profile.zones)) for profile in setup.profiles
    )
    local = setup.local_delivery
    if local is not None:
        local = replace(
            local, price=presentment.convert(local.price), minimum_order=_money(local.minimum_order, presentment)
        )
    return replace(setup, currency=presentment.currency, zones=zones, profiles=profiles, local_delivery=local)
