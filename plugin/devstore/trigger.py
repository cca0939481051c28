"""`upfront webhook trigger TOPIC`: a correctly signed sample delivery, posted to a running app."""

from __future__ import annotations

from typing import TextIO

import httpx

from plugin.devstore.bigcommerce import DEMO_STORE_HASH, create_bigcommerce_emulator
from plugin.devstore.shopify import DEMO_SHOP, create_shopify_emulator
from plugin.settings import Settings

TRIGGER_TIMEOUT = 10.0


def infer_platform(topic: str) -> str:
    return "bigcommerce" if topic.startswith("store/") else "shopify"


def signed_delivery(settings: Settings, platform: str, topic: str, shop: str | None) -> tuple[dict[str, str], bytes]:
    if platform == "shopify":
        shopify = create_shopify_emulator(str(settings.shopify_api_secret), settings.shopify_api_key, settings.app_url)
        return shopify.webhook(topic, shop or DEMO_SHOP)
    bigcommerce = create_bigcommerce_emulator(
        settings.bigcommerce_client_id, str(settings.bigcommerce_client_secret), settings.app_url
    )
    return bigcommerce.webhook_delivery(topic, shop or DEMO_STORE_HASH)


def trigger(
    settings: Settings, topic: str, *, platform: str | None, shop: str | None, url: str | None, out: TextIO
) -> int:
    platform = platform or infer_platform(topic)
    secret = settings.shopify_api_secret if platform == "shopify" else settings.bigcommerce_client_secret
    if secret is None:
        name = "SHOPIFY_API_SECRET" if platform == "shopify" else "BIGCOMMERCE_CLIENT_SECRET"
        print(f"{name} is not set: the delivery could not be signed the way the app verifies it.", file=out)
        return 1
    target = (url or settings.app_url).rstrip("/") + f"/webhooks/{platform}"
    try:
        headers, body = signed_delivery(settings, platform, topic, shop)
    except (KeyError, ValueError) as exc:
        print(f"No sample delivery for {platform} topic {topic!r} ({exc}).", file=out)
        return 2
    try:
        response = httpx.post(target, headers=headers, content=body, timeout=TRIGGER_TIMEOUT)
    except httpx.TransportError as exc:
        print(f"Could not reach {target} ({type(exc).__name__}). Is the app running (`make dev`)?", file=out)
        return 1
    print(f"POST {target} ({platform} {topic}) -> {response.status_code} {response.text}", file=out)
    return 0 if response.is_success else 1
