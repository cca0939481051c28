"""The admin panel's routes under `/admin`: a page shell per page, and the authenticated API under `/admin/api`.

The composition root adds `admin_mount()` after `/admin/api/session` (a Starlette mount never falls through, so
that route must come first).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from plugin.admin.at_risk import at_risk_routes
from plugin.admin.auth import authenticated_shop, issue_csrf_token
from plugin.admin.dashboard_routes import dashboard_routes
from plugin.admin.dev import dev_admin_of
from plugin.admin.email_routes import email_admin_routes
from plugin.admin.help_pages import help_page_routes
from plugin.admin.language import LOCALE_HEADER, admin_locale, request_locale, texts
from plugin.admin.privacy_routes import privacy_routes
from plugin.admin.setup_routes import setup_routes
from plugin.admin.web import NO_STORE, PAGES, page_label, page_url, render
from plugin.admin.widget_pages import widget_page_routes
from plugin.bigcommerce.admin_session import AdminSession as BigCommerceSession
from plugin.bigcommerce.admin_session import read_admin_session
from plugin.bigcommerce.pages import FRAME_ANCESTORS as BIGCOMMERCE_FRAME_ANCESTORS
from plugin.content_security import admin_page_policy, new_nonce
from plugin.helpdesk.admin import helpdesk_admin_routes
from plugin.openapi import HTML, DocumentedMount, QueryParam, documented
from plugin.order_status.admin import status_admin_routes
from plugin.services import services
from plugin.settings import Settings
from plugin.shopify.domains import normalize_shop_domain, shop_origin
from plugin.sms.admin import sms_admin_routes
from plugin.tracking.admin import tracking_admin_routes
from widgets.help.admin import help_admin_routes
from widgets.settings_http import widget_settings_routes
from widgets.storefront import WidgetRuntime, utc_now

SHOPIFY_ADMIN = "https://admin.shopify.com"
# `admin_endpoint` answers these before any handler runs: who is calling, and may they change things.
ADMIN_API_RESPONSES = {
    401: "not signed in, or the session token is invalid (App Bridge retries)",
    403: "CSRF token missing, or the store or user no longer has access",
    503: "Shopify or storage unreachable; try again",
}
ADMIN_API_SECURITY = ("shopifySessionToken", "bigcommerceSession")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def shopify_frame_ancestors(settings: Settings, shop_param: str | None) -> str:
    """Shopify requires the admin and the shop's own domain as the only framing origins."""
    shop = normalize_shop_domain(shop_param) if shop_param else None
    if shop is None:
        return f"{SHOPIFY_ADMIN} https://*.myshopify.com"
    return f"{SHOPIFY_ADMIN} {_origin(shop_origin(settings.shopify_origin, shop))}"


# What the shell's script says without a round trip (errors it meets, an export's count).
SHELL_SCRIPT_TEXTS = (
    "shell_failed",
    "shell_expired_shopify",
    "shell_expired_bigcommerce",
    "shell_open_from_shopify",
    "shell_export_created",
)


def render_shell(request: Request, page: str) -> HTMLResponse:
    svc = services(request)
    settings = svc.settings
    cookie = read_admin_session(request, settings)
    with admin_locale(request_locale(request, cookie.locale if cookie else None)) as locale:
        return _shell(request, page, cookie, locale)


def _shell(request: Request, page: str, cookie: BigCommerceSession | None, locale: str) -> HTMLResponse:
    settings = services(request).settings
    nonce = new_nonce()
    context = {
        "nonce": nonce,
        "page": page,
        "title": page_label(page),
        "nav": [(key, page_label(key), page_url(key)) for key in PAGES],
        "identity": None,
        "api_key": settings.shopify_api_key,
        "dev": dev_admin_of(request),
        "locale": locale,
        "locale_header": LOCALE_HEADER,
        "script_texts": dict(texts(*SHELL_SCRIPT_TEXTS)),
    }
    if cookie is not None:  # BigCommerce: the cookie decides how the page script authenticates, nothing else
        html = render(
            "admin/shell.html",
            auth="bigcommerce",
            csrf=issue_csrf_token(settings, cookie.shop, cookie.user_id),
            **context,
        )
        ancestors = BIGCOMMERCE_FRAME_ANCESTORS
    else:
        html = render("admin/shell.html", auth="shopify", csrf="", **context)
        ancestors = shopify_frame_ancestors(settings, request.query_params.get("shop"))
    return HTMLResponse(
        html,
        headers={
            **NO_STORE,
            "Content-Security-Policy": admin_page_policy(
                nonce=nonce, frame_ancestors=ancestors, app_bridge=cookie is None
            ),
            "Referrer-Policy": "strict-origin-when-cross-origin",
        },
    )


@documented(
    "An admin page: the shell that loads the page's content with the signed-in session",
    {200: "HTML (no shop data: the content is fetched with the session)", 404: "no such page"},
    tag="admin",
    query=(QueryParam("shop", "Shopify: the shop domain, only to allow its admin to frame the page"),),
    media=HTML,
    errors=HTML,
)
async def admin_page(request: Request) -> Response:
    page = request.path_params.get("page", "home")
    if page not in PAGES:
        return HTMLResponse("No such page", status_code=404, headers=NO_STORE)
    return render_shell(request, page)


def admin_mount(*, clock: Callable[[], datetime] = utc_now) -> Mount:
    runtime = WidgetRuntime(clock=clock)
    api: list[BaseRoute] = [
        *setup_routes(),
        *dashboard_routes(),
        *widget_page_routes(runtime),
        *help_page_routes(runtime),
        *widget_settings_routes(authenticated_shop),
        *email_admin_routes(),
        *privacy_routes(),
        *help_admin_routes(authenticated_shop, clock=clock),
        *at_risk_routes(),
        *tracking_admin_routes(),
        *sms_admin_routes(),
        *helpdesk_admin_routes(authenticated_shop),
        *status_admin_routes(),
    ]
    return Mount(
        "/admin",
        routes=[
            DocumentedMount("/api", routes=api, responses=ADMIN_API_RESPONSES, security=ADMIN_API_SECURITY),
            Route("/", admin_page, methods=["GET"]),
            Route("/{page}", admin_page, methods=["GET"]),
        ],
    )
