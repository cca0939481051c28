"""The staff users of a store who opened the app (BigCommerce apps are multi-user), encrypted at rest."""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass

from plugin.crypto import Cipher
from plugin.keys import Keys, ShopRef
from plugin.storage import RedisStore, as_optional_text, as_text

USERS_FAMILY = "users"


@dataclass(frozen=True)
class StoreUser:
    id: str
    email: str | None
    role: str  # "owner" (the store owner) or "staff"
    locale: str | None = None
    last_seen_at: float = 0.0


class StoreUsers:
    def __init__(self, redis: RedisStore, keys: Keys, cipher: Cipher) -> None:
        self.redis = redis
        self.keys = keys
        self.cipher = cipher

    def _key(self, shop: ShopRef) -> str:
        return self.keys.shop(shop, USERS_FAMILY)

    def _associated(self, shop: ShopRef, user_id: str) -> str:
        return f"{shop.tag}:user:{user_id}"  # a sealed record cannot be moved to another user or store

    async def record(self, shop: ShopRef, user: StoreUser) -> None:
        seen = StoreUser(user.id, user.email, user.role, user.locale, time.time())
        sealed = self.cipher.encrypt(json.dumps(asdict(seen)), associated=self._associated(shop, user.id))
        await self.redis.hset(self._key(shop), user.id, sealed)

    async def get(self, shop: ShopRef, user_id: str) -> StoreUser | None:
        sealed = as_optional_text(await self.redis.hget(self._key(shop), user_id))
        if sealed is None:
            return None
        return StoreUser(**json.loads(self.cipher.decrypt(sealed, associated=self._associated(shop, user_id))))

    async def remove(self, shop: ShopRef, user_id: str) -> bool:
        return bool(await self.redis.hdel(self._key(shop), user_id))

    async def ids(self, shop: ShopRef) -> list[str]:
        return sorted(as_text(user_id) for user_id in await self.redis.hkeys(self._key(shop)))
