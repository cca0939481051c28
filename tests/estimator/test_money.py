"""Amounts round half-up to the currency's minor unit and render in the shopper's locale or the shop's format."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import is_currency as babel_is_currency
from babel.numbers import list_currencies

from widgets.estimator.money import format_money, format_shop_money, is_currency, minor_units, round_money

NBSP = "\xa0"


@pytest.mark.parametrize(
    ("amount", "currency", "locale", "expected"),
    [
        ("1234.5", "EUR", "de_DE", f"1.234,50{NBSP}€"),
        ("51", "EUR", "de_DE", f"51,00{NBSP}€"),
        ("0.125", "EUR", "de_DE", f"0,13{NBSP}€"),
        ("1234.5", "USD", "en_US", "$1,234.50"),
        ("1234.5", "JPY", "en_US", "¥1,235"),
        ("1234.5", "JPY", "ja_JP", "￥1,235"),
        ("1234.5", "EUR", "en_US", "€1,234.50"),
    ],
    ids=["eur-de", "eur-de-whole", "eur-half-up", "usd-en", "jpy-no-decimals-half-up", "jpy-ja", "eur-in-en"],
)
def test_format_money(amount: str, currency: str, locale: str, expected: str) -> None:
    assert format_money(Decimal(amount), currency, locale) == expected


@pytest.mark.parametrize(
    ("currency", "digits"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("BHD", 3)], ids=["eur", "usd", "jpy", "bhd"]
)
def test_minor_units_come_from_cldr(currency: str, digits: int) -> None:
    assert minor_units(currency) == digits


def test_unknown_currency_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown currency"):
        round_money(Decimal(1), "XYZ")


def test_round_money_is_half_up_not_bankers() -> None:
    assert round_money(Decimal("2.345"), "USD") == Decimal("2.35")
    assert round_money(Decimal("2.5"), "JPY") == Decimal("3")


@pytest.mark.parametrize(
    ("money_format", "amount", "expected"),
    [
        ("${{amount}}", "1134.65", "$1,134.65"),
        ("{{amount_with_comma_separator}} €", "1134.65", "1.134,65 €"),
        ("{{ amount_no_decimals }} kr", "1134.65", "1,135 kr"),
        ("{{amount_no_decimals_with_comma_separator}}", "1134.65", "1.135"),
        ("{{amount_with_apostrophe_separator}} CHF", "1134.65", "1'134.65 CHF"),
        ("{{amount_with_space_separator}} zł", "1134.65", "1 134,65 zł"),
        ("{{amount_no_decimals_with_space_separator}}", "1134.65", "1 135"),
        ("{{amount_with_period_and_space_separator}}", "1134.65", "1 134.65"),
        ("¥{{amount_no_decimals}}", "1234.5", "¥1,235"),
        ("<span class=money>${{amount}} USD</span>", "5", "<span class=money>$5.00 USD</span>"),
        ("${{amount}}", "-5", "$-5.00"),
        ("${{amount}}", "-0.004", "$0.00"),
        ("${{price}}", "7", "$7.00"),
    ],
    ids=[
        "amount",
        "comma-separator",
        "no-decimals-with-spaces-in-braces",
        "no-decimals-comma",
        "apostrophe",
        "space-separator",
        "no-decimals-space",
        "period-and-space",
        "yen-half-up",
        "html-wrapper-kept",
        "negative",
        "rounds-to-zero-without-minus",
        "unknown-placeholder-falls-back-to-amount",
    ],
)
def test_format_shop_money(money_format: str, amount: str, expected: str) -> None:
    assert format_shop_money(Decimal(amount), money_format) == expected


def test_the_currency_check_agrees_with_babel_on_every_code_and_on_junk() -> None:
    codes = [*list_currencies(), "", "eur", "EURO", "XXX1", "ZZZ", "€"]
    assert [is_currency(code) for code in codes] == [babel_is_currency(code) for code in codes]
