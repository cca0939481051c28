"""The order-status page's signed tokens: the page link (shop + order id, for as long as order data is retained) and
the form token its forms carry (bound to the same order, short-lived).

Both are signed by `plugin.email.links` (app secret, current and previous key, one salt per purpose), so an
unsubscribe or preferences token never opens the page, and a page token is no form token.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from itsdangerous import BadSignature, SignatureExpired

from plugin.email.links import LinkError, serializer
from plugin.keys import ShopRef
from plugin.retention import retention_seconds
from plugin.services import Services

PAGE_PURPOSE = "status"
FORM_PURPOSE = "status_form"
PAGE_PATH = "/o/"
FORM_MAX_AGE_SECONDS = 24 * 3600  # a page left open for a day is reloaded before its form is sent
MAX_TOKEN_LENGTH = 1024


@dataclass(frozen=True)
class OrderClaims:
    """What a page token says: the shop and the order, nothing about the person."""

    shop: ShopRef
    order_id: str


def page_token(services: Services, shop: ShopRef, order_id: str) -> str:
    return str(serializer(services, PAGE_PURPOSE).dumps({"s": shop.tag, "o": order_id}))


def status_url(services: Services, shop: ShopRef, order_id: str, *, via: str | None = None) -> str:
    """The page's link; `via` ("<stage>.<channel>", unsigned: it only counts which message was clicked)."""
    url = f"{services.settings.app_url}{PAGE_PATH}{page_token(services, shop, order_id)}"
    return f"{url}?via={via}" if via else url


def _loads(services: Services, purpose: str, token: str, max_age: int) -> dict[str, object]:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise LinkError("the link has no valid token")
    try:
        payload = serializer(services, purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise LinkError("the link has expired", expired=True) from None
    except BadSignature:
        raise LinkError("the link is not valid") from None
    if not isinstance(payload, dict):
        raise LinkError("the link is malformed")
    return payload


def read_page_token(services: Services, token: str) -> OrderClaims:
    """The order a valid page token names; LinkError otherwise (expired after the retention period)."""
    payload = _loads(services, PAGE_PURPOSE, token, retention_seconds(services.settings.retention_days))
    order_id = payload.get("o")
    try:
        shop = ShopRef.parse(str(payload.get("s")))
    except (ValueError, TypeError):
        raise LinkError("the link is malformed") from None
    if not isinstance(order_id, str) or not order_id or len(order_id) > 64:
        raise LinkError("the link is malformed")
    return OrderClaims(shop, order_id)


def form_token(services: Services, claims: OrderClaims) -> str:
    nonce = secrets.token_urlsafe(8)
    return str(serializer(services, FORM_PURPOSE).dumps({"s": claims.shop.tag, "o": claims.order_id, "n": nonce}))


def check_form_token(services: Services, claims: OrderClaims, token: str) -> None:
    """A form token issued by this order's page in the last day; LinkError otherwise."""
    payload = _loads(services, FORM_PURPOSE, token, FORM_MAX_AGE_SECONDS)
    if payload.get("s") != claims.shop.tag or payload.get("o") != claims.order_id:
        raise LinkError("the form belongs to another page")
