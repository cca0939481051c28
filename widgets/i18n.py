"""Storefront wording from the storefront catalog (plugin/locale), the language choice, and locale-aware dates, money
and durations."""

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

from plugin.catalogs import LOCALES, messages
from plugin.platform import ShopFacts
from widgets.estimator.money import format_money, format_shop_money
from widgets.german_destinations import german_destinations

SUPPORTED = LOCALES
DOMAIN = "storefront"

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


def said(locale: str, text: str) -> str:
    """A filled-in text as the language says it: German destinations take their preposition."""
    return german_destinations(text) if locale == "de" else text


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
        return said(self.locale, messages(DOMAIN, self.locale).text(key).format(**values))

    def plural(self, key: str, number: int, /, *, by: str = "count", **values: object) -> str:
        """A counted text in the form the locale's plural rule picks for `number`, which fills `{<by>}`."""
        return said(self.locale, messages(DOMAIN, self.locale).plural(key, number).format(**{by: number}, **values))

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
