"""A shop's connection to its tracking provider: the API key and webhook secret, sealed at rest with the app cipher.

Nothing here is shown back in full: the admin sees the provider, the key's last four characters and when the
connection was last tested. Without a connection nothing calls the provider and stages come from the platform.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass

from plugin.crypto import DecryptionError
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_text
from plugin.tracking.aftership import AfterShipTracking
from plugin.tracking.model import Credentials
from plugin.tracking.provider import TrackingProvider

log = logging.getLogger(__name__)

PROVIDER = "aftership"


@dataclass(frozen=True)
class ConnectionStatus:
    provider: str
    key_hint: str  # "…abcd"
    connected_at: float
    checked_at: float | None
    check: str  # "ok", the last test's failure in plain words, or "" when never tested


def connection_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "tracking", "connection")


def _binding(shop: ShopRef) -> str:
    return f"{shop.tag}:tracking"  # a sealed key pasted under another shop does not open


def provider_for(services: Services) -> TrackingProvider:
    """The provider adapter on the app's shared HTTP client (the only provider so far: AfterShip)."""
    return AfterShipTracking(services.http, services.settings.aftership_api_origin)


async def connect(services: Services, shop: ShopRef, credentials: Credentials) -> None:
    sealed = services.cipher.encrypt(
        json.dumps({"api_key": credentials.api_key, "webhook_secret": credentials.webhook_secret}),
        associated=_binding(shop),
    )
    key = connection_key(services, shop)
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.delete(key)
        pipe.hset(
            key,
            mapping={
                "provider": PROVIDER,
                "sealed": sealed,
                "key_hint": "…" + credentials.api_key[-4:],
                "connected_at": f"{time.time():.3f}",
            },
        )
        await pipe.execute()


async def disconnect(services: Services, shop: ShopRef) -> None:
    await services.redis.delete(connection_key(services, shop))


async def load_credentials(services: Services, shop: ShopRef) -> Credentials | None:
    """The shop's credentials, or None when it has not connected (or they no longer decrypt)."""
    sealed = await services.redis.hget(connection_key(services, shop), "sealed")
    if sealed is None:
        return None
    try:
        opened = json.loads(services.cipher.decrypt(as_text(sealed), associated=_binding(shop)))
    except DecryptionError:
        log.error("tracking credentials do not decrypt", extra={"shop": shop.tag})
        return None
    return Credentials(api_key=str(opened["api_key"]), webhook_secret=str(opened["webhook_secret"]))


async def is_connected(services: Services, shop: ShopRef) -> bool:
    return bool(await services.redis.hexists(connection_key(services, shop), "sealed"))


async def connection_status(services: Services, shop: ShopRef) -> ConnectionStatus | None:
    fields = {as_text(k): as_text(v) for k, v in (await services.redis.hgetall(connection_key(services, shop))).items()}
    if "sealed" not in fields:
        return None
    checked = fields.get("checked_at")
    return ConnectionStatus(
        provider=fields.get("provider", PROVIDER),
        key_hint=fields.get("key_hint", ""),
        connected_at=float(fields.get("connected_at") or 0),
        checked_at=float(checked) if checked else None,
        check=fields.get("check", ""),
    )


async def record_check(services: Services, shop: ShopRef, outcome: str) -> None:
    key = connection_key(services, shop)
    if await services.redis.hexists(key, "sealed"):
        await services.redis.hset(key, mapping={"checked_at": f"{time.time():.3f}", "check": outcome})
