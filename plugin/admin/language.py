"""The admin's language: the staff member's own, as the platform tells it, in one of the shipped locales.

Shopify appends `locale` to the app URL it frames; BigCommerce's load callback names the user's locale, kept in the
admin cookie. The shell renders in that language and sends it with every fragment it fetches (`X-Upfront-Locale`),
so the page and its fragments agree; the browser's Accept-Language is the last resort. Templates say `t("key")`."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache

from babel.numbers import format_decimal
from starlette.requests import HTTPConnection

from plugin.accept_language import accept_language
from plugin.catalogs import LOCALES, SOURCE_LOCALE, Messages, messages

# The admin's catalogs, one per area so each can grow on its own; keys are unique across them (prefixed by area).
ADMIN_DOMAINS = ("admin", "admin_shipping", "admin_help", "admin_after_sale")
LOCALE_HEADER = "x-upfront-locale"

_current: ContextVar[str] = ContextVar("upfront_admin_locale", default=SOURCE_LOCALE)


def shipped_locale(*candidates: str | None) -> str | None:
    """The first candidate whose language we ship ("pt-BR" -> "pt", "de_AT" -> "de"), else None."""
    for candidate in candidates:
        language = (candidate or "").replace("_", "-").split("-")[0].strip().lower()
        if language in LOCALES:
            return language
    return None


def request_locale(connection: HTTPConnection, session_locale: str | None = None) -> str:
    """What the platform said (query on the shell, the shell's header on fragments, the BigCommerce session), then
    the browser's languages, then English."""
    said = shipped_locale(connection.query_params.get("locale"), connection.headers.get(LOCALE_HEADER), session_locale)
    return said or shipped_locale(*accept_language(connection.headers.get("accept-language", ""))) or SOURCE_LOCALE


@contextmanager
def admin_locale(locale: str) -> Iterator[str]:
    """Everything rendered inside speaks `locale` (a shipped one)."""
    token = _current.set(locale if locale in LOCALES else SOURCE_LOCALE)
    try:
        yield _current.get()
    finally:
        _current.reset(token)


def current_locale() -> str:
    return _current.get()


@cache
def admin_messages(locale: str) -> Messages:
    """Every admin area's texts of one locale as one lookup, English behind each missing one."""
    fallback = None if locale == SOURCE_LOCALE else admin_messages(SOURCE_LOCALE)
    texts: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    plural_index = messages(ADMIN_DOMAINS[0], locale).plural_index
    for domain in ADMIN_DOMAINS:
        area = messages(domain, locale)
        texts.update(area.texts)
        plurals.update(area.plurals)
    return Messages(locale, texts, plurals, plural_index, fallback)


def t(key: str, **values: object) -> str:
    """The text `key` in the current admin language, its `{fields}` filled in."""
    text = admin_messages(_current.get()).text(key)
    return text.format(**values) if values else text


def count_words(count: int, locale: str) -> str:
    """A count as the language writes it in a sentence: 4956 in English (the admin's house style), 4.956 in
    German, 4 956 in French."""
    return str(count) if locale == SOURCE_LOCALE else str(format_decimal(count, locale=locale))


def tn(key: str, count: int, **values: object) -> str:
    """The counted text `key` in the form the language's plural rule picks for `count` (`{count}` is filled in, as
    the language writes numbers)."""
    locale = _current.get()
    return admin_messages(locale).plural(key, count).format(count=count_words(count, locale), **values)


def texts(*keys: str) -> Mapping[str, str]:
    """Several texts at once, for the shell's script (toasts and button states it shows without a round trip)."""
    catalog = admin_messages(_current.get())
    return {key: catalog.text(key) for key in keys}
