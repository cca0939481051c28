"""Personal fields at rest: sealed with the app cipher and bound to the place they live.

The associated data is the value's key without the prefix and braces (``shopify:x.myshopify.com:consent:<subject>``),
so a sealed value cannot be moved to another shop or subject, and anything that walks the keys can unseal it.
"""

from __future__ import annotations

from plugin.keys import ShopRef
from plugin.services import Services


def binding(shop: ShopRef, family: str, *parts: str) -> str:
    return ":".join((shop.tag, family, *parts))


def seal(services: Services, plaintext: str, shop: ShopRef, family: str, *parts: str) -> str:
    return services.cipher.encrypt(plaintext, associated=binding(shop, family, *parts))


def unseal(services: Services, sealed: str, shop: ShopRef, family: str, *parts: str) -> str:
    return services.cipher.decrypt(sealed, associated=binding(shop, family, *parts))
