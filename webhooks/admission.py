"""Which verified deliveries are queued: those of installed shops, and privacy requests of shops installed once."""

from __future__ import annotations

from functools import lru_cache

from plugin import events
from plugin.events import PlatformEvent
from plugin.keys import Keys, ShopRef
from plugin.services import Services
from plugin.shops import shop_record_key
from plugin.storage import as_optional_text

# Shopify sends its compliance requests after an uninstall too (shop/redact 48 h after it): they are owed for
# every shop that installed the app once, installed now or not.
PRIVACY_EVENTS = frozenset(
    {events.CUSTOMER_DATA_REQUEST, events.CUSTOMER_REDACT, events.CUSTOMER_DELETED, events.SHOP_REDACT}
)
NOT_INSTALLED = "shop not installed"


@lru_cache(maxsize=4096)
def _record_key(keys: Keys, shop: ShopRef) -> str:
    return shop_record_key(keys, shop)


async def installation_status(services: Services, shop: ShopRef) -> str:
    """ "active", "uninstalled", or "" for a shop with no record. Known in process while the shop change feed
    vouches for it (plugin.shop_changes); otherwise one read, pipelined with the other requests of this turn."""
    changes = services.shop_changes
    known = changes.current_status(shop)
    if known is not None:
        return known
    mark = changes.mark(shop)
    (found,) = await services.pipelined.execute(("HGET", _record_key(services.keys, shop), "status"))
    status = as_optional_text(found) or ""
    changes.confirm_status(shop, mark, status)
    return status


async def refusal(services: Services, event: PlatformEvent) -> str | None:
    """Why `event` is answered but not queued, or None to queue it. Nothing is written either way."""
    status = await installation_status(services, event.shop)
    if status == "active" or (status == "uninstalled" and event.type in PRIVACY_EVENTS):
        return None
    return NOT_INSTALLED
