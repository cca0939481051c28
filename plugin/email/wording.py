"""The default wording of emails and email pages per locale (templates/email/copy/<locale>.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from plugin.email.stages import Stage
from plugin.settings import PACKAGE_ROOT

LOCALES = ("en", "de")
DEFAULT_LOCALE = "en"
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


def _copy_file(locale: str) -> Path:
    for folder in template_dirs():
        candidate = Path(folder) / "email" / "copy" / f"{locale}.toml"
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"no email wording for locale {locale!r}")


@cache
def wording(locale: str) -> Wording:
    """The wording for a supported locale (see `pick_locale`)."""
    data = tomllib.loads(_copy_file(locale).read_text(encoding="utf-8"))
    stages = {stage: StageCopy(**data["stages"][stage.value]) for stage in Stage}
    return Wording(locale, dict(data["labels"]), dict(data["pages"]), stages, dict(data["alert"]), dict(data["status"]))


def pick_locale(*candidates: str | None) -> str:
    """The first candidate whose language we write ("de-AT" -> "de"), else English."""
    for candidate in candidates:
        language = (candidate or "").replace("_", "-").split("-")[0].strip().lower()
        if language in LOCALES:
            return language
    return DEFAULT_LOCALE
