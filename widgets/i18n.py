"""Storefront wording in English and German, the language choice, and locale-aware dates, money and durations."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from functools import cache

from babel import Locale, localedata
from babel.dates import format_interval, format_skeleton
from babel.lists import format_list
from babel.numbers import format_decimal

from plugin.platform import ShopFacts
from widgets.estimator.money import format_money, format_shop_money

SUPPORTED = ("en", "de")

_MESSAGES: dict[str, dict[str, str]] = {
    "en": {
        "estimate_label": "Shipping estimate",
        "shipping_to": "Shipping to {country}",
        "free": "Free",
        "delivery": "Delivery {dates}",
        "delivery_estimated": "Delivery {dates} (est.)",
        "at_checkout": "Calculated at checkout",
        "pickup_at": "Pickup at {location}",
        "local_delivery": "Local delivery",
        "ready_ONE_HOUR": "Ready in 1 hour",
        "ready_TWO_HOURS": "Ready in 2 hours",
        "ready_FOUR_HOURS": "Ready in 4 hours",
        "ready_TWENTY_FOUR_HOURS": "Ready in 24 hours",
        "ready_TWO_TO_FOUR_DAYS": "Ready in 2–4 days",
        "ready_FIVE_OR_MORE_DAYS": "Ready in 5+ days",
        "not_shipped": "We don't ship to {country} yet.",
        "unknown_rates": "Shipping costs are calculated at checkout.",
        "more_options_one": "1 more option at checkout",
        "more_options_other": "{count} more options at checkout",
        "free_remaining": "Add {amount} more for free shipping",
        "currency_not_sold": "Shipping costs are shown in {shop}: this shop does not sell in {asked}.",
        "currency_no_rate": "Shipping costs are shown in {shop}, the shop's currency.",
        "free_reached": "Your order qualifies for free shipping",
        "order_within": "Order within {duration} to ship today",
        "hours_minutes": "{hours} h {minutes} min",
        "minutes": "{minutes} min",
        "change": "Change destination",
        "country": "Country",
        "postcode": "Postcode",
        "update": "Update estimate",
        "badges_label": "Why shop with us",
        "secure_checkout": "Secure checkout",
        "secure_checkout_detail": "Encrypted payment, handled by {platform}",
        "free_returns": "Free returns within {days} days",
        "money_back": "{days}-day money-back guarantee",
        "payment_methods": "We accept",
        "free_shipping_over": "Free shipping to {country} over {amount}",
        "free_shipping_to": "Free shipping to {country}",
        "delivery_days": "Delivery to {country} in {low}–{high} business days",
        "ships_within_one": "Ships within 1 business day",
        "ships_within_other": "Ships within {count} business days",
        "support": "Customer support",
        "on_time": "{percent}% delivered on time",
        "on_time_detail": "last {days} days, n = {count}",
        "refund_policy": "Refund policy",
        "shipping_policy": "Shipping policy",
        "contact": "Contact us",
    },
    "de": {
        "estimate_label": "Versandkosten und Lieferzeit",
        "shipping_to": "Versand nach {country}",
        "free": "Kostenlos",
        "delivery": "Lieferung {dates}",
        "delivery_estimated": "Lieferung {dates} (ca.)",
        "at_checkout": "Wird an der Kasse berechnet",
        "pickup_at": "Abholung in {location}",
        "local_delivery": "Lokale Zustellung",
        "ready_ONE_HOUR": "Abholbereit in 1 Std.",
        "ready_TWO_HOURS": "Abholbereit in 2 Std.",
        "ready_FOUR_HOURS": "Abholbereit in 4 Std.",
        "ready_TWENTY_FOUR_HOURS": "Abholbereit in 24 Std.",
        "ready_TWO_TO_FOUR_DAYS": "Abholbereit in 2–4 Tagen",
        "ready_FIVE_OR_MORE_DAYS": "Abholbereit in 5+ Tagen",
        "not_shipped": "Wir liefern noch nicht nach {country}.",
        "unknown_rates": "Die Versandkosten werden an der Kasse berechnet.",
        "more_options_one": "1 weitere Option an der Kasse",
        "more_options_other": "{count} weitere Optionen an der Kasse",
        "free_remaining": "Noch {amount} bis zum kostenlosen Versand",
        "currency_not_sold": "Versandkosten in {shop}: Dieser Shop verkauft nicht in {asked}.",
        "currency_no_rate": "Versandkosten in {shop}, der Währung des Shops.",
        "free_reached": "Ihre Bestellung wird kostenlos versendet",
        "order_within": "Bestellen Sie innerhalb von {duration} für den Versand heute",
        "hours_minutes": "{hours} Std. {minutes} Min.",
        "minutes": "{minutes} Min.",
        "change": "Lieferziel ändern",
        "country": "Land",
        "postcode": "Postleitzahl",
        "update": "Schätzung aktualisieren",
        "badges_label": "Darum bei uns einkaufen",
        "secure_checkout": "Sicher bezahlen",
        "secure_checkout_detail": "Verschlüsselte Zahlung über {platform}",
        "free_returns": "Kostenlose Rücksendung innerhalb von {days} Tagen",
        "money_back": "{days} Tage Geld-zurück-Garantie",
        "payment_methods": "Wir akzeptieren",
        "free_shipping_over": "Kostenloser Versand nach {country} ab {amount}",
        "free_shipping_to": "Kostenloser Versand nach {country}",
        "delivery_days": "Lieferung nach {country} in {low}–{high} Werktagen",
        "ships_within_one": "Versand innerhalb von 1 Werktag",
        "ships_within_other": "Versand innerhalb von {count} Werktagen",
        "support": "Kundenservice",
        "on_time": "{percent} % pünktlich zugestellt",
        "on_time_detail": "letzte {days} Tage, n = {count}",
        "refund_policy": "Rückgaberichtlinie",
        "shipping_policy": "Versandrichtlinie",
        "contact": "Kontakt",
    },
}

_LANGUAGE = re.compile(r"^([A-Za-z]{2,3})(?:[-_]([A-Za-z]{2}|\d{3}))?")
_TAGS = re.compile(r"<[^>]*>")
PLATFORM_NAMES = {"shopify": "Shopify", "bigcommerce": "BigCommerce"}


def language_of(tag: str | None) -> str | None:
    """`de-AT` -> `de`; None for anything that is not a language tag."""
    found = _LANGUAGE.match((tag or "").strip())
    return found.group(1).lower() if found else None


def choose_locale(configured: str | None, storefront: str | None, shop: str | None, fallback: str) -> str:
    """The merchant's fixed choice, else the shopper's storefront language, else the shop's, else the fallback."""
    for candidate in (configured, language_of(storefront), language_of(shop)):
        if candidate in SUPPORTED:
            return candidate
    return fallback if fallback in SUPPORTED else "en"


def language_region(tag: str | None) -> str | None:
    """`de-CH` -> `CH`; None when the tag names no region."""
    found = _LANGUAGE.match((tag or "").strip())
    region = found.group(2) if found else None
    return region.upper() if region and region.isalpha() else None


def money_locale(language: str, region: str | None) -> str:
    """The locale to format a shopper's money by: their language in their region where CLDR has it (`de_CH` writes
    "CHF 5.40", `en_CA` "$5.00"), else the language alone."""
    if region:
        candidate = f"{language}_{region.upper()}"
        if candidate in _known_locales():
            return candidate
    return language


@cache
def _known_locales() -> frozenset[str]:
    return frozenset(localedata.locale_identifiers())


@dataclass(frozen=True)
class Wording:
    """Everything a fragment says, in one language, for one shop."""

    locale: str
    facts: ShopFacts
    # The shopper's presentment currency when it is not the shop's (widgets.estimator.presentment), its decimal
    # places, and the shopper's locale with its region (de-CH) to format it by.
    currency: str | None = None
    decimals: int | None = None
    money_locale: str | None = None

    def t(self, key: str, **values: object) -> str:
        return _MESSAGES[self.locale][key].format(**values)

    def plural(self, key: str, count: int, **values: object) -> str:
        return self.t(f"{key}_{'one' if count == 1 else 'other'}", count=count, **values)

    def country(self, code: str) -> str:
        return _territories(self.locale).get(code.upper(), code.upper())

    def money(self, amount: Decimal) -> str:
        """The shop's own money format when it has one (Shopify's "{{amount_with_comma_separator}} €"), with
        any HTML a theme put in it removed; else CLDR's format for the shop currency in this language. Another
        currency is always in CLDR's format for the shopper's locale: the shop's format names the shop's currency."""
        if self.currency is not None and self.currency != self.facts.currency:
            return format_money(amount, self.currency, self.money_locale or self.locale, self.decimals)
        shop_format = _TAGS.sub("", self.facts.money_format or "").strip()
        if shop_format and shop_format != "{{amount}}" and "{{" in shop_format:
            return format_shop_money(amount, shop_format)
        return format_money(amount, self.facts.currency, self.locale)

    def dates(self, earliest: date, latest: date) -> str:
        if earliest == latest:
            return str(format_skeleton("MMMEd", earliest, locale=self.locale))
        return str(format_interval(earliest, latest, "MMMEd", locale=self.locale))

    def duration(self, remaining: timedelta) -> str:
        minutes_total = max(1, int(remaining.total_seconds() // 60))
        hours, minutes = divmod(minutes_total, 60)
        if hours:
            return self.t("hours_minutes", hours=hours, minutes=minutes)
        return self.t("minutes", minutes=minutes)

    def number(self, count: int) -> str:
        return str(format_decimal(count, locale=self.locale))

    def listing(self, items: list[str]) -> str:
        return str(format_list(items, locale=self.locale))

    def platform(self) -> str:
        return PLATFORM_NAMES.get(self.facts.shop.platform, self.facts.shop.platform)


@cache
def _territories(locale: str) -> dict[str, str]:
    return {code: str(name) for code, name in Locale.parse(locale).territories.items() if isinstance(code, str)}
