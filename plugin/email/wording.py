"""The default wording of emails and email pages per locale, from the email catalog (plugin/locale/<locale>/
LC_MESSAGES/email.po): keys are `<section>.<name>`, and a stage's texts `stages.<stage>.<subject|intro|body>`.

A stage's `subject`, `intro` and `body` are the texts a merchant can replace; they are Jinja2 templates rendered in
the sandbox with: customer.first_name, order.name, order.total, shop.name, shipment.carrier,
shipment.tracking_number, shipment.tracking_url, delivery.window. Labels and pages use `{name}` placeholders."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from plugin.catalogs import LOCALES, SOURCE_LOCALE, messages
from plugin.email.stages import Stage
from plugin.settings import PACKAGE_ROOT

__all__ = ["LOCALES", "DEFAULT_LOCALE", "StageCopy", "Wording", "pick_locale", "template_dirs", "wording"]

DEFAULT_LOCALE = SOURCE_LOCALE
DOMAIN = "email"
SECTIONS = ("labels", "pages", "alert", "status")
TEMPLATE_DIRS = (PACKAGE_ROOT.parent / "templates", PACKAGE_ROOT / "_bundled" / "templates")


@dataclass(frozen=True)
class StageCopy:
    subject: str
    intro: str
    body: str


@dataclass(frozen=True)
class Wording:
    locale: str
    labels: dict[str, str]
    pages: dict[str, str]
    stages: dict[Stage, StageCopy]
    alert: dict[str, str]
    status: dict[str, str]  # the order-status page (plugin.order_status)


def template_dirs() -> list[str]:
    return [str(path) for path in TEMPLATE_DIRS if path.is_dir()]


@cache
def wording(locale: str) -> Wording:
    """The wording for a supported locale (see `pick_locale`)."""
    catalog = messages(DOMAIN, locale)
    english = messages(DOMAIN, SOURCE_LOCALE)  # the key list: a locale missing one falls back to English for it
    sections: dict[str, dict[str, str]] = {section: {} for section in SECTIONS}
    for key in english.texts:
        section, _, name = key.partition(".")
        if section in sections:
            sections[section][name] = catalog.text(key)
    stages = {
        stage: StageCopy(*(catalog.text(f"stages.{stage.value}.{part}") for part in ("subject", "intro", "body")))
        for stage in Stage
    }
    return Wording(locale, sections["labels"], sections["pages"], stages, sections["alert"], sections["status"])


def pick_locale(*candidates: str | None) -> str:
    """The first candidate whose language we write ("de-AT" -> "de"), else English."""
    for candidate in candidates:
        language = (candidate or "").replace("_", "-").split("-")[0].strip().lower()
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE
