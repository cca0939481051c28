"""The HTML BigCommerce shows in its control-panel iframe: the admin panel and plain message pages, in the admin's
language (the callbacks set it: the staff user's BigCommerce locale, else the browser's)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from starlette.responses import HTMLResponse

from plugin.admin.language import current_locale, t
from plugin.content_security import static_page_policy
from plugin.settings import PACKAGE_ROOT

TEMPLATE_DIRS = (PACKAGE_ROOT.parent / "templates", PACKAGE_ROOT / "_bundled" / "templates")
# The control panel frames the app from these sites; nobody else may (clickjacking).
FRAME_ANCESTORS = "'self' https://*.bigcommerce.com https://*.mybigcommerce.com"


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    detail: str


@lru_cache(maxsize=1)
def _environment() -> Environment:
    found = [str(path) for path in TEMPLATE_DIRS if path.is_dir()]
    environment = Environment(loader=FileSystemLoader(found), autoescape=True, undefined=StrictUndefined)
    environment.globals.update(t=t, locale=current_locale)
    return environment


def render(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    html = _environment().get_template(template).render(**context)
    return HTMLResponse(
        html,
        status_code=status_code,
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": static_page_policy(FRAME_ANCESTORS),
            "Referrer-Policy": "strict-origin-when-cross-origin",
            "X-Content-Type-Options": "nosniff",
        },
    )


def message_page(status_code: int, title: str, message: str, next_step: str | None = None) -> HTMLResponse:
    return render(
        "admin/bigcommerce_message.html",
        status_code,
        title=title,
        message=message,
        next_step=next_step,
        is_error=status_code >= 400,
    )


def panel_page(
    *, store_name: str, store_hash: str, user_label: str, checklist: list[ChecklistItem], just_installed: bool
) -> HTMLResponse:
    return render(
        "admin/bigcommerce_panel.html",
        store_name=store_name,
        store_hash=store_hash,
        user_label=user_label,
        checklist=checklist,
        just_installed=just_installed,
    )
