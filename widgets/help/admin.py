"""The admin's JSON for help prompts: read and change the settings (400 names the field), list help requests and
mark them resolved.

The admin panel mounts `help_admin_routes(authenticate)` behind its own auth, like `widget_settings_routes`:
`authenticate(request)` returns the shop or raises an HTTPException.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import ShopRef
from plugin.openapi import Body, QueryParam, documented
from plugin.platform import ShopFacts
from plugin.services import Services, services
from widgets.help.forward import support_address
from widgets.help.presence import contact_channels
from widgets.help.requests import list_requests, measured_reply_time, resolve_request, valid_id
from widgets.help.rules import client_rule
from widgets.help.settings import (
    HelpSettings,
    default_help_settings,
    help_settings_schema,
    help_settings_to_dict,
    load_help_settings,
    save_help_settings,
)
from widgets.help.validation import HelpSettingsError
from widgets.settings_http import settings_changes
from widgets.shop_context import ShopUnavailable, load_storefront_shop
from widgets.storefront import utc_now

Authenticate = Callable[[Request], Awaitable[ShopRef]]
MAX_BODY_BYTES = 65_536
MAX_LISTED = 200
STATUSES = ("open", "resolved", "all")


# What keeps the help prompt from being as useful as it could be: a code each (the admin page words it in the
# merchant's language, `help_problem_<code>`) and the English the JSON API reports.
PROBLEMS = {
    "no_support_email": "no support email: help requests are kept here but cannot be forwarded to you",
    "no_channel": "no contact channel: shoppers can only write through the form",
    "no_hours": "no business hours: the prompt cannot say when you are available",
    "no_rule": "no enabled rule: the prompt never appears",
}


def problem_codes(settings: HelpSettings, facts: ShopFacts) -> list[str]:
    """The PROBLEMS that apply, in their order."""
    found = []
    if support_address(settings, facts) is None:
        found.append("no_support_email")
    if not contact_channels(settings, facts):
        found.append("no_channel")
    if settings.hours is None or not settings.hours.has_any_hours():
        found.append("no_hours")
    if not any(rule.enabled for rule in settings.rules):
        found.append("no_rule")
    return found


def problems(settings: HelpSettings, facts: ShopFacts) -> list[str]:
    """The problems in English, as the JSON API states them."""
    return [PROBLEMS[code] for code in problem_codes(settings, facts)]


async def _document(found: Services, shop: ShopRef) -> dict[str, Any]:
    context = await load_storefront_shop(found, shop)
    defaults = default_help_settings(found.settings.manifest.widgets)
    settings = await load_help_settings(found.redis, found.keys, shop, defaults, context.facts.timezone)
    measured, samples = await measured_reply_time(found, shop)
    return {
        "settings": help_settings_to_dict(settings),
        "problems": problems(settings, context.facts),
        "reply_time": {
            "measured_seconds": None if measured is None else int(measured.total_seconds()),
            "samples": samples,
            "stated_minutes": settings.reply_minutes,
        },
        "storefront_rules": [client_rule(rule) for rule in settings.rules if rule.enabled],
    }


def _refusal(exc: ShopUnavailable) -> JSONResponse:
    return JSONResponse({"error": exc.reason}, status_code=exc.status)


def help_admin_routes(authenticate: Authenticate, *, clock: Callable[[], datetime] = utc_now) -> list[BaseRoute]:
    @documented(
        "Help prompt settings, what is missing, and the reply time shoppers are told",
        {200: "{settings, problems, reply_time, storefront_rules}", 401: "not signed in", 404: "shop not installed"},
        tag="admin",
    )
    async def read(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        try:
            return JSONResponse(await _document(services(request), shop))
        except ShopUnavailable as exc:
            return _refusal(exc)

    @documented(
        "Change help prompt settings (missing keys keep their value; a given list replaces the list)",
        {200: "the new settings", 400: "the first bad field and why", 401: "not signed in", 413: "too large"},
        tag="admin",
        request_body=Body("a partial help settings object, as GET returns it", schema=help_settings_schema()),
    )
    async def change(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        changes = await settings_changes(request, MAX_BODY_BYTES)
        if isinstance(changes, JSONResponse):
            return changes
        found = services(request)
        try:
            context = await load_storefront_shop(found, shop)
        except ShopUnavailable as exc:
            return _refusal(exc)
        defaults = default_help_settings(found.settings.manifest.widgets)
        try:
            await save_help_settings(found.redis, found.keys, shop, changes, defaults, context.facts.timezone)
        except HelpSettingsError as exc:
            return JSONResponse({"error": exc.reason, "field": exc.field}, status_code=400)
        return JSONResponse(await _document(found, shop))

    @documented(
        "Help requests, newest first (emails and questions decrypted for the merchant)",
        {200: "{requests: [{id, created_at, status, email, question, page, cart, forward}]}", 400: "bad status"},
        tag="admin",
        query=(
            QueryParam("status", "open (default), resolved or all", schema={"type": "string", "enum": list(STATUSES)}),
            QueryParam(
                "limit",
                f"at most this many (1-{MAX_LISTED}, default 50)",
                schema={"type": "integer", "minimum": 1, "maximum": MAX_LISTED},
            ),
        ),
    )
    async def listing(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        status = request.query_params.get("status", "open")
        if status not in STATUSES:
            return JSONResponse({"error": f"status must be one of {', '.join(STATUSES)}"}, status_code=400)
        raw_limit = request.query_params.get("limit", "50")
        if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= MAX_LISTED:
            return JSONResponse({"error": f"limit must be a whole number from 1 to {MAX_LISTED}"}, status_code=400)
        found = await list_requests(
            services(request), shop, status=None if status == "all" else status, limit=int(raw_limit)
        )
        return JSONResponse({"requests": [item.to_admin() for item in found]}, headers={"Cache-Control": "no-store"})

    @documented(
        "Mark a help request answered: it closes the shopper's open issue and its reply time joins the measured one",
        {200: "the request", 400: "bad replied_at", 401: "not signed in", 404: "no such request (or expired)"},
        tag="admin",
        request_body='optional {"replied_at": ISO time}; default now',
    )
    async def resolve(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        request_id = request.path_params["request_id"]
        if not valid_id(request_id):
            return JSONResponse({"error": "no such help request"}, status_code=404)
        body = await request.body()
        replied_at = clock()
        if body.strip():
            try:
                data = parse_json_object(body, max_bytes=MAX_BODY_BYTES)
            except JsonBodyError as exc:
                return JSONResponse({"error": exc.reason}, status_code=exc.status)
            try:
                if data.get("replied_at") is not None:
                    replied_at = datetime.fromisoformat(str(data["replied_at"]))
            except ValueError:
                return JSONResponse({"error": 'the body must be {"replied_at": ISO time}'}, status_code=400)
            if replied_at.tzinfo is None:
                return JSONResponse({"error": "replied_at needs a timezone offset"}, status_code=400)
            replied_at = min(replied_at, clock())  # a reply from the future would flatter the figure
        found = services(request)
        try:
            context = await load_storefront_shop(found, shop)
        except ShopUnavailable as exc:
            return _refusal(exc)
        defaults = default_help_settings(found.settings.manifest.widgets)
        settings = await load_help_settings(found.redis, found.keys, shop, defaults, context.facts.timezone)
        stored = await resolve_request(found, shop, request_id, replied_at=replied_at, hours=settings.hours)
        if stored is None:
            return JSONResponse({"error": "no such help request"}, status_code=404)
        return JSONResponse(stored.to_admin(), headers={"Cache-Control": "no-store"})

    return [
        Route("/help/settings", read, methods=["GET"]),
        Route("/help/settings", change, methods=["PUT"]),
        Route("/help/requests", listing, methods=["GET"]),
        Route("/help/requests/{request_id}/resolve", resolve, methods=["POST"]),
    ]
