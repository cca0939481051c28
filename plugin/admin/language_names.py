"""A language's name as the admin's language writes it ("de" reads "German" in English, "Deutsch" in German)."""

from __future__ import annotations

from functools import cache

from babel import Locale, UnknownLocaleError

from plugin.admin.language import current_locale


@cache
def _name(code: str, admin: str) -> str:
    try:
        name = Locale.parse(code).get_language_name(admin) or code
    except (ValueError, UnknownLocaleError):
        return code  # not a language code: shown as stored
    # Romance and Slavic languages write language names in lower case mid-sentence; a choice in a list starts upper.
    return name[:1].upper() + name[1:]


def language_name(code: str) -> str:
    """`code`'s name in the current admin language, as a list choice (capitalised)."""
    return _name(code, current_locale())
