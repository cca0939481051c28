"""Shop domains: which ones we accept, and the origin every call to a shop goes to."""

from __future__ import annotations

import re

from plugin.keys import ShopRef

# Exactly the documented rule. (`shopify.utils.shop_url` is stricter at the edges: it refuses one-letter
# names and trailing hyphens, and it appends .myshopify.com to a bare name; it still checks session-token
# issuers inside `shopify.session_token`.)
SHOP_DOMAIN = re.compile(r"^[a-z0-9][a-z0-9-]*\.myshopify\.com$")


def normalize_shop_domain(value: str | None) -> str | None:
    """The lowercased myshopify domain, or None for anything else (schemes, paths, custom domains, spaces)."""
    if not value:
        return None
    candidate = value.lower()
    return candidate if SHOP_DOMAIN.fullmatch(candidate) else None


def shopify_shop(domain: str) -> ShopRef:
    return ShopRef("shopify", domain)


def shop_origin(template: str, shop: ShopRef | str) -> str:
    """`UPFRONT_SHOPIFY_ORIGIN` with `{shop}` filled in: `https://x.myshopify.com`, or the dev store emulator."""
    domain = shop.id if isinstance(shop, ShopRef) else shop
    return template.replace("{shop}", domain).rstrip("/")
