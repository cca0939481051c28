"""Catalog texts put together in templates: with markup the template adds (an emphasised figure), and as the names
of known values (consent purposes, audit actions) that fall back to the value itself."""

from __future__ import annotations

from markupsafe import Markup, escape

from plugin.admin.language import admin_messages, count_words, current_locale, t


def t_html(key: str, count: int | None = None, **values: object) -> Markup:
    """A text whose fields carry markup the template made (`strong`): the catalog's words are escaped, each field
    too unless it is Markup, so a catalog never holds HTML and a translation cannot inject any. With `count`, the
    counted form for it (`{count}` filled in, written as the admin's language writes numbers)."""
    catalog = admin_messages(current_locale())
    if count is None:
        return Markup(escape(catalog.text(key))).format(**values)
    return Markup(escape(catalog.plural(key, count))).format(count=count_words(count, current_locale()), **values)


def t_label(prefix: str, value: str) -> str:
    """The name of a known value (a consent purpose, an audit action) in the admin's language: the text of
    `prefix + value`; a value the catalog does not name (added later, or from the platform) shows as written."""
    key = prefix + value
    return t(key) if key in admin_messages(current_locale()) else value


def strong(value: object) -> Markup:
    """A figure to emphasise inside a `t_html` text."""
    return Markup("<strong>{}</strong>").format(value)
