"""Who is calling the admin: one resolver for both platforms. Every admin query is scoped to the shop it returns;
nothing in the URL or body ever names the shop.

- Shopify (embedded): `Authorization: Bearer <session token>` from App Bridge's `shopify.idToken()`, verified and,
  on a first visit, exchanged for an offline token (`plugin.shopify.session.authenticate_admin`).
- BigCommerce: the signed session cookie the load callback issues. The cookie is `SameSite=None` (the control
  panel frames us), so every state-changing request must also carry `X-Upfront-CSRF`: a token signed for the
  same store and user, which the admin page receives and a cross-site page cannot read.
"""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.exceptions import HTTPException
from starlette.requests import Request

from plugin.bigcommerce.admin_session import MAX_AGE_SECONDS, read_admin_session
from plugin.bigcommerce.users import USERS_FAMILY, StoreUser, StoreUsers
from plugin.keys import ShopRef
from plugin.services import Services, services
from plugin.settings import Settings
from plugin.shopify.session import authenticate_admin

CSRF_HEADER = "X-Upfront-CSRF"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
STAFF_SEEN_SECONDS = 3600  # a Shopify staff user's record is refreshed at most this often
_CSRF_SALT = "upfront.admin.csrf"


@dataclass(frozen=True)
class AdminSession:
    shop: ShopRef
    user_id: str
    platform: str  # how the caller signed in: "shopify" (session token) or "bigcommerce" (signed cookie)
    session_id: str = ""
    locale: str | None = None  # BigCommerce: the staff user's locale from the load callback


def _csrf_serializer(settings: Settings) -> URLSafeTimedSerializer:
    keys = list(reversed(settings.secret_keys())) or ["insecure-development-key"]  # signs with the last (current)
    return URLSafeTimedSerializer(keys, salt=_CSRF_SALT)


def issue_csrf_token(settings: Settings, shop: ShopRef, user_id: str) -> str:
    return _csrf_serializer(settings).dumps({"shop": shop.tag, "user": user_id})


def csrf_token_matches(settings: Settings, token: str, shop: ShopRef, user_id: str) -> bool:
    if not token:
        return False
    try:
        data = _csrf_serializer(settings).loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:
        return False
    return isinstance(data, dict) and data.get("shop") == shop.tag and data.get("user") == user_id


async def _record_shopify_staff(svc: Services, shop: ShopRef, user_id: str) -> None:
    seen = svc.keys.shop(shop, "admin", "staff_seen", user_id)
    if await svc.redis.set(seen, "1", nx=True, ex=STAFF_SEEN_SECONDS):
        await StoreUsers(svc.redis, svc.keys, svc.cipher).record(shop, StoreUser(user_id, None, "staff"))


async def authenticate(request: Request) -> AdminSession:
    """The admin session of a request; raises HTTPException 401 (not signed in), 403 (CSRF, removed user,
    uninstalled store) or 503 (Shopify unreachable during a token exchange)."""
    svc = services(request)
    if request.headers.get("authorization"):
        found = await authenticate_admin(request)  # 401 with App Bridge's retry header when invalid
        await _record_shopify_staff(svc, found.shop, found.user_id)
        return AdminSession(found.shop, found.user_id, "shopify", found.session_id)
    cookie = read_admin_session(request, svc.settings)
    if cookie is None:
        raise HTTPException(401, "not signed in: open Upfront from your Shopify or BigCommerce admin")
    if request.method not in SAFE_METHODS and not csrf_token_matches(
        svc.settings, request.headers.get(CSRF_HEADER, ""), cookie.shop, cookie.user_id
    ):
        raise HTTPException(403, f"missing or invalid {CSRF_HEADER} header")
    if not await svc.shops.is_active(cookie.shop):
        raise HTTPException(403, "Upfront is not installed for this store")
    if not await svc.redis.hexists(svc.keys.shop(cookie.shop, USERS_FAMILY), cookie.user_id):
        raise HTTPException(403, "this user no longer has access to Upfront for the store")
    return AdminSession(cookie.shop, cookie.user_id, "bigcommerce", locale=cookie.locale)


async def authenticated_shop(request: Request) -> ShopRef:
    return (await authenticate(request)).shop
