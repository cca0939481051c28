"""Offline tokens that stay usable: refresh near expiry, migrate legacy tokens, exchange session tokens —
each under a per-shop Redis lock, because a refresh token is single-use and two spenders leave one dead."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable

import anyio

from plugin.errors import AuthError, RetryableError
from plugin.keys import ShopRef
from plugin.shopify.locks import RedisLock
from plugin.shopify.oauth import TokenEndpoint
from plugin.shops import ShopRegistry, StoredToken

log = logging.getLogger(__name__)

REFRESH_MARGIN_SECONDS = 300.0
Sleep = Callable[[float], Awaitable[None]]


class ShopifyTokens:
    def __init__(
        self,
        shops: ShopRegistry,
        endpoint: TokenEndpoint,
        *,
        sleep: Sleep = anyio.sleep,
        clock: Callable[[], float] = time.time,
        poll_seconds: float = 0.05,
        wait_seconds: float = 15.0,
    ) -> None:
        self.shops = shops
        self.endpoint = endpoint
        self.sleep = sleep
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.wait_seconds = wait_seconds

    def is_fresh(self, token: StoredToken | None) -> bool:
        """Good for the next five minutes; a legacy non-expiring token is never fresh: it must be migrated."""
        return (
            token is not None
            and token.expires_at is not None
            and not token.expires_within(REFRESH_MARGIN_SECONDS, now=self.clock())
        )

    def is_renewable(self, token: StoredToken | None) -> bool:
        """Fresh, or renewable without the merchant: a live refresh token, or a legacy token to migrate."""
        if token is None:
            return False
        if self.is_fresh(token) or (token.expires_at is None and token.refresh_token is None):
            return True
        return token.refresh_token is not None and (
            token.refresh_expires_at is None or token.refresh_expires_at > self.clock()
        )

    async def access_token(self, shop: ShopRef) -> str:
        token = await self.shops.load_token(shop)
        if self.is_fresh(token):
            assert token is not None
            return token.access_token

        async def fresh(current: StoredToken | None) -> bool:
            return self.is_fresh(current)

        async def renew(current: StoredToken | None) -> StoredToken:
            return await self._renew(shop, current)

        renewed, _ = await self._locked(shop, fresh, renew, reactivates=False)
        return renewed.access_token

    async def ensure_from_session_token(self, shop: ShopRef, session_token: str) -> bool:
        """Make sure an active shop has a renewable offline token, exchanging the session token if not.
        Returns True when a new token was obtained (a fresh install, a reinstall, or a dead token replaced)."""

        async def usable(current: StoredToken | None) -> bool:
            if not self.is_renewable(current) or not await self.shops.is_active(shop):
                return False
            return not await self.shops.redis.exists(self._dead_key(shop))

        async def exchange(current: StoredToken | None) -> StoredToken:
            return await self.endpoint.exchange_session_token(shop, session_token)

        if await usable(await self.shops.load_token(shop)):  # the common case needs no lock
            return False

        _, obtained = await self._locked(shop, usable, exchange, reactivates=True)
        return obtained

    async def _renew(self, shop: ShopRef, current: StoredToken | None) -> StoredToken:
        if current is None:
            raise AuthError("the shop has no Shopify token: the merchant must open or reinstall the app")
        if not self.is_renewable(current) or await self.shops.redis.exists(self._dead_key(shop)):
            raise AuthError("the Shopify refresh token is gone or expired: the merchant must open the app")
        try:
            if current.refresh_token is None:
                log.info("migrating a non-expiring Shopify token", extra={"shop": shop.tag})
                return await self.endpoint.migrate_legacy(shop, current.access_token)
            return await self.endpoint.refresh(shop, current.refresh_token)
        except AuthError:
            # Remember the refresh token is dead, so the next admin visit exchanges a session token instead.
            await self.shops.redis.set(self._dead_key(shop), "1")
            raise

    async def store(self, shop: ShopRef, token: StoredToken, *, install: bool) -> None:
        """Keep a newly granted token (encrypted by the registry); it replaces any refused one. An install (code
        grant, or a token exchange that reactivates the shop) also marks the shop active; a refresh does not."""
        if install:
            await self.shops.save_token(shop, token)
        else:
            await self.shops.replace_token(shop, token)
        await self.shops.redis.delete(self._dead_key(shop))

    def _dead_key(self, shop: ShopRef) -> str:
        return self.shops.keys.shop(shop, "token", "refused")

    async def _locked(
        self,
        shop: ShopRef,
        satisfied: Callable[[StoredToken | None], Awaitable[bool]],
        produce: Callable[[StoredToken | None], Awaitable[StoredToken]],
        *,
        reactivates: bool,
    ) -> tuple[StoredToken, bool]:
        """Run `produce` under the shop's lock unless `satisfied` already holds; a process that finds the lock
        taken waits and re-reads the token the holder stores. Returns the token and whether it is new."""
        lock = RedisLock(self.shops.redis, self.shops.keys.shop(shop, "lock", "token-refresh"))
        waited = 0.0
        while True:
            if await lock.try_acquire():
                try:
                    current = await self.shops.load_token(shop)
                    if await satisfied(current):
                        assert current is not None
                        return current, False
                    new = await produce(current)
                    if not reactivates and not await self.shops.is_active(shop):
                        raise AuthError("the shop uninstalled the app while its token was renewed")
                    await self.store(shop, new, install=reactivates and not await self.shops.is_active(shop))
                    return new, True
                finally:
                    await lock.release()
            await self.sleep(self.poll_seconds)
            waited += self.poll_seconds
            current = await self.shops.load_token(shop)
            if await satisfied(current):
                assert current is not None
                return current, False
            if waited >= self.wait_seconds:
                raise RetryableError("another process is renewing this shop's Shopify token", retry_after=1.0)
