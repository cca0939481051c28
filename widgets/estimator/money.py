"""Rounding and formatting of money amounts: Babel locale formats and Shopify shop money formats."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from babel import Locale
from babel.numbers import format_currency, get_currency_precision, list_currencies, parse_pattern


@cache
def _currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def is_currency(code: str) -> bool:
    """An ISO 4217 code CLDR knows. Babel's own check rebuilds its list on every call."""
    return code in _currencies()


def known_currencies() -> frozenset[str]:
    """Every ISO 4217 code CLDR knows (what `is_currency` admits)."""
    return _currencies()


@cache
def minor_units(currency: str) -> int:
    """Digits after the decimal point: EUR 2, JPY 0, BHD 3 (from CLDR via Babel)."""
    if not is_currency(currency):
        raise ValueError(f"unknown currency {currency!r}")
    return int(get_currency_precision(currency))


@cache
def _quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-minor_units(currency))


@cache
def most_minor_units() -> int:
    """The most decimals any currency has (4, for the Unidad Previsional UYW)."""
    return max(minor_units(code) for code in known_currencies())


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up, the way shoppers and tills round; Decimal's default would be banker's rounding."""
    return amount.quantize(_quantum(currency), rounding=ROUND_HALF_UP)


def format_money(amount: Decimal, currency: str, locale: str, decimals: int | None = None) -> str:
    """`format_money(Decimal("1234.5"), "EUR", "de_DE")` -> "1.234,50 €" (with a no-break space). `decimals`: a
    platform's own precision for the currency (BigCommerce `decimal_places`) instead of CLDR's."""
    if decimals is None or decimals == minor_units(currency):
        # Round first: Babel would otherwise round half-even (JPY 1234.5 -> 1,234).
        return str(format_currency(round_money(amount, currency), currency, locale=locale))
    rounded = amount.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    pattern = parse_pattern(_currency_pattern(locale))
    pattern.frac_prec = (decimals, decimals)
    return str(pattern.apply(rounded, Locale.parse(locale), currency=currency, currency_digits=False))


@cache
def _currency_pattern(locale: str) -> str:
    found = Locale.parse(locale).currency_formats["standard"]
    return str(found.pattern)


# Shopify's money_format placeholders: (decimals, thousands separator, decimal separator).
_SHOP_PLACEHOLDERS: dict[str, tuple[int, str, str]] = {
    "amount": (2, ",", "."),
    "amount_no_decimals": (0, ",", "."),
    "amount_with_comma_separator": (2, ".", ","),
    "amount_no_decimals_with_comma_separator": (0, ".", ","),
    "amount_with_apostrophe_separator": (2, "'", "."),
    "amount_no_decimals_with_apostrophe_separator": (0, "'", "."),
    "amount_with_space_separator": (2, " ", ","),
    "amount_no_decimals_with_space_separator": (0, " ", ","),
    "amount_with_period_and_space_separator": (2, " ", "."),
}
_PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")


def format_shop_money(amount: Decimal, money_format: str) -> str:
    """Render a shop's own format, e.g. `"${{amount}}"` or `"{{amount_with_comma_separator}} €"`."""

    def render(match: re.Match[str]) -> str:
        decimals, thousands, point = _SHOP_PLACEHOLDERS.get(match.group(1), _SHOP_PLACEHOLDERS["amount"])
        rounded = abs(amount).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
        whole, _, fraction = format(rounded, "f").partition(".")
        grouped = f"{int(whole):,}".replace(",", thousands)
        sign = "-" if amount < 0 and rounded != 0 else ""
        return sign + grouped + (point + fraction if decimals else "")

    return _PLACEHOLDER.sub(render, money_format, count=1)
