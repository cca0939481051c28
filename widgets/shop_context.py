"""What a storefront request needs to know about its shop, at most one small Redis round trip on the hot path.

Every write to a shop's facts, shipping setup or settings bumps its data version (plugin.shop_data), so a
process keeps parsed shops in memory and reuses one while its version stands: a request reads only the shop's
status and versions (pipelined with the other requests of its event-loop turn), and loads and parses the rest
only after a change. While the shop change feed (plugin.shop_changes) vouches that nothing changed since the
last read, not even that.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from plugin.keys import Keys, ShopRef
from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup, apply_overrides, setup_from_dict
from plugin.services import Services
from plugin.shop_data import facts_from_json, facts_key, shipping_setup_key, versions_key
from plugin.shops import shop_record_key
from plugin.storage import as_optional_text, as_text
from widgets.estimator.learning import LearnedSummary, learned_key
from widgets.estimator.transit import LearnedTransit
from widgets.help.hours import BusinessHours
from widgets.help.settings import default_help_settings, help_settings_key, parse_stored_help
from widgets.settings import WidgetSettings, default_settings, parse_stored, settings_key

# Scope key under which a request's already checked StorefrontShop travels (see widgets.cors).
CHECKED_SHOP = "upfront.storefront_shop"


@dataclass(frozen=True)
class StorefrontShop:
    facts: ShopFacts
    setup: ShippingSetup | None  # None until the shipping setup has been synced; merchant overrides applied
    settings: WidgetSettings
    version: str  # plugin.shop_data.data_version: changes whenever facts, shipping or settings change
    hours: BusinessHours | None = None  # the help settings' business hours, which the support badge states
    learned: LearnedSummary | None = None  # transit windows and on-time figure from the shop's own deliveries

    @property
    def shop(self) -> ShopRef:
        return self.facts.shop

    @property
    def learned_transit(self) -> LearnedTransit | None:
        return None if self.learned is None else self.learned.windows


class ShopUnavailable(Exception):
    """Why a storefront request for this shop gets no widget: `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@lru_cache(maxsize=4096)
def shop_from_path(platform: str, shop_id: str) -> ShopRef:
    """The shop named by a `/storefront/{platform}/{shop}` path; ShopUnavailable(404) when it cannot be one."""
    try:
        return ShopRef(platform, shop_id.lower() if platform == "shopify" else shop_id)
    except ValueError:
        raise ShopUnavailable(404, "no such shop") from None


def _versions_token(raw: dict[str, str]) -> str:
    # Same token as plugin.shop_data.data_version, computed from the hash this pipeline already read.
    return ".".join(f"{kind}{raw[kind]}" for kind in sorted(raw)) or "v0"


class StorefrontShops:
    """Parsed shops of this process, each kept while its data version stands (bounded, least recently used)."""

    def __init__(self, kept: int = 1024) -> None:
        self.kept = kept
        # (key prefix, shop tag) -> the versions hash it was loaded at, and the parsed shop
        self._entries: OrderedDict[tuple[str, str], tuple[dict[str, str], StorefrontShop]] = OrderedDict()

    def get(self, keys: Keys, shop: ShopRef, versions: dict[str, str]) -> StorefrontShop | None:
        found = self._entries.get((keys.prefix, shop.tag))
        if found is None or found[0] != versions:
            return None
        self._entries.move_to_end((keys.prefix, shop.tag))
        return found[1]

    def put(self, keys: Keys, versions: dict[str, str], loaded: StorefrontShop) -> None:
        self._entries[(keys.prefix, loaded.shop.tag)] = (versions, loaded)
        self._entries.move_to_end((keys.prefix, loaded.shop.tag))
        while len(self._entries) > self.kept:
            self._entries.popitem(last=False)


@lru_cache(maxsize=4096)
def _state_keys(keys: Keys, shop: ShopRef) -> tuple[str, str]:
    return shop_record_key(keys, shop), versions_key(keys, shop)


async def load_storefront_shop(
    services: Services, shop: ShopRef, cache: StorefrontShops | None = None
) -> StorefrontShop:
    """Facts, shipping setup (with the merchant's overrides), widget settings and data version of an installed
    shop. Raises ShopUnavailable: 404 for an unknown or uninstalled shop, 503 while its facts are not synced.
    With `cache`, a shop whose status and version this process may take as current (plugin.shop_changes) costs
    nothing; otherwise one pipelined read of both, and the rest only after a change."""
    changes = services.shop_changes
    if cache is not None and (known := changes.current_versions(shop)) is not None:
        if (kept := cache.get(services.keys, shop, known)) is not None:
            return kept
    mark = changes.mark(shop)
    record_key, versions_at = _state_keys(services.keys, shop)
    status, raw_versions = await services.pipelined.execute(("HGET", record_key, "status"), ("HGETALL", versions_at))
    if as_optional_text(status) != "active":
        raise ShopUnavailable(404, "no such shop, or the app is not installed there")
    versions: dict[str, str] = raw_versions or {}  # compared as read; decoded only to name a new version
    if cache is None:
        return await _load(services, shop, _versions_token({as_text(k): as_text(v) for k, v in versions.items()}))
    if (cached := cache.get(services.keys, shop, versions)) is None:
        cached = await _load(services, shop, _versions_token({as_text(k): as_text(v) for k, v in versions.items()}))
        cache.put(services.keys, versions, cached)
    changes.confirm(shop, mark, versions)
    return cached


async def _load(services: Services, shop: ShopRef, version: str) -> StorefrontShop:
    keys = services.keys
    async with services.redis.pipeline(transaction=False) as pipe:
        pipe.get(facts_key(keys, shop))
        pipe.get(shipping_setup_key(keys, shop))
        pipe.get(settings_key(keys, shop))
        pipe.get(help_settings_key(keys, shop))
        pipe.get(learned_key(services, shop))
        facts_text, setup_text, settings_text, help_text, learned_text = await pipe.execute()
    facts_json = as_optional_text(facts_text)
    if facts_json is None:
        raise ShopUnavailable(503, "the shop's details have not been synced yet")
    settings = parse_stored(as_optional_text(settings_text), default_settings(services.settings.manifest.widgets))
    setup: ShippingSetup | None = None
    setup_json = as_optional_text(setup_text)
    if setup_json is not None:
        try:
            setup = apply_overrides(setup_from_dict(json.loads(setup_json)), settings.estimator.overrides())
        except (ValueError, TypeError):
            setup = None  # an unreadable setup quotes nothing rather than something wrong
    try:
        facts = facts_from_json(facts_json)
    except (ValueError, TypeError, KeyError):
        raise ShopUnavailable(503, "the shop's details could not be read; they are synced again shortly") from None
    help_defaults = default_help_settings(services.settings.manifest.widgets)
    hours = parse_stored_help(as_optional_text(help_text), help_defaults, facts.timezone).hours
    # The versions are read before the data, so data at least as new as `version` is cached under it.
    learned = LearnedSummary.from_json(as_optional_text(learned_text))
    return StorefrontShop(facts, setup, settings, version, hours, learned)
