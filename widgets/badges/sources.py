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
from widgets.badges.phrases import And, Names, Phrase, phrase
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
MERCHANT = phrase("badge_field_confirmation")


@dataclass(frozen=True)
class Source:
    origin: Origin
    # Where exactly, in words (a phrase), or a platform field by its own name (a string, never translated).
    where: Phrase | str
    said: Phrase | str  # what it states, in plain words (a phrase), or the shop's own data as it is (a string)

    @property
    def field(self) -> str:
        return str(self.where)

    @property
    def says(self) -> str:
        return str(self.said)


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
    window_missing: Phrase | None = None  # why no window is known, when none is and no source contradicts
    window_conflict: Phrase | None = None
    free_conflict: Phrase | None = None
    refund_conflict: Phrase | None = None

    @property
    def conflicts(self) -> tuple[str, ...]:
        """Every contradiction between sources, in plain (English) words: structured data should state none of a
        contradicted fact either."""
        found = (self.window_conflict, self.free_conflict, self.refund_conflict)
        return tuple(str(conflict) for conflict in found if conflict)


@dataclass(frozen=True)
class PaymentFacts:
    methods: tuple[str, ...]  # names to show: the platform's, then the merchant's
    sources: tuple[Source, ...]
    conflict: Phrase | None = None


def _web_link(url: str | None) -> str | None:
    """A policy page is a web page: unlike a contact link (catalogue.safe_link), mailto: does not count."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("https", "http") and parts.netloc else None


def _days(values: tuple[int, ...]) -> Phrase:
    """ "30 days", "14 and 30 days": counted by the last number, as the sentence reads."""
    return phrase("badge_days", values[-1], days=And(tuple(str(day) for day in values)))


def _policy_field(facts: ShopFacts) -> Phrase:
    if facts.shop.platform == "shopify":
        return phrase("badge_field_policy_text_api", platform="Shopify", api="ShopPolicy.body, REFUND_POLICY")
    return phrase("badge_field_policy_text", platform=PLATFORM_NAMES.get(facts.shop.platform, facts.shop.platform))


def resolve_return_policy(facts: ShopFacts, confirmed: Confirmations) -> ReturnPolicyFacts:
    reading: PolicyReading = read_policy(facts.refund_policy_text)
    sources: list[Source] = []
    platform_url = _web_link(facts.refund_policy_url)
    merchant_url = _web_link(confirmed.return_policy_url)
    if platform_url:
        field: Phrase | str = "Shopify ShopPolicy.url (REFUND_POLICY)"
        if facts.shop.platform != "shopify":
            field = phrase("badge_field_policy_page")
        sources.append(Source("platform", field, phrase("badge_says_policy_page", url=platform_url)))
    elif merchant_url:
        sources.append(Source("merchant", MERCHANT, phrase("badge_says_policy_page", url=merchant_url)))
    text_field = _policy_field(facts)
    if reading.windows:
        sources.append(Source("policy_text", text_field, phrase("badge_says_window", days=_days(reading.windows))))
    if reading.free_returns is not None:
        says = phrase("badge_says_free_returns" if reading.free_returns else "badge_says_shopper_pays")
        sources.append(Source("policy_text", text_field, says))
    if reading.refunds is not None:
        says = phrase("badge_says_refunded" if reading.refunds else "badge_says_no_refunds")
        sources.append(Source("policy_text", text_field, says))
    if confirmed.return_window_days is not None:
        days = _days((confirmed.return_window_days,))
        sources.append(Source("merchant", MERCHANT, phrase("badge_says_window", days=days)))
    if confirmed.free_returns:
        sources.append(Source("merchant", MERCHANT, phrase("badge_says_free_returns")))
    if confirmed.money_back:
        sources.append(Source("merchant", MERCHANT, phrase("badge_says_refunded_in_money")))

    # The policy's own sentence, quoted as the shop wrote it.
    quote = phrase("badge_quote", quote=reading.quotes[0]) if reading.quotes else ""
    window: int | None = None
    window_missing = window_conflict = None
    mine = confirmed.return_window_days
    if mine is not None and reading.windows and mine not in reading.windows:
        window_conflict = phrase("badge_conflict_window", mine, policy=_days(reading.windows), quote=quote)
    elif mine is not None:
        window = mine
    elif reading.window_days is not None:
        window = reading.window_days
    elif reading.windows:
        window_missing = phrase("badge_missing_window_several", windows=_days(reading.windows))
    elif facts.refund_policy_text:
        window_missing = phrase("badge_missing_window_in_days")
    else:
        window_missing = phrase("badge_missing_window_text")

    free_conflict = None
    if confirmed.free_returns and reading.free_returns is False:
        free_conflict = phrase("badge_conflict_free", quote=quote)
    refund_conflict = None
    if confirmed.money_back and reading.refunds is False:
        refund_conflict = phrase("badge_conflict_refund", quote=quote)
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


def _platform_payment_field(facts: ShopFacts) -> Phrase | str:
    if facts.shop.platform == "bigcommerce":
        return "BigCommerce GET /v2/payments/methods"
    return phrase("badge_field_payment_methods", platform=PLATFORM_NAMES.get(facts.shop.platform, facts.shop.platform))


def resolve_payment_methods(facts: ShopFacts, confirmed: Confirmations) -> PaymentFacts:
    sources: list[Source] = []
    names: list[str] = []
    listed = [name.strip() for name in facts.payment_methods if name.strip()]
    if listed:
        names += listed
        sources.append(
            Source("platform", _platform_payment_field(facts), phrase("badge_names", names=Names(tuple(listed))))
        )
    wallets = facts.digital_wallets
    if wallets is not None:
        shown = [WALLET_NAMES.get(wallet, wallet.replace("_", " ").title()) for wallet in wallets]
        names += shown
        says = phrase("badge_names", names=Names(tuple(shown))) if shown else phrase("badge_says_no_wallets")
        sources.append(Source("platform", "Shopify PaymentSettings.supportedDigitalWallets", says))
    if confirmed.payment_methods:
        names += confirmed.payment_methods
        sources.append(Source("merchant", MERCHANT, phrase("badge_names", names=Names(confirmed.payment_methods))))
    conflict = None
    if wallets is not None:
        enabled = {WALLET_NAMES.get(wallet) for wallet in wallets}
        claimed = [name for name in confirmed.payment_methods if name in WALLET_NAMES.values()]
        missing = [name for name in claimed if name not in enabled]
        if missing:
            supported = tuple(WALLET_NAMES.get(wallet, wallet) for wallet in wallets)
            has = phrase("badge_names", names=Names(supported)) if supported else phrase("badge_none")
            conflict = phrase("badge_conflict_wallets", len(missing), listed=And(tuple(missing)), supported=has)
    return PaymentFacts(tuple(dict.fromkeys(names)), tuple(sources), conflict)
