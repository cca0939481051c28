"""The per-shop address a merchant gives their tracking provider for webhooks: the shop, signed with the app secret.

The signature only routes a delivery to its shop without a lookup table; what authenticates the delivery is the
provider's own signature over the body, checked with that shop's webhook secret.
"""

from __future__ import annotations

from itsdangerous import BadSignature, URLSafeSerializer

from plugin.keys import ShopRef
from plugin.services import Services

PATH = "/tracking/aftership/{token}"
_DEVELOPMENT_SECRET = "insecure-development-key"


def _serializer(services: Services) -> URLSafeSerializer:
    keys = list(reversed(services.settings.secret_keys())) or [_DEVELOPMENT_SECRET]
    return URLSafeSerializer(keys, salt="upfront.tracking.webhook")


def webhook_token(services: Services, shop: ShopRef) -> str:
    return str(_serializer(services).dumps(shop.tag))


def webhook_url(services: Services, shop: ShopRef) -> str:
    return services.settings.app_url + PATH.format(token=webhook_token(services, shop))


def shop_of_token(services: Services, token: str) -> ShopRef | None:
    try:
        tag = _serializer(services).loads(token)
        return ShopRef.parse(str(tag))
    except (BadSignature, ValueError):
        return None
