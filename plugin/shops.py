"""The shop registry: which shops installed us, their state, and their platform tokens (encrypted at rest)."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Literal

from plugin.crypto import Cipher
from plugin.keys import Keys, ShopRef
from plugin.shop_changes import announce, changes_channel, forget_here
from plugin.storage import RedisStore, as_optional_text, as_text

ShopStatus = Literal["active", "uninstalled"]


@dataclass(frozen=True)
class StoredToken:
    """A platform access token. Expiry fields are epoch seconds; None means the token does not expire."""

    access_token: str
    scope: str
    expires_at: float | None = None
    refresh_token: str | None = None
    refresh_expires_at: float | None = None

    def expires_within(self, seconds: float, now: float | None = None) -> bool:
        if self.expires_at is None:
            return False
        return self.expires_at - (time.time() if now is None else now) <= seconds


# Compare with the install time and uninstall in one step, so a reinstall racing a late uninstall always wins;
# the change is announced (ARGV[3] channel, ARGV[4] shop tag: plugin.shop_changes) in the same step.
_UNINSTALL = """
local installed = tonumber(redis.call('HGET', KEYS[1], 'installed_at') or '-1')
if installed > tonumber(ARGV[1]) then return 0 end
redis.call('DEL', KEYS[2])
redis.call('HSET', KEYS[1], 'status', 'uninstalled', 'uninstalled_at', ARGV[2])
redis.call('PUBLISH', ARGV[3], ARGV[4])
return 1
"""


def shop_record_key(keys: Keys, shop: ShopRef) -> str:
    """The hash with a shop's installation status (`status`: active or uninstalled) and token."""
    return keys.shop(shop, "shop")


class ShopRegistry:
    def __init__(self, redis: RedisStore, keys: Keys, cipher: Cipher) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher

    def record_key(self, shop: ShopRef) -> str:
        return shop_record_key(self.keys, shop)

    def _token_key(self, shop: ShopRef) -> str:
        return self.keys.shop(shop, "token")

    def _seal(self, shop: ShopRef, token: StoredToken) -> str:
        return self.cipher.encrypt(json.dumps(asdict(token)), associated=shop.tag)

    async def replace_token(self, shop: ShopRef, token: StoredToken) -> None:
        """A refreshed token: the install (its time and state) stays as it is."""
        await self.redis.set(self._token_key(shop), self._seal(shop, token))

    async def save_token(self, shop: ShopRef, token: StoredToken) -> None:
        """A new install (or reinstall): stores the token and marks the shop active from now."""
        sealed = self._seal(shop, token)
        # The global index lives in another slot (on a cluster, maybe on another node), so it is not part of the
        # shop's transaction: it is written first, idempotently. A crash in between leaves a listed shop with no
        # active record, which `active_shops` skips; never an active shop missing from the list.
        await self.redis.sadd(self.keys.global_("shops"), shop.tag)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.set(self._token_key(shop), sealed)
            pipe.hset(self.record_key(shop), mapping={"status": "active", "installed_at": str(time.time())})
            announce(pipe, self.keys, shop)
            await pipe.execute()
        forget_here(self.keys, shop)

    async def load_token(self, shop: ShopRef) -> StoredToken | None:
        sealed = as_optional_text(await self.redis.get(self._token_key(shop)))
        if sealed is None:
            return None
        return StoredToken(**json.loads(self.cipher.decrypt(sealed, associated=shop.tag)))

    async def status(self, shop: ShopRef) -> ShopStatus | None:
        found = as_optional_text(await self.redis.hget(self.record_key(shop), "status"))
        return "active" if found == "active" else ("uninstalled" if found == "uninstalled" else None)

    async def is_active(self, shop: ShopRef) -> bool:
        return await self.status(shop) == "active"

    async def mark_uninstalled(self, shop: ShopRef, occurred_at: datetime | None = None) -> bool:
        """Stops everything for the shop at once: the token is gone and every feature checks `is_active`.

        An uninstall that happened before the latest install (a late redelivery) changes nothing: False.
        """
        happened = occurred_at.timestamp() if occurred_at else time.time()
        done = await self.redis.eval(
            _UNINSTALL, 2, self.record_key(shop), self._token_key(shop),
            happened, time.time(), changes_channel(self.keys), shop.tag,
        )  # fmt: skip
        forget_here(self.keys, shop)
        return bool(done)

    async def active_shops(self) -> list[ShopRef]:
        tags = sorted(as_text(tag) for tag in await self.redis.smembers(self.keys.global_("shops")))
        shops = [ShopRef.parse(tag) for tag in tags]
        return [shop for shop in shops if await self.is_active(shop)]
