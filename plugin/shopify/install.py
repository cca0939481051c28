"""Install by authorization code grant: `/shopify/install` binds a state to the browser and sends the merchant
to Shopify; `/shopify/callback` checks it all, stores the token and queues the post-install work."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from urllib.parse import parse_qsl, urlencode

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from plugin.errors import AuthError, PlatformError
from plugin.keys import ShopRef
from plugin.openapi import QueryParam, documented
from plugin.services import services
from plugin.settings import Settings
from plugin.shopify.adapter import shopify_platform, shopify_secrets
from plugin.shopify.domains import shop_origin, shopify_shop
from plugin.shopify.signatures import (
    HEX_DIGEST_SCHEMA,
    SHOP_DOMAIN_SCHEMA,
    TIMESTAMP_SCHEMA,
    SignatureError,
    verify_install_query,
)
from plugin.shopify.sync import schedule_post_install

log = logging.getLogger(__name__)

STATE_COOKIE = "upfront_shopify_state"
STATE_MAX_AGE_SECONDS = 600
_COOKIE_PATH = "/shopify"
_SIGNED_QUERY = (
    QueryParam("shop", "the shop's myshopify.com domain", required=True, schema=SHOP_DOMAIN_SCHEMA),
    QueryParam("timestamp", "seconds since the epoch, within 90 s of now", required=True, schema=TIMESTAMP_SCHEMA),
    QueryParam("hmac", "hex HMAC-SHA256 of the other parameters", required=True, schema=HEX_DIGEST_SCHEMA),
)


def _state_signer(settings: Settings) -> URLSafeTimedSerializer:
    keys = settings.secret_keys() or ["insecure-development-key"]
    return URLSafeTimedSerializer(list(reversed(keys)), salt="shopify-oauth-state")  # newest key last


def _verified(request: Request) -> dict[str, str]:
    pairs = parse_qsl(request.url.query, keep_blank_values=True)
    return verify_install_query(pairs, shopify_secrets(services(request).settings), time.time())


def _refused(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


def admin_url(settings: Settings, shop: ShopRef) -> str:
    """Where a merchant lands after installing: the app inside the Shopify admin, or our own admin page."""
    if settings.manifest.shopify.embedded:
        return f"{shop_origin(settings.shopify_origin, shop)}/admin/apps/{settings.shopify_api_key}"
    return f"{settings.app_url}/admin/?{urlencode({'shop': shop.id})}"


@documented(
    "Start a Shopify install (authorization code grant)",
    {302: "to Shopify's consent screen, or into the app when already installed", 400: "malformed", 401: "forged"},
    tag="shopify",
    query=_SIGNED_QUERY,
)
async def install(request: Request) -> Response:
    svc = services(request)
    try:
        params = _verified(request)
    except SignatureError as exc:
        return _refused(exc.status, exc.reason)
    shop = shopify_shop(params["shop"])
    if params.get("embedded") == "1":
        # Opened inside the Shopify admin: the admin page authenticates by session token (token exchange).
        return RedirectResponse(f"/admin/?{request.url.query}", status_code=302)
    if await svc.shops.is_active(shop) and await svc.shops.load_token(shop) is not None:
        return RedirectResponse(admin_url(svc.settings, shop), status_code=302)
    state = secrets.token_hex(32)
    authorize = urlencode(
        {
            "client_id": svc.settings.shopify_api_key,
            "scope": ",".join(svc.settings.manifest.shopify.scopes),
            "redirect_uri": f"{svc.settings.app_url}/shopify/callback",
            "state": state,
        }
    )
    response = RedirectResponse(
        f"{shop_origin(svc.settings.shopify_origin, shop)}/admin/oauth/authorize?{authorize}", status_code=302
    )
    response.set_cookie(
        STATE_COOKIE,
        _state_signer(svc.settings).dumps({"state": state, "shop": shop.id}),
        max_age=STATE_MAX_AGE_SECONDS,
        path=_COOKIE_PATH,
        secure=True,
        httponly=True,
        samesite="lax",
    )
    return response


def _state_matches(request: Request, settings: Settings, state: str, shop: ShopRef) -> bool:
    cookie = request.cookies.get(STATE_COOKIE)
    if not cookie:
        return False
    try:
        saved = _state_signer(settings).loads(cookie, max_age=STATE_MAX_AGE_SECONDS)
    except BadSignature:
        return False
    if not isinstance(saved, dict) or not isinstance(saved.get("state"), str):
        return False
    same_state = hmac.compare_digest(saved["state"].encode(), state.encode())
    return same_state and saved.get("shop") == shop.id


@documented(
    "Finish a Shopify install: check hmac and state, exchange the code, store the token",
    {
        302: "into the app",
        400: "malformed, or the code was refused",
        401: "forged, expired, or not this browser's install",
        503: "Shopify unreachable",
    },
    tag="shopify",
    query=(
        *_SIGNED_QUERY,
        QueryParam("code", "authorization code", required=True, schema={"type": "string", "minLength": 1}),
        QueryParam("state", "the state we issued", required=True, schema={"type": "string", "minLength": 1}),
    ),
)
async def callback(request: Request) -> Response:
    svc = services(request)
    try:
        params = _verified(request)
    except SignatureError as exc:
        return _refused(exc.status, exc.reason)
    shop = shopify_shop(params["shop"])
    code, state = params.get("code"), params.get("state")
    if not code or not state:
        return _refused(400, "code or state is missing")
    if not _state_matches(request, svc.settings, state, shop):
        return _refused(401, "state does not match the install this browser started")
    platform = shopify_platform(svc)
    try:
        token = await platform.endpoint.exchange_code(shop, code)
    except AuthError:
        return _refused(400, "Shopify refused the authorization code (expired or already used)")
    except PlatformError as exc:
        log.warning("code exchange failed", extra={"shop": shop.tag, "error": str(exc)})
        return _refused(503 if exc.retryable else 502, "Shopify could not complete the install; try again")
    await platform.tokens.store(shop, token, install=True)
    await schedule_post_install(svc.redis, svc.keys, shop)
    log.info("shop installed", extra={"shop": shop.tag})
    response = RedirectResponse(admin_url(svc.settings, shop), status_code=302)
    response.delete_cookie(STATE_COOKIE, path=_COOKIE_PATH, secure=True, httponly=True, samesite="lax")
    return response
