"""The admin's view of widget settings: read them with each badge's verdict, and change them (400 with reasons).

The admin panel mounts `widget_settings_routes(authenticate)` behind its own auth (Shopify session token or the
BigCommerce signed session): `authenticate(request)` returns the shop or raises an HTTPException.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import ShopRef
from plugin.openapi import Body, documented
from plugin.services import services
from widgets.badges import Accepted, badges_from_settings, check_badge
from widgets.settings import (
    WidgetSettingsError,
    default_settings,
    save_widget_settings,
    settings_to_dict,
    widget_settings_schema,
)
from widgets.shop_context import ShopUnavailable, StorefrontShop, load_storefront_shop

Authenticate = Callable[[Request], Awaitable[ShopRef]]
MAX_BODY_BYTES = 16_384


async def settings_changes(request: Request, max_bytes: int) -> dict[str, Any] | JSONResponse:
    """The JSON object of a settings change (its validator checks the fields), or the 413/400 answer to send."""
    try:
        return parse_json_object(await request.body(), max_bytes=max_bytes)
    except JsonBodyError as exc:
        return JSONResponse({"error": exc.reason}, status_code=exc.status)


def _document(shop: StorefrontShop) -> dict[str, Any]:
    verdicts = []
    on_time = shop.learned.on_time if shop.learned else None
    for badge in badges_from_settings(shop.settings.badges, on_time=on_time):
        check = check_badge(shop.facts, shop.setup, badge)
        sources = [{"origin": found.origin, "field": found.field, "says": found.says} for found in check.sources]
        if isinstance(check, Accepted):
            verdicts.append({"kind": check.kind, "ok": True, "claim": check.claim, "sources": sources})
        else:
            verdicts.append(
                {
                    "kind": check.kind,
                    "ok": False,
                    "reason": check.reason,
                    "withheld": check.withheld,
                    "sources": sources,
                }
            )
    return {"settings": settings_to_dict(shop.settings), "badges": verdicts}


def widget_settings_routes(authenticate: Authenticate) -> list[BaseRoute]:
    @documented(
        "Widget settings and each badge's verdict (shown, or refused with the reason)",
        {
            200: "{settings, badges: [{kind, ok, claim|reason, withheld, sources: [{origin, field, says}]}]}",
            401: "not signed in",
            404: "shop not installed",
        },
        tag="admin",
    )
    async def read(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        try:
            return JSONResponse(_document(await load_storefront_shop(services(request), shop)))
        except ShopUnavailable as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)

    @documented(
        "Change widget settings (missing keys keep their value)",
        {200: "the new settings and badge verdicts", 400: "the first bad field and why", 401: "not signed in"},
        tag="admin",
        request_body=Body("a partial settings object, as GET returns it", schema=widget_settings_schema()),
    )
    async def change(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        changes = await settings_changes(request, MAX_BODY_BYTES)
        if isinstance(changes, JSONResponse):
            return changes
        found = services(request)
        defaults = default_settings(found.settings.manifest.widgets)
        try:
            await save_widget_settings(found.redis, found.keys, shop, changes, defaults)
        except WidgetSettingsError as exc:
            return JSONResponse({"error": exc.reason, "field": exc.field}, status_code=400)
        try:
            return JSONResponse(_document(await load_storefront_shop(found, shop)))
        except ShopUnavailable as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)

    return [
        Route("/widgets/settings", read, methods=["GET"]),
        Route("/widgets/settings", change, methods=["PUT"]),
    ]
