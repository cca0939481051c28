"""App lifecycle events: an uninstall stops every widget and message of the shop at once."""

from __future__ import annotations

import logging

from plugin.events import PlatformEvent
from plugin.services import Services

log = logging.getLogger(__name__)


async def app_uninstalled(services: Services, event: PlatformEvent) -> None:
    if not await services.shops.mark_uninstalled(event.shop, occurred_at=event.occurred_at):
        log.info("stale uninstall ignored", extra={"shop": event.shop.tag})  # from before the latest install
