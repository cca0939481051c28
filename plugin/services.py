"""The shared resources every endpoint reaches through request state: opened once, in the lifespan."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from redis.asyncio import Redis
from starlette.requests import Request

from plugin.crypto import Cipher
from plugin.keys import Keys
from plugin.platform import Platform
from plugin.settings import Settings
from plugin.shops import ShopRegistry


@dataclass(frozen=True)
class Services:
    settings: Settings
    redis: Redis
    http: httpx.AsyncClient
    keys: Keys
    cipher: Cipher
    shops: ShopRegistry
    platforms: Mapping[str, Platform]


def services(request: Request) -> Services:
    found: Services = request.state.services
    return found
