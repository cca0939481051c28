"""The merchant's one helpdesk connection: what it is, its account, and its credentials encrypted at rest (bound to
the shop, so a copied value does not decrypt elsewhere). The admin only ever sees the last characters of a secret.

Key: ``helpdesk:connection`` (hash: kind, account JSON, sealed secrets, webhook token, connected_at, last_test) under
the shop's hash tag. The status webhook URL names the shop and carries the connection's random token, so only the
helpdesk the merchant gave it to can reach the shop's endpoint.
"""

from __future__ import annotations

import hmac
import json
import logging
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plugin.crypto import DecryptionError
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_text

log = logging.getLogger(__name__)

FAMILY = "helpdesk"
KINDS = ("gorgias", "zendesk", "chatwoot")
NAMES = {"gorgias": "Gorgias", "zendesk": "Zendesk", "chatwoot": "Chatwoot"}
# Per kind: the account fields (not secret) and the secrets, each with whether it is required.
ACCOUNT_FIELDS: dict[str, tuple[str, ...]] = {
    "gorgias": ("domain", "email"),
    "zendesk": ("subdomain", "email"),
    "chatwoot": ("base_url", "account_id", "inbox_id"),
}
SECRET_FIELDS: dict[str, tuple[tuple[str, bool], ...]] = {
    "gorgias": (("api_key", True),),
    "zendesk": (("api_token", True), ("webhook_secret", False)),
    "chatwoot": (("api_access_token", True),),
}
_SUBDOMAIN = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_NUMBER = re.compile(r"^[1-9][0-9]{0,11}$")
_SECRET = re.compile(r"^[!-~]{8,200}$")
ACCOUNT_PATTERNS = {
    "subdomain": _SUBDOMAIN,
    "domain": _SUBDOMAIN,
    # Whitespace spelled out: `\s` means more characters in Python than in the tools that read the schema.
    "email": re.compile(r"^[^@ \t\r\n]{1,64}@[^@ \t\r\n]{1,190}\.[^@ \t\r\n]{1,60}$"),
    "base_url": re.compile(r"^https://[A-Za-z0-9.-]{1,253}(?::[0-9]{1,5})?(?:/[A-Za-z0-9._~-]+)*/?$"),
    "account_id": _NUMBER,
    "inbox_id": _NUMBER,
}
ACCOUNT_HINTS = {
    "subdomain": "must be your Zendesk subdomain: yourshop, from yourshop.zendesk.com",
    "domain": "must be your Gorgias subdomain: yourshop, from yourshop.gorgias.com",
    "email": "must be the email address of the user the API key belongs to",
    "base_url": "must be your Chatwoot address starting with https://, e.g. https://app.chatwoot.com",
    "account_id": "must be a number, as in the Chatwoot URL /app/accounts/<number>",
    "inbox_id": "must be the number of the API inbox, as in its settings URL",
}
SHOWN_SECRET_CHARS = 4


class ConnectionInputError(ValueError):
    def __init__(self, field: str, reason: str, *, status: int = 400) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.status = status


@dataclass(frozen=True)
class Connection:
    kind: str
    account: Mapping[str, str]
    secrets: Mapping[str, str]
    webhook_token: str
    connected_at: str
    shop: ShopRef
    last_test: Mapping[str, Any] | None = None

    @property
    def name(self) -> str:
        return NAMES[self.kind]

    def public(self, app_url: str) -> dict[str, Any]:
        """For the admin: the account, each secret as its last characters only, and where to point webhooks."""
        return {
            "kind": self.kind,
            "name": self.name,
            "account": dict(self.account),
            "secrets": {name: masked(value) for name, value in self.secrets.items()},
            "webhook_url": f"{app_url}/helpdesk/{self.kind}/{self.shop.platform}/{self.shop.id}/{self.webhook_token}",
            "connected_at": self.connected_at,
            "last_test": None if self.last_test is None else dict(self.last_test),
        }


def connection_schema() -> dict[str, Any]:
    """What `parse_connection` accepts, for /openapi.json: one shape per helpdesk, told apart by `kind`."""
    secret = {"anyOf": [{"type": "string", "pattern": _SECRET.pattern}, {"type": "null"}]}
    shapes = []
    for kind in KINDS:
        properties: dict[str, Any] = {"kind": {"const": kind}}
        properties |= {
            name: {"type": "string", "pattern": ACCOUNT_PATTERNS[name].pattern} for name in ACCOUNT_FIELDS[kind]
        }
        properties |= {name: secret for name, _ in SECRET_FIELDS[kind]}
        shapes.append({"type": "object", "required": ["kind", *ACCOUNT_FIELDS[kind]], "properties": properties})
    return {"oneOf": shapes}


def masked(value: str) -> str:
    return "•" * 8 + value[-SHOWN_SECRET_CHARS:] if len(value) > 2 * SHOWN_SECRET_CHARS else "•" * 8


def connection_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, FAMILY, "connection")


def _account_value(name: str, value: object) -> str:
    # Checked exactly as `connection_schema` says (the same patterns), so the document and the endpoint agree.
    if not isinstance(value, str) or not ACCOUNT_PATTERNS[name].match(value):
        raise ConnectionInputError(name, ACCOUNT_HINTS[name])
    return value.rstrip("\n").rstrip("/") if name == "base_url" else value.rstrip("\n")


def parse_connection(
    shop: ShopRef, data: Mapping[str, Any], current: Connection | None, *, now: datetime | None = None
) -> Connection:
    """The admin's form as a connection, or ConnectionInputError naming the first bad field. A secret left out (or
    null) keeps the one already stored for the same helpdesk, so the merchant need not paste it again to change an
    id; with none stored, a required one is missing (409: the request is fine, the state lacks it)."""
    kind = data.get("kind")
    if kind not in KINDS:
        raise ConnectionInputError("kind", f"must be one of {', '.join(KINDS)}")
    account = {name: _account_value(name, data.get(name)) for name in ACCOUNT_FIELDS[kind]}
    kept = current.secrets if current is not None and current.kind == kind else {}
    found: dict[str, str] = {}
    for name, required in SECRET_FIELDS[kind]:
        value = data.get(name)
        if value is None:
            if name in kept:
                found[name] = kept[name]
            elif required:
                raise ConnectionInputError(name, "is required (none is stored to keep)", status=409)
            continue
        if not isinstance(value, str) or not _SECRET.match(value):
            raise ConnectionInputError(name, "must be 8-200 characters without spaces, as the helpdesk shows it")
        found[name] = value.rstrip("\n")
    token = current.webhook_token if current is not None and current.kind == kind else secrets.token_urlsafe(24)
    moment = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return Connection(kind, account, found, token, moment, shop)


def _binding(shop: ShopRef) -> str:
    return f"{shop.tag}:{FAMILY}:connection"


async def save_connection(services: Services, shop: ShopRef, connection: Connection) -> None:
    sealed = services.cipher.encrypt(json.dumps(dict(connection.secrets)), associated=_binding(shop))
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.delete(connection_key(services, shop))
        pipe.hset(
            connection_key(services, shop),
            mapping={
                "kind": connection.kind,
                "account": json.dumps(dict(connection.account)),
                "secrets": sealed,
                "webhook_token": connection.webhook_token,
                "connected_at": connection.connected_at,
            },
        )
        await pipe.execute()


async def load_connection(services: Services, shop: ShopRef) -> Connection | None:
    raw = {as_text(k): as_text(v) for k, v in (await services.redis.hgetall(connection_key(services, shop))).items()}
    if raw.get("kind") not in KINDS or "secrets" not in raw:
        return None
    try:
        found = json.loads(services.cipher.decrypt(raw["secrets"], associated=_binding(shop)))
    except DecryptionError:
        # Sealed under a key no longer configured: the merchant connects again (the admin shows it as not connected).
        log.warning("helpdesk credentials cannot be opened", extra={"shop": shop.tag})
        return None
    if services.cipher.needs_rotation(raw["secrets"]):  # sealed under the previous key: seal under the current one
        resealed = services.cipher.encrypt(json.dumps(found), associated=_binding(shop))
        await services.redis.hset(connection_key(services, shop), "secrets", resealed)
    last_test = json.loads(raw["last_test"]) if raw.get("last_test") else None
    account = json.loads(raw["account"])
    return Connection(raw["kind"], account, found, raw["webhook_token"], raw["connected_at"], shop, last_test)


async def record_test(services: Services, shop: ShopRef, result: Mapping[str, Any]) -> None:
    key = connection_key(services, shop)
    if await services.redis.exists(key):
        await services.redis.hset(key, "last_test", json.dumps(dict(result)))


async def disconnect(services: Services, shop: ShopRef) -> bool:
    return bool(await services.redis.delete(connection_key(services, shop)))


async def hook_connection(services: Services, kind: str, platform: str, shop_id: str, token: str) -> Connection | None:
    """The connection a status webhook URL names, when its token is that connection's (compared in constant time)."""
    try:
        shop = ShopRef(platform, shop_id)
    except ValueError:
        return None
    connection = await load_connection(services, shop)
    if connection is None or connection.kind != kind:
        return None
    return connection if hmac.compare_digest(connection.webhook_token.encode(), token.encode()) else None
