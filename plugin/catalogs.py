"""The shipped languages and their gettext catalogs (Babel .po files under plugin/locale), read once per process."""

from __future__ import annotations

import gettext
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

# Every locale we write; English is the source every other catalog is checked against (tests/i18n).
LOCALES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "pt", "ja")
SOURCE_LOCALE = "en"
# One catalog per area: the storefront widgets, the help prompt, emails and email pages, and the admin's areas
# (plugin/admin/language.py reads those four as one).
DOMAINS = ("storefront", "help", "email", "admin", "admin_shipping", "admin_help", "admin_after_sale")
LOCALE_DIR = Path(__file__).parent / "locale"


def catalog_path(domain: str, locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


@cache
def read_catalog(domain: str, locale: str) -> Catalog:
    """The .po file as Babel reads it. The messages' ids are keys (`shipping_to`), not English sentences, so a
    reworded English text never orphans its translations."""
    with catalog_path(domain, locale).open("rb") as po:
        return read_po(po, locale=locale, domain=domain)


@dataclass(frozen=True)
class Messages:
    """One catalog's texts by key, plural entries with the locale's gettext plural rule, and what to say where this
    catalog has no text (English; the catalog test fails on every such gap before it ships)."""

    locale: str
    texts: Mapping[str, str]
    plurals: Mapping[str, tuple[str, ...]]
    plural_index: Callable[[int], int]
    fallback: Messages | None = field(default=None, repr=False)

    def __contains__(self, key: object) -> bool:
        return key in self.texts or key in self.plurals or (self.fallback is not None and key in self.fallback)

    def text(self, key: str) -> str:
        if key in self.texts:
            return self.texts[key]
        if self.fallback is None:
            raise KeyError(f"no message {key!r} in the {self.locale} catalog")
        return self.fallback.text(key)

    def plural(self, key: str, count: int) -> str:
        """The form for `count` by the locale's rule: Polish has three, Japanese one, English two."""
        forms = self.plurals.get(key)
        if forms is not None:
            return forms[min(self.plural_index(count), len(forms) - 1)]
        if self.fallback is None:
            raise KeyError(f"no plural message {key!r} in the {self.locale} catalog")
        return self.fallback.plural(key, count)


def messages_from_catalog(catalog: Catalog, fallback: Messages | None = None) -> Messages:
    """Translated entries only: an empty or fuzzy one is left to the fallback, as gettext itself does."""
    texts: dict[str, str] = {}
    plurals: dict[str, tuple[str, ...]] = {}
    for message in catalog:
        if not message.id or message.fuzzy:
            continue
        if isinstance(message.id, tuple):
            forms = tuple(str(form) for form in message.string or ())
            if forms and all(forms):
                plurals[str(message.id[0])] = forms
        elif message.string:
            texts[str(message.id)] = str(message.string)
    return Messages(str(catalog.locale), texts, plurals, gettext.c2py(catalog.plural_expr), fallback)


@cache
def messages(domain: str, locale: str) -> Messages:
    """A shipped locale's messages of one domain (see DOMAINS); an unknown locale is a programming error."""
    if locale not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}, not {locale!r}")
    fallback = None if locale == SOURCE_LOCALE else messages(domain, SOURCE_LOCALE)
    return messages_from_catalog(read_catalog(domain, locale), fallback)


def load_catalogs() -> None:
    """Read every shipped catalog now (about 50 ms), so a broken .po file stops the app at startup rather than
    failing a shopper's request."""
    for domain in DOMAINS:
        for locale in LOCALES:
            messages(domain, locale)
