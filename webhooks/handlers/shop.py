"""Shop changes (name, currency, timezone, policies): refresh the facts widgets and messages rely on."""

from __future__ import annotations

from plugin.events import PlatformEvent
from plugin.services import Services
from plugin.shop_data import save_facts


async def shop_updated(services: Services, event: PlatformEvent) -> None:
    if not await services.shops.is_active(event.shop):
        return
    facts = await services.platforms[event.shop.platform].fetch_shop_facts(event.shop)
    await save_facts(services.redis, services.keys, facts)
