"""The badge catalogue and its claim checks: every badge states a fact about the shop, or it is not shown.

No third-party seals: the app can vouch only for what the shop's own data (platform facts, synced shipping rates,
the refund policy's text, the merchant's confirmations) says. Each verdict carries its sources; a claim whose
sources contradict each other is withheld. The admin shows each refusal's reason so the merchant can fix the fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup, Zone
from widgets.badges.phrases import Phrase, phrase
from widgets.badges.sources import (
    PLATFORM_NAMES,
    Confirmations,
    ReturnPolicyFacts,
    Source,
    resolve_payment_methods,
    resolve_return_policy,
)
from widgets.estimator.engine import compile_setup
from widgets.estimator.learning import MIN_ON_TIME_SAMPLES, OnTime
from widgets.estimator.pricing import Cart, quote_zone
from widgets.help.hours import BusinessHours
from widgets.settings import BADGE_KINDS, BadgeSettings

HOSTED_CHECKOUTS = frozenset({"shopify", "bigcommerce"})
PAYMENT_METHODS_SHOWN = 6


@dataclass(frozen=True)
class Badge:
    """A badge the merchant asked for, with what only the merchant can state."""

    kind: str
    confirmed: Confirmations = Confirmations()  # what the merchant confirmed where no platform field exists
    support_hours: str | None = None  # the merchant's own words, used only while the help settings state no hours
    support_url: str | None = None
    hours: BusinessHours | None = None  # the business hours of the help settings: the one source of opening times
    on_time: OnTime | None = None  # measured from the shop's own deliveries (widgets.estimator.learning)

    def __post_init__(self) -> None:
        if self.kind not in BADGE_KINDS:
            raise ValueError(f"unknown badge {self.kind!r}")


@dataclass(frozen=True)
class Link:
    url: str
    label: str  # a message key: refund_policy, shipping_policy, contact


@dataclass(frozen=True)
class Accepted:
    kind: str
    claim: str  # the message key of the wording that states the fact
    values: Mapping[str, Any] = field(default_factory=dict)  # the facts behind the claim
    link: Link | None = None
    sources: tuple[Source, ...] = ()  # where the facts behind the claim come from
    ok: Literal[True] = True


@dataclass(frozen=True)
class Refused:
    kind: str
    why: Phrase  # the reason, worded in the admin's language (widgets.badges.phrases)
    sources: tuple[Source, ...] = ()
    withheld: bool = False  # True: sources contradict each other (not merely missing)
    ok: Literal[False] = False

    @property
    def reason(self) -> str:
        """The reason in English, as the settings API states it."""
        return str(self.why)


BadgeCheck = Accepted | Refused


def badges_from_settings(
    settings: BadgeSettings, hours: BusinessHours | None = None, on_time: OnTime | None = None
) -> list[Badge]:
    """`hours`: the shop's business hours from its help settings, which the support badge states when set;
    `on_time`: the shop's measured on-time deliveries, which the on-time badge states."""
    stated = hours if hours is not None and hours.has_any_hours() else None
    confirmed = Confirmations.of(settings)
    return [
        Badge(kind, confirmed, settings.support_hours, settings.support_url, stated, on_time) for kind in settings.kinds
    ]


def safe_link(url: str | None) -> str | None:
    """Only web and mail links reach a page; anything else (javascript:, data:) is dropped."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme in ("https", "http") and parts.netloc:
        return url.strip()
    if parts.scheme == "mailto" and parts.path:
        return url.strip()
    return None


def check_badge(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    """Accepted with the facts that back the claim, or Refused with the reason the facts do not."""
    checks = {
        "secure_checkout": _secure_checkout,
        "free_returns": _free_returns,
        "money_back": _money_back,
        "payment_methods": _payment_methods,
        "delivery_promise": _delivery_promise,
        "support": _support,
        "on_time": _on_time,
    }
    found = checks[badge.kind](facts, setup, badge)
    if isinstance(found, Accepted) and not found.sources:
        return replace(found, sources=_sources_of(found, facts, badge))
    return found


# Where the facts of the badges that need no resolution come from (platform field names as each API calls them).
RATE_FIELDS = {"shopify": "Shopify deliveryProfiles", "bigcommerce": "BigCommerce GET /v2/shipping/zones"}
EMAIL_FIELDS = {"shopify": "Shopify Shop.contactEmail", "bigcommerce": "BigCommerce /v2/store order_email"}


def _sources_of(check: Accepted, facts: ShopFacts, badge: Badge) -> tuple[Source, ...]:
    platform = facts.shop.platform
    if check.kind == "secure_checkout":
        hosted = phrase("badge_says_hosted_checkout", platform=PLATFORM_NAMES.get(platform, platform))
        return (Source("platform", phrase("badge_field_platform"), hosted),)
    if check.kind == "delivery_promise":
        rates: Phrase | str = RATE_FIELDS.get(platform) or phrase("badge_field_rates")
        return (Source("platform", rates, phrase("badge_says_rates")),)
    if check.kind != "support":
        return ()
    if badge.hours is not None:
        hours = Source("merchant", phrase("badge_field_business_hours"), phrase("badge_says_opening_hours"))
    else:
        hours = Source("merchant", phrase("badge_field_support_hours"), badge.support_hours or "")
    if safe_link(badge.support_url):
        contact = Source("merchant", phrase("badge_field_support_link"), str(badge.support_url))
    else:
        contact = Source("platform", EMAIL_FIELDS.get(platform) or phrase("badge_field_shop_email"), str(facts.email))
    return hours, contact


def _secure_checkout(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    platform = facts.shop.platform
    if platform not in HOSTED_CHECKOUTS:
        return Refused(badge.kind, phrase("badge_refused_checkout"))
    return Accepted(badge.kind, "secure_checkout", {"platform": platform})


def _return_terms(facts: ShopFacts, badge: Badge) -> tuple[ReturnPolicyFacts, int, Link] | Refused:
    terms = resolve_return_policy(facts, badge.confirmed)
    if terms.window_conflict:
        return Refused(badge.kind, _withheld(terms.window_conflict), terms.sources, withheld=True)
    if terms.window_days is None:
        return Refused(badge.kind, terms.window_missing or phrase("badge_refused_no_window"), terms.sources)
    if terms.policy_url is None:
        key = "badge_refused_no_policy_page" if facts.shop.platform == "shopify" else "badge_refused_no_policy_link"
        return Refused(badge.kind, phrase(key), terms.sources)
    return terms, terms.window_days, Link(terms.policy_url, "refund_policy")


def _free_returns(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    found = _return_terms(facts, badge)
    if isinstance(found, Refused):
        return found
    terms, days, link = found
    if terms.free_conflict:
        return Refused(badge.kind, _withheld(terms.free_conflict), terms.sources, withheld=True)
    if not terms.free_returns:
        return Refused(badge.kind, phrase("badge_refused_free_returns"), terms.sources)
    return Accepted(badge.kind, "free_returns", {"days": days}, link, terms.sources)


def _money_back(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    found = _return_terms(facts, badge)
    if isinstance(found, Refused):
        return found
    terms, days, link = found
    if terms.refund_conflict:
        return Refused(badge.kind, _withheld(terms.refund_conflict), terms.sources, withheld=True)
    if not terms.refunds:
        return Refused(badge.kind, phrase("badge_refused_money_back"), terms.sources)
    return Accepted(badge.kind, "money_back", {"days": days}, link, terms.sources)


def _payment_methods(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    found = resolve_payment_methods(facts, badge.confirmed)
    if found.conflict:
        return Refused(badge.kind, _withheld(found.conflict), found.sources, withheld=True)
    if not found.methods:
        return Refused(badge.kind, phrase("badge_refused_no_payments"), found.sources)
    methods = found.methods[:PAYMENT_METHODS_SHOWN]
    return Accepted(badge.kind, "payment_methods", {"methods": methods}, None, found.sources)


def _delivery_promise(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    if setup is None:
        return Refused(badge.kind, phrase("badge_refused_no_rates"))
    country = (facts.country or setup.origin_country).upper()
    try:
        compiled = compile_setup(setup)
    except ValueError as exc:
        return Refused(badge.kind, phrase("badge_refused_unreadable_rates", problem=str(exc)))
    found = compiled.index.match(country)
    if found is None or not found.zone.methods:
        return Refused(badge.kind, phrase("badge_refused_no_domestic_zone", country=country))
    quotes, _ = quote_zone(found.zone, Cart(Decimal(0), 0, 1), setup.currency)
    priced = [quote for quote in quotes if quote.cost is not None and quote.computable]
    if not priced:
        return Refused(badge.kind, phrase("badge_refused_carrier_rates", country=country))
    link = safe_link(facts.shipping_policy_url)
    policy = None if link is None else Link(link, "shipping_policy")
    # The badge speaks for the whole shop: free shipping is claimed only where every delivery profile that ships
    # there has it (a product-specific profile without it would make the claim false for its products).
    zones = [found.zone, *(m.zone for index in compiled.router.indexes if (m := index.match(country)) is not None)]
    free = [_free_from(zone, setup.currency) for zone in zones]
    if all(threshold == 0 for threshold in free):
        return Accepted(badge.kind, "free_shipping_to", {"country": country}, policy)
    if all(threshold is not None for threshold in free):
        values = {"country": country, "threshold": max(t for t in free if t is not None), "currency": setup.currency}
        return Accepted(badge.kind, "free_shipping_over", values, policy)
    # Neither platform states transit or processing times: a delivery time is claimed only from the merchant's own
    # transit days. The processing days alone would come from the app's default (app.toml), not from the shop.
    # Every profile's cheapest rate counts: the claim spans them all.
    stated = [_cheapest_transit(zone, setup) for zone in zones]
    known = [days for days in stated if days is not None]
    transit = (min(d[0] for d in known), max(d[1] for d in known)) if known and len(known) == len(stated) else None
    if transit is not None:
        days = transit[0] + setup.processing_days, transit[1] + setup.processing_days
        values = {"country": country, "low": days[0], "high": days[1]}
        said = phrase("badge_says_transit_days", low=transit[0], high=transit[1])
        rates = RATE_FIELDS.get(facts.shop.platform) or phrase("badge_field_rates")
        sources = (
            Source("platform", rates, phrase("badge_says_rates")),
            Source("merchant", phrase("badge_field_transit_days"), said),
        )
        return Accepted(badge.kind, "delivery_days", values, policy, sources)
    return Refused(badge.kind, phrase("badge_refused_no_delivery_time", country=country))


def _cheapest_transit(zone: Zone, setup: ShippingSetup) -> tuple[int, int] | None:
    """The merchant's transit days for the zone's cheapest priced method, else their shop-wide days."""
    quotes, _ = quote_zone(zone, Cart(Decimal(0), 0, 1), setup.currency)
    priced = [quote for quote in quotes if quote.cost is not None and quote.computable]
    return (priced[0].transit_days if priced else None) or setup.default_transit_days


def _free_from(zone: Zone, currency: str) -> Decimal | None:
    """The subtotal from which an order to this zone ships free (0: always), or None when it never does."""
    quotes, progress = quote_zone(zone, Cart(Decimal(0), 0, 1), currency)
    if any(quote.free and quote.cost is not None and quote.computable for quote in quotes):
        return Decimal(0)
    return progress.threshold if progress is not None and progress.threshold > 0 else None


def _support(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    if badge.hours is None and not badge.support_hours:
        return Refused(badge.kind, phrase("badge_refused_no_hours"))
    contact = safe_link(badge.support_url) or (safe_link(f"mailto:{facts.email}") if facts.email else None)
    if contact is None:
        return Refused(badge.kind, phrase("badge_refused_no_contact"))
    values = {"hours": badge.hours} if badge.hours is not None else {"text": badge.support_hours}
    return Accepted(badge.kind, "support", values, Link(contact, "contact"))


def _on_time(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    """Only a measured rate, always with its sample size and period, and only from enough deliveries."""
    measured = badge.on_time
    if measured is None or measured.percent is None:
        return Refused(badge.kind, phrase("badge_refused_no_on_time"))
    if not measured.claimable:
        why = phrase("badge_refused_few_on_time", measured.samples, days=measured.days, needed=MIN_ON_TIME_SAMPLES)
        return Refused(badge.kind, why)
    said = phrase("badge_says_deliveries", on_time=measured.on_time, samples=measured.samples, days=measured.days)
    return Accepted(
        badge.kind,
        "on_time",
        {"percent": measured.percent, "count": measured.samples, "days": measured.days},
        sources=(Source("platform", phrase("badge_field_deliveries"), said),),
    )


def _withheld(conflict: Phrase) -> Phrase:
    return phrase("badge_withheld", conflict=conflict)
