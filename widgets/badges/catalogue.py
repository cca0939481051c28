"""The badge catalogue and its claim checks: every badge states a fact about the shop, or it is not shown.

No third-party seals: the app can vouch only for what the shop's own data (platform facts, synced shipping rates,
the merchant's stated support hours) says. The admin shows each refusal's reason so the merchant can fix the fact.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup
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
    free_returns_confirmed: bool = False
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
    ok: Literal[True] = True


@dataclass(frozen=True)
class Refused:
    kind: str
    reason: str
    ok: Literal[False] = False


BadgeCheck = Accepted | Refused


def badges_from_settings(
    settings: BadgeSettings, hours: BusinessHours | None = None, on_time: OnTime | None = None
) -> list[Badge]:
    """`hours`: the shop's business hours from its help settings, which the support badge states when set;
    `on_time`: the shop's measured on-time deliveries, which the on-time badge states."""
    stated = hours if hours is not None and hours.has_any_hours() else None
    return [
        Badge(kind, settings.free_returns_confirmed, settings.support_hours, settings.support_url, stated, on_time)
        for kind in settings.kinds
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
    return checks[badge.kind](facts, setup, badge)


def _secure_checkout(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    platform = facts.shop.platform
    if platform not in HOSTED_CHECKOUTS:
        return Refused(badge.kind, "the checkout is not one the app knows to be hosted and encrypted by the platform")
    return Accepted(badge.kind, "secure_checkout", {"platform": platform})


def _refund_window(facts: ShopFacts, kind: str) -> tuple[int, Link] | Refused:
    if not facts.refund_policy_days or facts.refund_policy_days <= 0:
        return Refused(kind, "the refund policy states no return window in days")
    url = safe_link(facts.refund_policy_url)
    if url is None:
        return Refused(kind, "there is no published refund policy page to link to")
    return facts.refund_policy_days, Link(url, "refund_policy")


def _free_returns(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    window = _refund_window(facts, badge.kind)
    if isinstance(window, Refused):
        return window
    if not badge.free_returns_confirmed:
        return Refused(badge.kind, "you have not confirmed that returns cost the shopper nothing")
    return Accepted(badge.kind, "free_returns", {"days": window[0]}, window[1])


def _money_back(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    window = _refund_window(facts, badge.kind)
    if isinstance(window, Refused):
        return window
    return Accepted(badge.kind, "money_back", {"days": window[0]}, window[1])


def _payment_methods(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    methods = [name.strip() for name in facts.payment_methods if name.strip()]
    if not methods:
        return Refused(badge.kind, "no accepted payment methods are known for the shop")
    return Accepted(badge.kind, "payment_methods", {"methods": tuple(dict.fromkeys(methods))[:PAYMENT_METHODS_SHOWN]})


def _delivery_promise(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    if setup is None:
        return Refused(badge.kind, "no shipping rates have been synced yet")
    country = (facts.country or setup.origin_country).upper()
    try:
        compiled = compile_setup(setup)
    except ValueError as exc:
        return Refused(badge.kind, f"the shipping setup cannot be read ({exc})")
    found = compiled.index.match(country)
    if found is None or not found.zone.methods:
        return Refused(badge.kind, f"no shipping zone covers the shop's own country ({country})")
    quotes, progress = quote_zone(found.zone, Cart(Decimal(0), 0, 1), setup.currency)
    priced = [quote for quote in quotes if quote.cost is not None and quote.computable]
    if not priced:
        return Refused(badge.kind, f"rates to {country} are calculated by a carrier at checkout, so none is promised")
    link = safe_link(facts.shipping_policy_url)
    policy = None if link is None else Link(link, "shipping_policy")
    if any(quote.free for quote in priced):
        return Accepted(badge.kind, "free_shipping_to", {"country": country}, policy)
    if progress is not None and progress.threshold > 0:
        values = {"country": country, "threshold": progress.threshold, "currency": setup.currency}
        return Accepted(badge.kind, "free_shipping_over", values, policy)
    transit = priced[0].transit_days or setup.default_transit_days
    if transit is not None:
        days = transit[0] + setup.processing_days, transit[1] + setup.processing_days
        return Accepted(badge.kind, "delivery_days", {"country": country, "low": days[0], "high": days[1]}, policy)
    return Accepted(badge.kind, "ships_within", {"count": max(1, setup.processing_days)}, policy)


def _support(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    if badge.hours is None and not badge.support_hours:
        return Refused(
            badge.kind,
            "set your support hours (or business hours in the help settings) to show when shoppers can reach you",
        )
    contact = safe_link(badge.support_url) or (safe_link(f"mailto:{facts.email}") if facts.email else None)
    if contact is None:
        return Refused(badge.kind, "there is no way to reach support: add a support link or a shop email address")
    values = {"hours": badge.hours} if badge.hours is not None else {"text": badge.support_hours}
    return Accepted(badge.kind, "support", values, Link(contact, "contact"))


def _on_time(facts: ShopFacts, setup: ShippingSetup | None, badge: Badge) -> BadgeCheck:
    """Only a measured rate, always with its sample size and period, and only from enough deliveries."""
    measured = badge.on_time
    if measured is None or measured.percent is None:
        return Refused(badge.kind, "no delivery has been measured against its promised window yet")
    if not measured.claimable:
        return Refused(
            badge.kind,
            f"{measured.samples} deliveries measured against their promised window in the last {measured.days} "
            f"days; the badge needs at least {MIN_ON_TIME_SAMPLES}",
        )
    return Accepted(
        badge.kind, "on_time", {"percent": measured.percent, "count": measured.samples, "days": measured.days}
    )
