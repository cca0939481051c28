"""What the badge checks tell the merchant (why a badge is refused, where its facts come from) as message keys of
the admin's shipping catalog with their values, so the admin words them in the staff member's language.

`str()` of a phrase is its English (the catalog's source), which the settings API and logs keep."""

from __future__ import annotations

from dataclasses import dataclass

from babel.lists import format_list

from plugin.catalogs import SOURCE_LOCALE, Messages, messages

CATALOG = "admin_shipping"


@dataclass(frozen=True)
class And:
    """Items said as one list, "14 and 30", the way the language joins them."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Names:
    """Names as the platform lists them, "Shop Pay, Apple Pay", with the language's list separator."""

    items: tuple[str, ...]


@dataclass(frozen=True)
class Phrase:
    key: str
    values: tuple[tuple[str, str | int | Phrase | And | Names], ...] = ()
    count: int | None = None  # picks the plural form (`{count}` in the text)

    def say(self, catalog: Messages) -> str:
        """The text in `catalog`'s language, its fields (phrases too) worded in the same language."""
        filled = {name: _word(value, catalog) for name, value in self.values}
        if self.count is None:
            return catalog.text(self.key).format(**filled)
        return catalog.plural(self.key, self.count).format(count=self.count, **filled)

    def __str__(self) -> str:
        return self.say(messages(CATALOG, SOURCE_LOCALE))


def phrase(key: str, count: int | None = None, **values: str | int | Phrase | And | Names) -> Phrase:
    return Phrase(key, tuple(values.items()), count)


def say(text: Phrase | str, catalog: Messages) -> str:
    """A phrase in `catalog`'s language; a plain string is the shop's own data or a platform's field name, as it is."""
    return text.say(catalog) if isinstance(text, Phrase) else text


def _word(value: str | int | Phrase | And | Names, catalog: Messages) -> str:
    if isinstance(value, Phrase):
        return value.say(catalog)
    if isinstance(value, And):
        return format_list(list(value.items), locale=catalog.locale)
    if isinstance(value, Names):
        return catalog.text("badge_names_separator").join(value.items)
    return str(value)
