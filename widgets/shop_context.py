"""What a storefront request needs to know about its shop, loaded in one Redis round trip (plus the status)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup, apply_overrides, setup_from_dict
from plugin.services import Services
from plugin.shop_data import facts_from_json, facts_key, shipping_setup_key, versions_key
from plugin.storage import as_optional_text, as_text
from widgets.settings import WidgetSettings, default_settings, parse_stored, settings_key


@dataclass(frozen=True)
class StorefrontShop:
    facts: ShopFacts
    setup: ShippingSetup | None  # None until the shipping setup has been synced; merchant overrides applied
    settings: WidgetSettings
    version: str  # plugin.shop_data.data_version: changes whenever facts, shipping or settings change
    # Digest of the stored facts, setup and settings themselves: caches stay right even after a write that
    # did not bump the version (it costs one hash of a few KB per request).
    content: str = ""

    @property
    def shop(self) -> ShopRef:
        return self.facts.shop


class ShopUnavailable(Exception):
    """Why a storefront request for this shop gets no widget: `status` is the HTTP answer."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def shop_from_path(platform: str, shop_id: str) -> ShopRef:
    """The shop named by a `/storefront/{platform}/{shop}` path; ShopUnavailable(404) when it cannot be one."""
    try:
        return ShopRef(platform, shop_id.lower() if platform == "shopify" else shop_id)
    except ValueError:
        raise ShopUnavailable(404, "no such shop") from None


def _versions_token(raw: dict[str, str]) -> str:
    # Same token as plugin.shop_data.data_version, computed from the hash this pipeline already read.
    return ".".join(f"{kind}{raw[kind]}" for kind in sorted(raw)) or "v0"


async def load_storefront_shop(services: Services, shop: ShopRef) -> StorefrontShop:
    """Facts, shipping setup (with the merchant's overrides), widget settings and data version of an installed
    shop. Raises ShopUnavailable: 404 for an unknown or uninstalled shop, 503 while its facts are not synced."""
    if not await services.shops.is_active(shop):
        raise ShopUnavailable(404, "no such shop, or the app is not installed there")
    keys = services.keys
    async with services.redis.pipeline(transaction=False) as pipe:
        pipe.get(facts_key(keys, shop))
        pipe.get(shipping_setup_key(keys, shop))
        pipe.get(settings_key(keys, shop))
        pipe.hgetall(versions_key(keys, shop))
        facts_text, setup_text, settings_text, versions = await pipe.execute()
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
    version = _versions_token({as_text(k): as_text(v) for k, v in (versions or {}).items()})
    content = hashlib.sha256(
        "\x1e".join(text or "" for text in (facts_json, setup_json, as_optional_text(settings_text))).encode()
    ).hexdigest()[:16]
    return StorefrontShop(facts, setup, settings, version, content)
