"""Checks for merchant-supplied help settings: each refusal names the setting's dotted path and a reason to show."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlsplit

from plugin.excerpt import excerpt
from plugin.json_schema import VISIBLE, WHITESPACE, whole_number
from widgets.settings import LOCALES

EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?\.[A-Za-z]{2,63}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
_PHONE = re.compile(r"^\+?[0-9 ()./-]{5,25}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class HelpSettingsError(ValueError):
    """A help setting we refuse; `field` is its dotted path and `reason` is safe to show the merchant."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def known_keys(data: Mapping[str, Any], allowed: tuple[str, ...], where: str) -> None:
    for key in data:
        if key not in allowed:
            raise HelpSettingsError(f"{where}{key}", "is not a setting")


def table(value: object, field: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise HelpSettingsError(field, "must be an object")
    return value


def items(value: object, field: str, most: int) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list | tuple):
        raise HelpSettingsError(field, "must be a list")
    if len(value) > most:
        raise HelpSettingsError(field, f"must have at most {most} entries")
    return list(value)


def flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise HelpSettingsError(field, "must be true or false")
    return value


def whole(raw: object, field: str, low: int, high: int) -> int:
    value = whole_number(raw)
    if value is None:
        raise HelpSettingsError(field, "must be a whole number")
    if not low <= value <= high:
        raise HelpSettingsError(field, f"must be between {low} and {high}")
    return value


def text(value: object, field: str, most: int, *, lines: bool = False) -> str:
    if not isinstance(value, str):
        raise HelpSettingsError(field, "must be text")
    cleaned = _CONTROL.sub("", value).strip() if lines else " ".join(value.split())
    if not cleaned:
        raise HelpSettingsError(field, "must not be empty")
    if len(cleaned) > most:
        raise HelpSettingsError(field, f"must be at most {most} characters")
    return cleaned


def identifier(value: object, field: str) -> str:
    if not isinstance(value, str) or not _ID.match(value):
        raise HelpSettingsError(field, "must be 1-40 of a-z, 0-9, '-' and '_', starting with a letter or digit")
    return value


def choice(value: object, field: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise HelpSettingsError(field, f"must be one of {', '.join(allowed)}")
    return str(value)


def choices(value: object, field: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    found = items(value, field, len(allowed))
    for item in found:
        if item not in allowed:
            raise HelpSettingsError(field, f"{excerpt(item)} is not one of {', '.join(allowed)}")
    return tuple(dict.fromkeys(found))


def localized(value: object, field: str, most: int, *, lines: bool = False) -> dict[str, str]:
    """{"en": "...", "de": "..."}: at least one supported language."""
    if not isinstance(value, Mapping) or not value:
        raise HelpSettingsError(field, f"must be an object of texts by language ({', '.join(LOCALES)})")
    found = {}
    for language, words in value.items():
        if language not in LOCALES:
            raise HelpSettingsError(f"{field}.{language}", f"language must be one of {', '.join(LOCALES)}")
        found[language] = text(words, f"{field}.{language}", most, lines=lines)
    return found


def amount(value: object, field: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise HelpSettingsError(field, 'must be an amount like "49.90"')
    try:
        found = Decimal(str(value))
    except InvalidOperation:
        raise HelpSettingsError(field, f'{excerpt(value)} is not an amount like "49.90"') from None
    if not found.is_finite() or found < 0 or found > Decimal("1000000"):
        raise HelpSettingsError(field, "must be an amount from 0 to 1000000")
    return found


def email(value: object, field: str) -> str:
    found = text(value, field, 254)
    if not EMAIL.match(found):
        raise HelpSettingsError(field, f"{excerpt(found)} is not an email address")
    return found


def phone(value: object, field: str) -> str:
    found = text(value, field, 25)
    if not _PHONE.match(found) or sum(char.isdigit() for char in found) < 5:
        raise HelpSettingsError(field, f"{excerpt(found)} is not a phone number like +49 30 1234567")
    return found


def https_url(value: object, field: str) -> str:
    found = text(value, field, 500)
    parts = urlsplit(found)
    if parts.scheme != "https" or not parts.netloc:
        raise HelpSettingsError(field, "must be an https:// link")
    return found


def clock_time(value: object, field: str, *, allow_midnight_end: bool = False) -> time | None:
    """ "09:00" -> 09:00; "24:00" -> None (end of day) where allowed."""
    if allow_midnight_end and value == "24:00":
        return None
    if not isinstance(value, str) or len(value) != 5:
        raise HelpSettingsError(field, 'must be a time like "09:00"')
    try:
        return time.fromisoformat(value)
    except ValueError:
        raise HelpSettingsError(field, f'{excerpt(value)} is not a time like "09:00"') from None


def day(value: object, field: str) -> date:
    if not isinstance(value, str):
        raise HelpSettingsError(field, 'must be a date like "2026-12-24"')
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise HelpSettingsError(field, f'{excerpt(value)} is not a date like "2026-12-24"') from None


# --- the same checks as JSON schemas, for /openapi.json -------------------------------------------------------

# A character `text` keeps: not whitespace (and, for text with lines, not a control character either).
_KEPT = VISIBLE
_KEPT_IN_LINES = rf"[^{WHITESPACE}\x00-\x08\x0b-\x1f\x7f]"
CLOCK_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]$"


def text_schema(most: int, *, lines: bool = False) -> dict[str, Any]:
    """`text`: something left once cleaned, at most `most` characters (counted before cleaning: never more)."""
    return {"type": "string", "maxLength": most, "pattern": _KEPT_IN_LINES if lines else _KEPT}


def localized_schema(most: int, *, lines: bool = False) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {language: text_schema(most, lines=lines) for language in LOCALES},
        "additionalProperties": False,
        "minProperties": 1,
    }


def email_pattern(also_excluded: str = "") -> str:
    """EMAIL for a schema: its whitespace spelled out, and `also_excluded` kept out of the address part too."""
    pattern = EMAIL.pattern.replace(r"""[^@\s<>\"',;]""", f"""[^@{WHITESPACE}<>"',;{also_excluded}]""", 1)
    assert pattern != EMAIL.pattern, "keep email_pattern in step with EMAIL"
    return pattern


def email_schema() -> dict[str, Any]:
    """`email`: an address with no whitespace to collapse."""
    return {"type": "string", "maxLength": 254, "pattern": email_pattern()}


def phone_schema() -> dict[str, Any]:
    """`phone`: its characters, at least five digits."""
    assert _PHONE.pattern == r"^\+?[0-9 ()./-]{5,25}$", "keep phone_schema in step with _PHONE"
    return {"type": "string", "maxLength": 25, "pattern": r"^\+?(?:[ ()./-]*[0-9]){5}[0-9 ()./-]*$"}


def https_url_schema(most: int = 500) -> dict[str, Any]:
    """`https_url`: https:// and a host, no whitespace."""
    return {"type": "string", "maxLength": most, "pattern": r"^https://[A-Za-z0-9.-]+(?::[0-9]{1,5})?(?:[/?#]\S*)?$"}


def amount_schema() -> dict[str, Any]:
    """`amount`: from 0 to 1000000, as a plain decimal string or a JSON number."""
    return {
        "anyOf": [
            {"type": "string", "pattern": r"^(?:[0-9]{1,6}(?:\.[0-9]{1,10})?|1000000(?:\.0{1,10})?)$"},
            {"type": "number", "minimum": 0, "maximum": 1_000_000},
            {"type": "null"},
        ]
    }


IDENTIFIER_SCHEMA = {"type": "string", "pattern": _ID.pattern}
DAY_SCHEMA = {"type": "string", "format": "date"}
