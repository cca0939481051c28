"""The admin panel's session for BigCommerce staff: a short-lived signed cookie that works inside the iframe."""

from __future__ import annotations

from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.requests import HTTPConnection
from starlette.responses import Response

from plugin.keys import ShopRef
from plugin.settings import Settings

COOKIE_NAME = "upfront_bc_admin"
MAX_AGE_SECONDS = 30 * 60
_SALT = "upfront.bigcommerce.admin-session"


@dataclass(frozen=True)
class AdminSession:
    shop: ShopRef
    user_id: str
    locale: str | None = None  # the staff user's, as the load callback names it: the admin speaks it


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and accepts all of them: previous first, current last.
    secrets = list(reversed(settings.secret_keys())) or ["insecure-development-key"]
    return URLSafeTimedSerializer(secrets, salt=_SALT)


def issue_admin_session(
    response: Response, settings: Settings, shop: ShopRef, user_id: str, locale: str | None = None
) -> None:
    """The control panel frames us from another site: only SameSite=None; Secure cookies reach us there, and
    Partitioned keeps them working where third-party cookies are blocked."""
    value = _serializer(settings).dumps({"shop": shop.tag, "user": user_id, "locale": locale})
    response.set_cookie(
        COOKIE_NAME,
        value,
        max_age=MAX_AGE_SECONDS,
        path="/",
        secure=True,
        httponly=True,
        samesite="none",
    )
    # Starlette only writes `Partitioned` on Python >= 3.14: add it to the header just written.
    name, header = response.raw_headers[-1]
    if name == b"set-cookie" and header.startswith(COOKIE_NAME.encode() + b"="):
        response.raw_headers[-1] = (name, header + b"; Partitioned")


def read_admin_session(connection: HTTPConnection, settings: Settings) -> AdminSession | None:
    """The session of a request, or None when absent, forged, expired, or not a BigCommerce store."""
    raw = connection.cookies.get(COOKIE_NAME)
    if not raw:
        return None
    try:
        data = _serializer(settings).loads(raw, max_age=MAX_AGE_SECONDS)
        shop = ShopRef.parse(str(data["shop"]))
        user_id = str(data["user"])
        locale = data.get("locale")
    except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
        return None
    if shop.platform != "bigcommerce":
        return None
    return AdminSession(shop, user_id, locale if isinstance(locale, str) else None)
