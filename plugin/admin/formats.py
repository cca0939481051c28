"""Numbers, percentages and times as the admin's language writes them (Babel's CLDR data), for templates and code.

English keeps the admin's house style, which its pages and tests have always shown: "12.3 %", "2400",
"2026-11-17 09:00 UTC", ISO days. Every other language gets its own decimal comma, grouping, percent sign spacing and
date order ("12,3 %", "2.400", "17.11.2026, 09:00 UTC"). Times are UTC and say so: staff in several time zones read
the same page."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from babel.numbers import NumberPattern, format_decimal

from plugin.admin.language import current_locale, t
from plugin.catalogs import SOURCE_LOCALE

MISSING = "–"


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


@cache
def _percent_pattern(code: str, digits: int) -> NumberPattern:
    """The locale's own percent pattern ("#,##0 %" in German) with exactly `digits` decimals."""
    pattern: NumberPattern = copy.copy(_locale(code).percent_formats[None])
    pattern.frac_prec = (digits, digits)
    return pattern


def _points(points: float, digits: int) -> str:
    """A share given in percent points, unsigned."""
    code = current_locale()
    if code == SOURCE_LOCALE:
        return f"{points:.{digits}f} %"
    return str(_percent_pattern(code, digits).apply(Decimal(repr(points)) / 100, _locale(code)))


def format_percent(value: float | None, digits: int = 1) -> str:
    """0.1234 -> "12.3 %" (German "12,3 %"); None -> "–"."""
    return MISSING if value is None else _points(100 * value, digits)


def format_signed_percent(value: float | None, digits: int = 1) -> str:
    """Relative changes: 0.1234 -> "+12.3 %", -0.05 -> "−5.0 %"."""
    if value is None:
        return MISSING
    return ("+" if value >= 0 else "−") + _points(100 * abs(value), digits)


def format_points(value: float | None, digits: int = 1) -> str:
    """A score already in percent points (CSAT 83.3) -> "83.3 %"."""
    return MISSING if value is None else _points(value, digits)


def format_number(value: float | int | None, digits: int = 0, signed: bool = False) -> str:
    """2400 -> "2400" (German "2.400"); digits fixes the decimals; signed writes "+" before positive values."""
    if value is None:
        return MISSING
    code = current_locale()
    if code == SOURCE_LOCALE:
        text = f"{abs(value):.{digits}f}"
    else:
        shape = "#,##0" + ("." + "0" * digits if digits else "")
        text = format_decimal(abs(value), format=shape, locale=_locale(code), decimal_quantization=True)
    if value < 0:
        return "−" + text if code != SOURCE_LOCALE else "-" + text
    return ("+" if signed else "") + text


def format_day(value: date | None) -> str:
    """A calendar day: "2026-11-17" (German "17.11.2026", Japanese "2026/11/17")."""
    if value is None:
        return MISSING
    code = current_locale()
    return value.isoformat() if code == SOURCE_LOCALE else format_date(value, "medium", locale=_locale(code))


def format_moment(value: float | str | None) -> str:
    """Epoch seconds or an ISO time -> "2026-11-17 09:00 UTC" (German "17.11.2026, 09:00 UTC"); missing -> "never"
    in the admin's language."""
    if value in (None, ""):
        return t("common_never")
    try:
        moment = (
            datetime.fromtimestamp(float(value), UTC)
            if isinstance(value, float | int) or str(value).replace(".", "", 1).isdigit()
            else datetime.fromisoformat(str(value))
        )
    except ValueError:
        return str(value)
    moment = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    code = current_locale()
    if code == SOURCE_LOCALE:
        return moment.strftime("%Y-%m-%d %H:%M UTC")
    locale = _locale(code)
    day = format_date(moment, "medium", locale=locale)
    clock = format_time(moment, "short", tzinfo=UTC, locale=locale)
    combined = str(get_datetime_format("medium", locale=locale))  # "{1}, {0}": the date, then the time
    return combined.replace("{1}", day).replace("{0}", clock) + " UTC"
