"""App lifecycle events: an uninstall the platform confirms stops every widget and message of the shop."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from plugin.events import PlatformEvent
from plugin.privacy.audit import audit_shop_action
from plugin.services import Services

log = logging.getLogger(__name__)

UNINSTALL_REFUSED = "app.uninstalled.refused_installed"


async def app_uninstalled(services: Services, event: PlatformEvent) -> None:
    """A webhook alone is not proof (Shopify signs only the body; any signed body can be re-sent with an
    uninstall topic): the platform is asked with the shop's token. Revoked -> uninstalled; still working -> the
    delivery is refused and audited. Platform errors propagate, so the consumer retries."""
    shop = event.shop
    if await services.shops.status(shop) != "active":
        return  # already uninstalled, or never installed: nothing to stop
    # What is acted on is the platform's answer, as of when it was asked: an install stored after that moment
    # (a reinstall racing this check) wins. The delivery's own time is not needed: a stale uninstall from
    # before a reinstall meets a working token.
    asked_at = datetime.now(UTC)
    if not await services.platforms[shop.platform].installation_revoked(shop):
        # No personal data: the shop, the delivery and the claimed time only.
        log.warning(
            "uninstall refused: the platform still accepts the shop's token",
            extra={"shop": shop.tag, "delivery": event.delivery_id, "claimed_at": event.occurred_at.isoformat()},
        )
        await audit_shop_action(services, shop, action=UNINSTALL_REFUSED, counts={})
        return
    if await services.shops.mark_uninstalled(shop, occurred_at=asked_at):
        log.info("shop uninstalled the app", extra={"shop": shop.tag})
    else:
        log.info("uninstall overtaken by a reinstall", extra={"shop": shop.tag})
