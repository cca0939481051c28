"""Verification of the `signed_payload_jwt` BigCommerce sends to the load, uninstall and remove-user callbacks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import jwt

from plugin.keys import ShopRef

ISSUER = "bc"
ALGORITHMS = ["HS256"]  # never taken from the token's own header
LEEWAY_SECONDS = 10  # BigCommerce's `nbf` can be a little ahead of our clock
STORE_HASH = re.compile(r"^[a-z0-9]{1,32}$")
_SUBJECT = re.compile(r"^stores/([a-z0-9]{1,32})$")


class SignedPayloadError(Exception):
    """The payload is forged, expired, meant for another app, or malformed."""


@dataclass(frozen=True)
class StaffUser:
    id: str
    email: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class SignedPayload:
    """What a verified callback tells us: which store, and which of its staff users is acting."""

    shop: ShopRef
    user: StaffUser
    owner_id: str | None
    url: str | None
    channel_id: int | None

    @property
    def user_is_owner(self) -> bool:
        return self.owner_id is not None and self.owner_id == self.user.id


def shop_from_context(context: str) -> ShopRef:
    """`stores/{hash}` (the auth callback's `context`, the JWT's `sub`, a webhook's `producer`) -> ShopRef."""
    match = _SUBJECT.match(context)
    if match is None:
        raise ValueError(f"{context!r} is not a store context like stores/abc123")
    return ShopRef("bigcommerce", match.group(1))


def _user(claims: dict[str, Any]) -> StaffUser:
    user = claims.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), int | str) or str(user["id"]) == "":
        raise SignedPayloadError("payload has no user id")
    email, locale = user.get("email"), user.get("locale")
    return StaffUser(
        id=str(user["id"]),
        email=email if isinstance(email, str) and email else None,
        locale=locale if isinstance(locale, str) and locale else None,
    )


def verify_signed_payload(token: str, *, client_id: str, client_secret: str) -> SignedPayload:
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            client_secret,
            algorithms=ALGORITHMS,
            audience=client_id,
            issuer=ISSUER,
            leeway=LEEWAY_SECONDS,
            options={"require": ["exp", "nbf", "iss", "aud", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise SignedPayloadError(f"signed payload refused: {type(exc).__name__}") from exc
    try:
        shop = shop_from_context(str(claims["sub"]))
    except ValueError as exc:
        raise SignedPayloadError("payload subject is not a store") from exc
    owner = claims.get("owner")
    owner_id = str(owner["id"]) if isinstance(owner, dict) and owner.get("id") is not None else None
    url, channel = claims.get("url"), claims.get("channel_id")
    return SignedPayload(
        shop=shop,
        user=_user(claims),
        owner_id=owner_id,
        url=url if isinstance(url, str) else None,
        channel_id=channel if isinstance(channel, int) else None,
    )
