"""Phone numbers in E.164 (``+<country code><number>``), the only form Twilio accepts and the ledger links by."""

from __future__ import annotations

import phonenumbers


def to_e164(raw: str | None, default_country: str | None = None) -> str | None:
    """`raw` as E.164, reading a national number in `default_country` (ISO alpha-2); None when it is no valid
    number (too short, wrong length for its country, letters)."""
    if not raw or not raw.strip():
        return None
    region = (default_country or "").upper() or None
    try:
        parsed = phonenumbers.parse(raw.strip(), region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str | None:
    """The ISO alpha-2 country an E.164 number belongs to (None when the numbering plan does not say)."""
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region and region != "ZZ" else None


def masked(e164: str) -> str:
    """What the admin shows of a number: the country code and the last two digits."""
    return e164[:3] + "•" * max(0, len(e164) - 5) + e164[-2:] if len(e164) > 5 else "•" * len(e164)
