"""Where each badge fact comes from: the platform's fields, the merchant's confirmation, the refund policy's text.

Every fact is resolved from all its sources at once. Sources that disagree make a contradiction, worded for the
merchant, and a claim resting on a contradicted fact is withheld. `ReturnPolicyFacts` is also what structured
data (schema.org MerchantReturnPolicy) should state: it is typed so other modules can read it directly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from plugin.platform import ShopFacts
from widgets.badges.policy_text import PolicyReading, read_policy
from widgets.settings import BadgeSettings

Origin = Literal["platform", "merchant", "policy_text"]

# Shopify DigitalWallet enum (Admin GraphQL reference, "DigitalWallet") -> the name shoppers know.
WALLET_NAMES = {
    "APPLE_PAY": "Apple Pay",
    "GOOGLE_PAY": "Google Pay",
    "SHOPIFY_PAY": "Shop Pay",
    "AMAZON_PAY": "Amazon Pay",
    "ANDROID_PAY": "Android Pay",
    "FACEBOOK_PAY": "Facebook Pay",
}
PLATFORM_NAMES = {"shopify": "Shopify", "bigcommerce": "BigCommerce"}
MERCHANT = "your confirmation on the badges page"


@dataclass(frozen=True)
class Source:
    origin: Origin
    field: str  # where exactly: a platform field, the merchant's confirmation, or the policy text
    says: str  # what it states, in plain words


@dataclass(frozen=True)
class Confirmations:
    """What the merchant confirmed on the badges page (widgets.settings.BadgeSettings)."""

    free_returns: bool = False
    money_back: bool = False
    return_window_days: int | None = None
    return_policy_url: str | None = None
    payment_methods: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: BadgeSettings) -> Confirmations:
        return cls(
            settings.free_returns_confirmed,
            settings.money_back_confirmed,
            settings.return_window_days,
            settings.return_policy_url,
            settings.payment_methods,
        )


@dataclass(frozen=True)
class ReturnPolicyFacts:
    """The shop's return terms as its sources agree on them. A value is set only when at least one source states
    it and none contradicts it; each `*_conflict` says, in plain words, which sources disagree."""

    window_days: int | None
    free_returns: bool
    refunds: bool  # returns are refunded in money (not only exchanged or credited)
    policy_url: str | None
    sources: tuple[Source, ...]
    window_missing: str | None = None  # why no window is known, when none is and no source contradicts
    window_conflict: str | None = None
    free_conflict: str | None = None
    refund_conflict: str | None = None

    @property
    def conflicts(self) -> tuple[str, ...]:
        """Every contradiction between sources, in plain words: structured data should state none of a
        contradicted fact either."""
        return tuple(found for found in (self.window_conflict, self.free_conflict, self.refund_conflict) if found)


@dataclass(frozen=True)
class PaymentFacts:
    methods: tuple[str, ...]  # names to show: the platform's, then the merchant's
    sources: tuple[Source, ...]
    conflict: str | None = None


def _web_link(url: str | None) -> str | None:
    """A policy page is a web page: unlike a contact link (catalogue.safe_link), mailto: does not count."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("https", "http") and parts.netloc else None


def _days(values: tuple[int, ...]) -> str:
    words = [str(day) for day in values]
    return (", ".join(words[:-1]) + " and " + words[-1] if len(words) > 1 else words[0]) + " days"


def _policy_field(facts: ShopFacts) -> str:
    if facts.shop.platform == "shopify":
        return "Shopify refund policy text (ShopPolicy.body, REFUND_POLICY)"
    return f"{PLATFORM_NAMES.get(facts.shop.platform, facts.shop.platform)} refund policy text"


def resolve_return_policy(facts: ShopFacts, confirmed: Confirmations) -> ReturnPolicyFacts:
    reading: PolicyReading = read_policy(facts.refund_policy_text)
    sources: list[Source] = []
    platform_url = _web_link(facts.refund_policy_url)
    merchant_url = _web_link(confirmed.return_policy_url)
    if platform_url:
        field = "Shopify ShopPolicy.url (REFUND_POLICY)" if facts.shop.platform == "shopify" else "refund policy page"
        sources.append(Source("platform", field, f"policy page {platform_url}"))
    elif merchant_url:
        sources.append(Source("merchant", MERCHANT, f"policy page {merchant_url}"))
    text_field = _policy_field(facts)
    if reading.windows:
        sources.append(Source("policy_text", text_field, f"return window of {_days(reading.windows)}"))
    if reading.free_returns is not None:
        says = "returns are free" if reading.free_returns else "the shopper pays for returns"
        sources.append(Source("policy_text", text_field, says))
    if reading.refunds is not None:
        says = "returns are refunded" if reading.refunds else "no money refunds (exchange or store credit only)"
        sources.append(Source("policy_text", text_field, says))
    if confirmed.return_window_days is not None:
        sources.append(Source("merchant", MERCHANT, f"return window of {confirmed.return_window_days} days"))
    if confirmed.free_returns:
        sources.append(Source("merchant", MERCHANT, "returns are free"))
    if confirmed.money_back:
        sources.append(Source("merchant", MERCHANT, "returns are refunded in money"))

    quote = f' ("{reading.quotes[0]}")' if reading.quotes else ""
    window: int | None = None
    window_missing = window_conflict = None
    mine = confirmed.return_window_days
    if mine is not None and reading.windows and mine not in reading.windows:
        window_conflict = (
            f"you confirmed a {mine}-day return window, but your refund policy says {_days(reading.windows)}{quote}"
        )
    elif mine is not None:
        window = mine
    elif reading.window_days is not None:
        window = reading.window_days
    elif reading.windows:
        window_missing = f"your refund policy names several return windows ({_days(reading.windows)}): confirm yours"
    elif facts.refund_policy_text:
        window_missing = "your refund policy states no return window in days: confirm your return window"
    else:
        window_missing = "no refund policy text states a return window: confirm your return window"

    free_conflict = None
    if confirmed.free_returns and reading.free_returns is False:
        free_conflict = f"you confirmed that returns are free, but your refund policy says the shopper pays{quote}"
    refund_conflict = None
    if confirmed.money_back and reading.refunds is False:
        refund_conflict = f"you confirmed money-back refunds, but your refund policy offers none{quote}"
    return ReturnPolicyFacts(
        window_days=window,
        free_returns=free_conflict is None and (confirmed.free_returns or reading.free_returns is True),
        refunds=refund_conflict is None and (confirmed.money_back or reading.refunds is True),
        policy_url=platform_url or merchant_url,
        sources=tuple(sources),
        window_missing=window_missing,
        window_conflict=window_conflict,
        free_conflict=free_conflict,
        refund_conflict=refund_conflict,
    )


def _platform_payment_field(facts: ShopFacts) -> str:
    if facts.shop.platform == "bigcommerce":
        return "BigCommerce GET /v2/payments/methods"
    return f"{PLATFORM_NAMES.get(facts.shop.platform, facts.shop.platform)} payment methods"


def resolve_payment_methods(facts: ShopFacts, confirmed: Confirmations) -> PaymentFacts:
    sources: list[Source] = []
    names: list[str] = []
    listed = [name.strip() for name in facts.payment_methods if name.strip()]
    if listed:
        names += listed
        sources.append(Source("platform", _platform_payment_field(facts), ", ".join(listed)))
    wallets = facts.digital_wallets
    if wallets is not None:
        shown = [WALLET_NAMES.get(wallet, wallet.replace("_", " ").title()) for wallet in wallets]
        names += shown
        field = "Shopify PaymentSettings.supportedDigitalWallets"
        sources.append(Source("platform", field, ", ".join(shown) if shown else "no digital wallets"))
    if confirmed.payment_methods:
        names += confirmed.payment_methods
        sources.append(Source("merchant", MERCHANT, ", ".join(confirmed.payment_methods)))
    conflict = None
    if wallets is not None:
        enabled = {WALLET_NAMES.get(wallet) for wallet in wallets}
        claimed = [name for name in confirmed.payment_methods if name in WALLET_NAMES.values()]
        missing = [name for name in claimed if name not in enabled]
        if missing:
            has = ", ".join(WALLET_NAMES.get(wallet, wallet) for wallet in wallets) or "none"
            conflict = (
                f"you listed {' and '.join(missing)}, but Shopify's payment settings do not support "
                f"{'it' if len(missing) == 1 else 'them'} (supported digital wallets: {has})"
            )
    return PaymentFacts(tuple(dict.fromkeys(names)), tuple(sources), conflict)
