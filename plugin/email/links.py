"""Signed links in emails: unsubscribe, preferences, survey answers, and the order-status page's purposes.

Tokens are itsdangerous URL-safe timed signatures with the app secret (current and previous key, for rotation) and
one salt per purpose, so a token for one purpose never opens another. The person is named by a pseudonymous subject
key; the identifiers the consent ledger needs (customer id, email) travel sealed with the app cipher, never readable
in a URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from plugin.crypto import DecryptionError
from plugin.keys import ShopRef
from plugin.services import Services

# Unsubscribe and preference links must keep working for as long as the email is kept; answers are for a survey.
MAX_AGE_SECONDS = {
    "unsubscribe": 400 * 24 * 3600,
    "preferences": 400 * 24 * 3600,
    "answer": 60 * 24 * 3600,
}
# Purposes signed here whose lifetime another module decides (the order-status page: the retention period).
OTHER_PURPOSES = ("status", "status_form")
_DEVELOPMENT_SECRET = "insecure-development-key"
_IDENTITY_BINDING = "email-link"


class LinkError(ValueError):
    """A link that is tampered with, for another purpose, malformed or expired."""

    def __init__(self, reason: str, *, expired: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.expired = expired


@dataclass(frozen=True)
class LinkClaims:
    """What a link says: the shop, the person (subject key), the order message it came from, and purpose data."""

    shop: ShopRef
    subject: str
    locale: str
    message: str = ""  # the message reference (see plugin.email.records)
    customer_id: str | None = None
    email: str | None = None
    kind: str | None = None  # answers: csat / nps
    score: int | None = None


def serializer(services: Services, purpose: str) -> URLSafeTimedSerializer:
    """The timed signer of one purpose: its own salt, so a token signed for another purpose never verifies."""
    if purpose not in MAX_AGE_SECONDS and purpose not in OTHER_PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    # itsdangerous signs with the last key and accepts every key: current last, previous before it.
    keys = list(reversed(services.settings.secret_keys())) or [_DEVELOPMENT_SECRET]
    return URLSafeTimedSerializer(keys, salt=f"upfront.email.{purpose}")


def make_token(services: Services, purpose: str, claims: LinkClaims) -> str:
    payload: dict[str, Any] = {"s": claims.shop.tag, "u": claims.subject, "l": claims.locale, "m": claims.message}
    if claims.customer_id or claims.email:
        identity = json.dumps({"c": claims.customer_id, "e": claims.email}, separators=(",", ":"))
        payload["i"] = services.cipher.encrypt(identity, associated=f"{_IDENTITY_BINDING}:{claims.shop.tag}")
    if claims.kind is not None:
        payload["k"] = claims.kind
    if claims.score is not None:
        payload["v"] = claims.score
    return str(serializer(services, purpose).dumps(payload))


def read_token(services: Services, purpose: str, token: str) -> LinkClaims:
    """The claims of a valid token; raises LinkError (nothing may be changed then)."""
    if not token or len(token) > 4096:
        raise LinkError("the link has no valid token")
    try:
        payload = serializer(services, purpose).loads(token, max_age=MAX_AGE_SECONDS[purpose])
    except SignatureExpired:
        raise LinkError("the link has expired", expired=True) from None
    except BadSignature:
        raise LinkError("the link is not valid") from None
    try:
        shop = ShopRef.parse(str(payload["s"]))
        customer_id = email = None
        if "i" in payload:
            sealed = services.cipher.decrypt(str(payload["i"]), associated=f"{_IDENTITY_BINDING}:{shop.tag}")
            identity = json.loads(sealed)
            customer_id, email = identity.get("c"), identity.get("e")
        score = payload.get("v")
        return LinkClaims(
            shop=shop,
            subject=str(payload["u"]),
            locale=str(payload.get("l") or "en"),
            message=str(payload.get("m") or ""),
            customer_id=customer_id,
            email=email,
            kind=payload.get("k"),
            score=score if isinstance(score, int) and not isinstance(score, bool) else None,
        )
    except (KeyError, TypeError, ValueError, AttributeError, DecryptionError) as exc:
        raise LinkError(f"the link is malformed ({type(exc).__name__})") from None


def link_url(services: Services, path: str, token: str) -> str:
    return f"{services.settings.app_url}{path}?{urlencode({'t': token})}"
