"""Every shipped catalog against the English one: the same keys, the same placeholders (`{country}`, and the
Jinja2 expressions of email texts), every plural form the locale's rule needs, nothing fuzzy or empty. And the
plural rules at work: Polish picks from three forms, Japanese has one, French counts 0 as singular."""

from __future__ import annotations

import re
from collections import Counter
from string import Formatter

import pytest
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural

from plugin.catalogs import DOMAINS, LOCALE_DIR, LOCALES, SOURCE_LOCALE, messages, messages_from_catalog, read_catalog

_JINJA = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)


def placeholders(text: str) -> Counter[str]:
    """What a text fills in: Jinja2 expressions and tags for email texts, else `str.format` fields with their
    format spec (`{minute:02d}`). A text `str.format` cannot parse raises ValueError."""
    if "{{" in text or "{%" in text:
        return Counter(re.sub(r"\s+", "", tag) for tag in _JINJA.findall(text))
    return Counter(f"{name}:{spec}" for _, name, spec, _ in Formatter().parse(text) if name is not None)


def _entries(catalog: Catalog) -> dict[str, str | tuple[str, ...]]:
    found: dict[str, str | tuple[str, ...]] = {}
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            found[str(message.id[0])] = tuple(str(form) for form in message.string)
        else:
            found[str(message.id)] = str(message.string)
    return found


def catalog_problems(catalog: Catalog, english: Catalog, locale: str) -> list[str]:
    """Everything that keeps `catalog` from saying what the English one says, one readable line each."""
    source, shipped = _entries(english), _entries(catalog)
    problems = [f"missing key {key!r}" for key in source if key not in shipped]
    problems += [f"extra key {key!r}" for key in shipped if key not in source]
    problems += [f"fuzzy entry {message.id!r}" for message in catalog if message.id and message.fuzzy]
    rule = get_plural(locale)
    if catalog.num_plurals != rule.num_plurals or catalog.plural_expr != rule.plural_expr:
        problems.append(f"Plural-Forms header is not {rule.plural_forms!r}")
    for key, text in source.items():
        if key not in shipped:
            continue
        translated = shipped[key]
        if isinstance(text, tuple) != isinstance(translated, tuple):
            problems.append(f"{key!r}: plural in one catalog and not in the other")
            continue
        # Every form of a counted text names what the English "other" form names: French and Portuguese use
        # their singular for 0, so no form may leave the number out.
        expected = placeholders(text[-1] if isinstance(text, tuple) else text)
        forms = translated if isinstance(translated, tuple) else (translated,)
        if isinstance(translated, tuple) and len(translated) != rule.num_plurals:
            problems.append(f"{key!r}: {len(translated)} plural forms, the {locale} rule needs {rule.num_plurals}")
        for form in forms:
            if not form.strip():
                problems.append(f"{key!r}: empty translation")
                continue
            try:
                found = placeholders(form)
            except ValueError as exc:
                problems.append(f"{key!r}: broken placeholder in {form!r} ({exc})")
                continue
            if found != expected:
                problems.append(f"{key!r}: placeholders {sorted(found)} instead of {sorted(expected)} in {form!r}")
    return problems


def test_every_shipped_locale_has_every_catalog() -> None:
    shipped = {(path.parent.parent.name, path.stem) for path in LOCALE_DIR.glob("*/LC_MESSAGES/*.po")}
    assert shipped == {(locale, domain) for locale in LOCALES for domain in DOMAINS}
    assert set(LOCALES) >= {"en", "de", "fr", "es", "it", "nl", "pl", "sv", "pt", "ja"}


@pytest.mark.parametrize("domain", DOMAINS)
@pytest.mark.parametrize("locale", LOCALES)
def test_a_catalog_says_everything_the_english_one_says(domain: str, locale: str) -> None:
    english = read_catalog(domain, SOURCE_LOCALE)
    assert catalog_problems(read_catalog(domain, locale), english, locale) == []


def _broken_german(domain: str) -> Catalog:
    """The German catalog with one key dropped, one added, one placeholder renamed and one plural form lost."""
    german, broken = read_catalog(domain, "de"), Catalog(locale="de", domain=domain)
    for message in german:
        if not message.id or message.id == "free":
            continue
        string = message.string
        if message.id == "shipping_to":
            string = "Versand nach {land}"
        elif isinstance(message.id, tuple) and message.id[0] == "more_options":
            string = (string[0],)
        broken.add(message.id, string)
    broken.add("leftover", "Übrig")
    broken.add("unbalanced", "Versand {nach")
    return broken


def test_the_check_names_each_kind_of_gap() -> None:
    english = read_catalog("storefront", SOURCE_LOCALE)
    catalog = _broken_german("storefront")
    problems = catalog_problems(catalog, english, "de")
    assert "missing key 'free'" in problems and "extra key 'leftover'" in problems
    assert any(p.startswith("'shipping_to': placeholders ['land:']") for p in problems)
    assert "'more_options': 1 plural forms, the de rule needs 2" in problems
    email = Catalog(locale="de", domain="email")
    for message in read_catalog("email", "de"):
        if message.id:
            text = str(message.string).replace("{{ order.name }}", "{{ order.nummer }}")
            email.add(message.id, text)
    assert "stages.confirmed.subject" in " ".join(catalog_problems(email, read_catalog("email", "en"), "de"))


@pytest.mark.parametrize(
    ("locale", "counts"),
    [
        (
            "pl",
            {
                1: "1 dodatkowa opcja",
                2: "2 dodatkowe opcje",
                5: "5 dodatkowych opcji",
                12: "12 dodatkowych opcji",
                22: "22 dodatkowe opcje",
            },
        ),
        ("ja", {1: "ほか1件", 7: "ほか7件"}),
        ("fr", {0: "0 autre option", 1: "1 autre option", 2: "2 autres options"}),
        ("en", {1: "1 more option", 3: "3 more options"}),
    ],
    ids=["polish-three-forms", "japanese-one-form", "french-zero-is-singular", "english"],
)
def test_counted_texts_follow_the_locale_plural_rule(locale: str, counts: dict[int, str]) -> None:
    catalog = messages("storefront", locale)
    for count, expected in counts.items():
        assert expected in catalog.plural("more_options", count).format(count=count)


def test_a_gap_in_a_catalog_reads_english_rather_than_a_key() -> None:
    partial = Catalog(locale="pl", domain="storefront")
    partial.add("free", "Za darmo")
    words = messages_from_catalog(partial, messages("storefront", SOURCE_LOCALE))
    assert words.text("free") == "Za darmo"
    assert words.text("country") == "Country"
    assert words.plural("more_options", 5).format(count=5) == "5 more options at checkout"
