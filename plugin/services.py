"""The shared resources every endpoint reaches through request state: opened once, in the lifespan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

import httpx
from starlette.requests import Request

from plugin.batching import PipelinedRedis
from plugin.crypto import Cipher
from plugin.keys import Keys
from plugin.platform import Platform
from plugin.settings import Settings
from plugin.shop_changes import ShopChangeFeed
from plugin.shops import ShopRegistry
from plugin.storage import RedisStore


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: RedisStore
    http: httpx.AsyncClient
    keys: Keys
    cipher: Cipher
    shops: ShopRegistry
    platforms: Mapping[str, Platform]

    @cached_property
    def pipelined(self) -> PipelinedRedis:
        """`redis` for the hot paths: concurrent requests' commands share one pipeline per event-loop turn."""
        return PipelinedRedis(self.redis)

    @cached_property
    def shop_changes(self) -> ShopChangeFeed:
        """Which shops' status and data version this process may take as current (listening in the app)."""
        return ShopChangeFeed(self.redis, self.keys)


def services(request: Request) -> Services:
    found: Services = request.scope["state"]["services"]  # the lifespan state, without a State wrapper per request
    return found
