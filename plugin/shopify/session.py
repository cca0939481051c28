"""Embedded admin auth: App Bridge session tokens verified; a shop without a usable offline token gets one by
token exchange. `authenticate_admin(request)` is the dependency every admin route calls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from shopify import session_token
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from plugin.errors import AuthError, PlatformError
from plugin.keys import ShopRef
from plugin.openapi import documented
from plugin.services import services
from plugin.shopify.adapter import shopify_platform, shopify_secrets
from plugin.shopify.domains import normalize_shop_domain, shopify_shop
from plugin.shopify.sync import schedule_post_install

RETRY_HEADER = "X-Shopify-Retry-Invalid-Session-Request"
_BEARER = "Bearer "


@dataclass(frozen=True)
class AdminSession:
    shop: ShopRef
    user_id: str
    session_id: str


class InvalidSessionToken(HTTPException):
    """401 with the header that makes App Bridge fetch a new session token and retry."""

    def __init__(self, reason: str) -> None:
        super().__init__(status_code=401, detail=reason, headers={RETRY_HEADER: "1"})


def decode_session_token(authorization: str, api_key: str, secrets: Sequence[str]) -> tuple[ShopRef, dict[str, Any]]:
    """The shop and claims of a valid `Authorization: Bearer <session token>`; raises InvalidSessionToken."""
    payload: dict[str, Any] | None = None
    for secret in secrets:
        try:
            payload = session_token.decode_from_header(authorization, api_key, secret)
            break
        except (session_token.SessionTokenError, ValueError, TypeError):
            continue
    if payload is None:
        raise InvalidSessionToken("session token is missing, forged, expired or not for this app")
    if "exp" not in payload or "nbf" not in payload:
        raise InvalidSessionToken("session token lacks exp or nbf")
    shop = normalize_shop_domain(urlsplit(str(payload["dest"])).hostname)
    if shop is None:
        raise InvalidSessionToken("session token is not for a myshopify.com shop")
    return shopify_shop(shop), payload


async def authenticate_admin(request: Request) -> AdminSession:
    """Who is calling the admin API; ensures the shop has an offline token. Raises InvalidSessionToken (401)."""
    svc = services(request)
    authorization = request.headers.get("authorization", "")
    shop, claims = decode_session_token(authorization, svc.settings.shopify_api_key, shopify_secrets(svc.settings))
    try:
        obtained = await shopify_platform(svc).tokens.ensure_from_session_token(shop, authorization[len(_BEARER) :])
    except AuthError:
        raise InvalidSessionToken("Shopify refused to exchange the session token") from None
    except PlatformError as exc:
        raise HTTPException(503, "Shopify is not reachable; try again", headers={"Retry-After": "5"}) from exc
    if obtained:
        await schedule_post_install(svc.redis, svc.keys, shop)
    return AdminSession(shop=shop, user_id=str(claims["sub"]), session_id=str(claims.get("sid", "")))


@documented(
    "The shop and staff user behind a session token",
    {200: "{shop, user_id}", 401: "invalid session token (App Bridge retries)", 503: "Shopify unreachable"},
    tag="admin",
    security=["shopifySessionToken"],
)
async def admin_session(request: Request) -> JSONResponse:
    session = await authenticate_admin(request)
    return JSONResponse({"shop": session.shop.id, "user_id": session.user_id})
