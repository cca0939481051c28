"""Shopify's three signatures: the install/OAuth query `hmac`, the app proxy `signature`, the webhook body HMAC."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence

from plugin.shopify.domains import SHOP_DOMAIN, normalize_shop_domain

MAX_CLOCK_SKEW_SECONDS = 90
QueryPairs = Sequence[tuple[str, str]]

# The signed parameters' shapes, for the OpenAPI document: what is refused as malformed (400) before any signature.
SHOP_DOMAIN_SCHEMA = {"type": "string", "pattern": SHOP_DOMAIN.pattern}
TIMESTAMP_SCHEMA = {"type": "string", "pattern": "^[0-9]{1,12}$"}
HEX_DIGEST_SCHEMA = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

# A second copy of one of these is how a replayed, spliced query looks: refuse it like a forgery.
_SINGLE_USE_KEYS = ("hmac", "signature", "shop", "timestamp")


class SignatureError(Exception):
    """A signed request we refuse: `status` is 401 for forged/expired/replayed, 400 for malformed."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def _hex_hmac(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def _matches_any(secrets: Iterable[str], message: str, given: str) -> bool:
    found = False
    for secret in secrets:  # no early exit: the time taken does not tell which secret matched
        found |= hmac.compare_digest(_hex_hmac(secret, message).encode(), given.encode())
    return found


def _grouped(pairs: QueryPairs) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for key, value in pairs:
        grouped.setdefault(key, []).append(value)
    return grouped


def _refuse_duplicates(grouped: dict[str, list[str]], keys: Iterable[str]) -> None:
    for key in keys:
        if len(grouped.get(key, ())) > 1:
            raise SignatureError(401, f"parameter {key!r} appears more than once")


def _escape_value(value: str) -> str:
    return value.replace("%", "%25").replace("&", "%26")


def _escape_key(key: str) -> str:
    return _escape_value(key).replace("=", "%3D")


def install_message(pairs: QueryPairs) -> str:
    """What Shopify signs on install and OAuth redirects: every parameter but `hmac`/`signature`, decoded,
    sorted by key, `k=v` joined by `&`; `ids[]=2&ids[]=1` becomes `ids=["2", "1"]`."""
    singles: dict[str, str] = {}
    arrays: dict[str, list[str]] = {}
    for key, value in pairs:
        if key in ("hmac", "signature"):
            continue
        if key.endswith("[]"):
            arrays.setdefault(key[:-2], []).append(value)
        elif key in singles:
            raise SignatureError(400, f"parameter {key!r} appears more than once")
        else:
            singles[key] = value
    for key, values in arrays.items():
        if key in singles:
            raise SignatureError(400, f"parameter {key!r} is both a value and an array")
        singles[key] = json.dumps(values, ensure_ascii=False)
    return "&".join(f"{_escape_key(key)}={_escape_value(singles[key])}" for key in sorted(singles))


def sign_install_query(secret: str, pairs: QueryPairs) -> str:
    return _hex_hmac(secret, install_message(pairs))


def proxy_message(pairs: QueryPairs) -> str:
    """What Shopify signs on app proxy requests: sorted `k=v`, unencoded, no separator, repeats joined by `,`."""
    grouped = _grouped([(key, value) for key, value in pairs if key != "signature"])
    return "".join(f"{key}={','.join(grouped[key])}" for key in sorted(grouped))


def sign_proxy_query(secret: str, pairs: QueryPairs) -> str:
    return _hex_hmac(secret, proxy_message(pairs))


def _check_timestamp(value: str, now: float) -> None:
    if not value.isdigit():
        raise SignatureError(400, "timestamp is not a number of seconds")
    if abs(now - int(value)) > MAX_CLOCK_SKEW_SECONDS:
        raise SignatureError(401, "timestamp is more than 90 seconds away from now")


def _required(grouped: dict[str, list[str]], key: str, status: int = 400) -> str:
    values = grouped.get(key)
    if not values or not values[0]:
        raise SignatureError(status, f"parameter {key!r} is missing")
    return values[0]


def verify_install_query(pairs: QueryPairs, secrets: Sequence[str], now: float) -> dict[str, str]:
    """Check an install/callback query; returns its single-valued parameters with `shop` normalized."""
    grouped = _grouped(pairs)
    _refuse_duplicates(grouped, _SINGLE_USE_KEYS)
    given = _required(grouped, "hmac")
    shop = normalize_shop_domain(_required(grouped, "shop"))
    timestamp = _required(grouped, "timestamp")
    if shop is None:
        raise SignatureError(400, "shop is not a valid myshopify.com domain")
    message = install_message(pairs)
    if not secrets or not _matches_any(secrets, message, given.lower()):
        raise SignatureError(401, "hmac does not match")
    _check_timestamp(timestamp, now)
    params = {key: values[0] for key, values in grouped.items() if not key.endswith("[]")}
    params["shop"] = shop
    return params


def verify_proxy_query(pairs: QueryPairs, secrets: Sequence[str], now: float) -> dict[str, str]:
    """Check an app proxy query; returns its parameters (repeats joined by `,`) with `shop` normalized."""
    grouped = _grouped(pairs)
    _refuse_duplicates(grouped, _SINGLE_USE_KEYS)
    given = _required(grouped, "signature", status=401)
    if not secrets or not _matches_any(secrets, proxy_message(pairs), given.lower()):
        raise SignatureError(401, "signature does not match")
    shop = normalize_shop_domain(_required(grouped, "shop"))
    if shop is None:
        raise SignatureError(400, "shop is not a valid myshopify.com domain")
    _check_timestamp(_required(grouped, "timestamp"), now)
    params = {key: ",".join(values) for key, values in grouped.items() if key != "signature"}
    params["shop"] = shop
    return params


def webhook_digest(secret: str, body: bytes) -> bytes:
    """The base64 HMAC-SHA256 Shopify sends in X-Shopify-Hmac-Sha256, as bytes."""
    return base64.b64encode(hmac.digest(secret.encode(), body, "sha256"))  # one-shot: the C fast path


def verify_webhook_hmac(body: bytes, given: str, secrets: Sequence[str]) -> bool:
    offered = given.strip().encode()
    found = False
    for secret in secrets:  # every secret, match or not: the time taken says nothing about which one matched
        found |= hmac.compare_digest(webhook_digest(secret, body), offered)
    return found
