"""The order-status page in the admin: branding (logo, colours) with a preview rendered from a sample order in the
shop's own setup, and how the page is used per day (visits, help requests sent from it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.admin.language_names import language_name
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment, json_body
from plugin.email.wording import pick_locale
from plugin.openapi import Body, documented
from plugin.order_status.branding import (
    Branding,
    BrandingError,
    branding_from_dict,
    branding_schema,
    load_branding,
    save_branding,
)
from plugin.order_status.metrics import daily_counts
from plugin.order_status.page import FormState, build_page, render_page
from plugin.platform import ShopFacts
from plugin.shop_data import load_facts
from plugin.shop_days import shop_today
from widgets.help.settings import default_help_settings, load_help_settings

SECURITY = ["shopifySessionToken"]
DAYS_SHOWN = 14


def sample_state(now: datetime) -> dict[str, Any]:
    """An order in the middle of its journey: two parcels, one on its way and one the carrier reports a problem
    with, so the preview shows every part of the page."""
    placed = now - timedelta(days=3)
    shipped = now - timedelta(days=2)
    return {
        "id": "preview",
        "name": "#1001",
        "status": "fulfilled",
        "created_at": placed.isoformat(),
        "updated_at": now.isoformat(),
        "customer_id": None,
        "quantity": 2,
        "destination": {"country": "DE", "province": None, "postcode": None},
        "shipping_method": None,
        "shipments": [
            {
                "id": "1",
                "status": "in_transit",
                "carrier": "DHL",
                "tracking_number": "00340434161094042557",
                "tracking_url": "https://www.dhl.de/en/privatkunden.html",
                "shipped_at": shipped.isoformat(),
                "updated_at": (shipped + timedelta(hours=20)).isoformat(),
                "delivered_at": None,
            },
            {
                "id": "2",
                "status": "failed",
                "carrier": "UPS",
                "tracking_number": "1Z999AA10123456784",
                "tracking_url": "https://www.ups.com/track",
                "shipped_at": shipped.isoformat(),
                "updated_at": (now - timedelta(hours=3)).isoformat(),
                "delivered_at": None,
            },
        ],
    }


async def _preview_html(call: AdminCall, facts: ShopFacts, branding: Branding, locale: str) -> str:
    services = call.services
    defaults = default_help_settings(services.settings.manifest.widgets)
    help_settings = await load_help_settings(services.redis, services.keys, call.shop, defaults, facts.timezone)
    now = datetime.now(UTC)
    model = await build_page(
        services,
        facts=facts,
        branding=branding,
        help_settings=help_settings,
        state=sample_state(now),
        locale=locale,
        action="/o/preview",
        form=FormState("preview"),
        now=now,
    )
    return render_page(model)


async def _facts(call: AdminCall) -> ShopFacts | None:
    return await load_facts(call.services.redis, call.services.keys, call.shop)


@admin_endpoint
@documented(
    "Order-status page (HTML fragment): branding with a preview of a sample order, visits and help requests per day",
    {200: "HTML", 401: "not signed in", 409: "the shop's details are not synced yet"},
    tag="admin",
    security=SECURITY,
)
async def status_fragment(call: AdminCall) -> Response:
    facts = await _facts(call)
    if facts is None:
        return error(409, "the shop's details are not synced yet; try again in a minute")
    branding = await load_branding(call.services, call.shop)
    locale = pick_locale(facts.locale)
    days = await daily_counts(call.services, call.shop, days=DAYS_SHOWN, today=shop_today(facts.timezone, call.now()))
    visits, help_requests = sum(day.visits for day in days), sum(day.help for day in days)
    return fragment(
        "admin/status_page.html",
        branding=branding,
        preview=await _preview_html(call, facts, branding, locale),
        locale=locale,
        language=language_name(locale),
        days=days,
        visits=visits,
        help_requests=help_requests,
    )


BRANDING_BODY = Body(
    '{"logo_url"?, "accent"?, "text"?}: missing keys keep their value (none: nothing changes)',
    schema=branding_schema(),
    required=False,
)


@admin_endpoint
@documented(
    "Save the order-status page's branding (https logo URL, hex colours readable on white)",
    {200: "{branding}", 400: "the first bad field and why", 401: "not signed in", 403: "CSRF token missing"},
    tag="admin",
    request_body=BRANDING_BODY,
    security=SECURITY,
)
async def save_status_branding(call: AdminCall) -> Response:
    data = await json_body(call.request)
    try:
        branding = branding_from_dict(data, await load_branding(call.services, call.shop))
    except BrandingError as exc:
        return error(400, exc.reason, exc.field)
    await save_branding(call.services, call.shop, branding)
    body = {
        "branding": {"logo_url": branding.logo_url, "accent": branding.accent, "text": branding.text},
        "shown": {"accent": branding.page_accent, "text": branding.page_text},  # darkened when too light to read
    }
    return JSONResponse(body, headers={"Cache-Control": "no-store"})


@admin_endpoint
@documented(
    "Preview the order-status page with unsaved branding (HTML fragment; nothing is saved)",
    {200: "HTML", 400: "the first bad field and why", 401: "not signed in", 409: "shop details not synced yet"},
    tag="admin",
    request_body=BRANDING_BODY,
    security=SECURITY,
)
async def preview_status_page(call: AdminCall) -> Response:
    data = await json_body(call.request)
    facts = await _facts(call)
    if facts is None:
        return error(409, "the shop's details are not synced yet; try again in a minute")
    try:
        branding = branding_from_dict(data, await load_branding(call.services, call.shop))
    except BrandingError as exc:
        return error(400, exc.reason, exc.field)
    html = await _preview_html(call, facts, branding, pick_locale(facts.locale))
    return fragment("admin/status_preview.html", preview=html)


def status_admin_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/status", status_fragment, methods=["GET"]),
        Route("/status-page/branding", save_status_branding, methods=["PUT"]),
        Route("/status-page/preview", preview_status_page, methods=["POST"]),
    ]
