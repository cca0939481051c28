"""MerchantReturnPolicy from the shop's return facts: only what the facts say, or no policy node at all.

The facts read (keep `return_facts` the one place that knows them): the return terms as the badges resolve them
from the platform's policy and the merchant's confirmations (`widgets.badges.sources.resolve_return_policy`: a
window or "free" only when a source states it and none contradicts it, the same rule the badges follow), and the
countries the shop sells to (`ShopFacts.ship_to_countries`, else its shipping zones' countries, else its own).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup
from widgets.badges.catalogue import safe_link
from widgets.badges.sources import Confirmations, resolve_return_policy
from widgets.estimator.engine import known_countries
from widgets.settings import BadgeSettings

SCHEMA = "https://schema.org/"
MAX_COUNTRIES = 50  # Google reads at most 50 applicableCountry values


@dataclass(frozen=True, slots=True)
class ReturnFacts:
    window_days: int | None  # None: the policy states no window, so no category can be claimed
    policy_url: str | None
    free: bool
    countries: tuple[str, ...]


def return_facts(facts: ShopFacts, setup: ShippingSetup | None, badges: BadgeSettings) -> ReturnFacts:
    terms = resolve_return_policy(facts, Confirmations.of(badges))
    days = terms.window_days if terms.window_days and terms.window_days > 0 else None
    url = safe_link(terms.policy_url)
    return ReturnFacts(days, url, terms.free_returns, _countries(facts, setup))


def _countries(facts: ShopFacts, setup: ShippingSetup | None) -> tuple[str, ...]:
    zones: Iterable[str] = () if setup is None else (r.country for z in setup.zones for r in z.regions)
    for source in (facts.ship_to_countries, zones, (facts.country,)):
        found = tuple(dict.fromkeys(c.upper() for c in source if c and c.upper() in known_countries()))
        if found:
            return found[:MAX_COUNTRIES]
    return ()


def merchant_return_policy(facts: ReturnFacts) -> dict[str, Any] | None:
    """A finite-window policy when the window is known; None otherwise. Return method and who pays the return
    postage are stated only when a fact says so (free returns); nothing here guesses them."""
    if facts.window_days is None or not facts.countries:
        return None
    policy: dict[str, Any] = {
        "@type": "MerchantReturnPolicy",
        "applicableCountry": list(facts.countries) if len(facts.countries) > 1 else facts.countries[0],
        "returnPolicyCategory": SCHEMA + "MerchantReturnFiniteReturnWindow",
        "merchantReturnDays": facts.window_days,
    }
    if facts.free:
        policy["returnFees"] = SCHEMA + "FreeReturn"
    if facts.policy_url is not None and facts.policy_url.startswith(("https://", "http://")):
        policy["merchantReturnLink"] = facts.policy_url
    return policy
