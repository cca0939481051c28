"""What every admin endpoint shares: the authenticated call, its templates and its responses."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from redis.exceptions import RedisError
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from plugin.admin.auth import AdminSession, authenticate
from plugin.admin.formats import format_day, format_number, format_points

# The formatters templates used before they took the admin's language; kept importable from here.
from plugin.admin.formats import format_moment as format_moment
from plugin.admin.formats import format_percent as format_percent
from plugin.admin.formats import format_signed_percent as format_signed_percent
from plugin.admin.language import admin_locale, request_locale, t, tn
from plugin.admin.wording import strong, t_html, t_label
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import ShopRef
from plugin.services import Services, services
from plugin.settings import PACKAGE_ROOT

log = logging.getLogger(__name__)

TEMPLATE_DIRS = (PACKAGE_ROOT.parent / "templates", PACKAGE_ROOT / "_bundled" / "templates")
NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
MAX_JSON_BYTES = 64 * 1024

# The admin's pages, in navigation order. "home" is /admin/, the others /admin/<page>; `page_label` names them.
PAGES: tuple[str, ...] = (
    "home",
    "dashboard",
    "estimator",
    "badges",
    "help",
    "emails",
    "privacy",
    "health",
    "at_risk",
    "tracking",
    "sms",
    "status",
)


def page_label(page: str) -> str:
    """The page's name in the navigation and its title, in the admin's language."""
    return t(f"nav_{page}")


def page_url(page: str) -> str:
    return "/admin/" if page == "home" else f"/admin/{page}"


@dataclass(frozen=True)
class AdminCall:
    services: Services
    session: AdminSession
    request: Request

    @property
    def shop(self) -> ShopRef:
        return self.session.shop

    def now(self) -> datetime:
        return datetime.now(UTC)


AdminHandler = Callable[[AdminCall], Awaitable[Response]]


def error(status: int, reason: str, field: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"error": reason} if field is None else {"error": reason, "field": field}
    return JSONResponse(body, status_code=status, headers={**NO_STORE, **(headers or {})})


def admin_endpoint(handler: AdminHandler) -> Callable[[Request], Awaitable[Response]]:
    """Authenticate first (the session's shop is the only shop the handler sees), then run the handler."""

    @functools.wraps(handler)  # keeps the handler's name and its OpenAPI description
    async def endpoint(request: Request) -> Response:
        try:
            session = await authenticate(request)
            with admin_locale(request_locale(request, session.locale)):
                return await handler(AdminCall(services(request), session, request))
        except HTTPException as exc:
            return error(exc.status_code, str(exc.detail), headers=dict(exc.headers or {}))
        except RedisError:
            log.warning("admin storage unavailable", extra={"path": request.url.path})
            return error(503, "storage is unavailable; try again", headers={"Retry-After": "5"})

    return endpoint


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; HTTPException 400/413 otherwise (caught by `admin_endpoint`)."""
    try:
        return parse_json_object(await request.body(), max_bytes=MAX_JSON_BYTES, empty=True)
    except JsonBodyError as exc:
        raise HTTPException(exc.status, exc.reason) from None


@lru_cache(maxsize=1)
def templates() -> Environment:
    found = [str(path) for path in TEMPLATE_DIRS if path.is_dir()]
    environment = Environment(loader=FileSystemLoader(found), autoescape=True, undefined=StrictUndefined)
    environment.filters["percent"] = format_percent
    environment.filters["signed_percent"] = format_signed_percent
    environment.filters["points"] = format_points
    environment.filters["number"] = format_number
    environment.filters["day"] = format_day
    environment.filters["moment"] = format_moment
    environment.filters["strong"] = strong
    environment.globals.update(t=t, tn=tn, t_html=t_html, t_label=t_label)
    return environment


def render(template: str, **context: Any) -> str:
    return templates().get_template(template).render(**context)


def fragment(template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(render(template, **context), status_code=status_code, headers=NO_STORE)
