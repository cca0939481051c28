"""App lifecycle events: an uninstall stops every widget and message of the shop at once."""

from __future__ import annotations

import logging

from plugin.events import PlatformEvent
from plugin.services import Services
from plugin.storage import as_optional_text

log = logging.getLogger(__name__)


async def app_uninstalled(services: Services, event: PlatformEvent) -> None:
    installed_at = as_optional_text(await services.redis.hget(services.keys.shop(event.shop, "shop"), "installed_at"))
    if installed_at is not None and float(installed_at) > event.occurred_at.timestamp():
        # A late delivery from before the latest install must not uninstall the shop again.
        log.info("stale uninstall ignored", extra={"shop": event.shop.tag})
        return
    await services.shops.mark_uninstalled(event.shop)
