"""`upfront webhook trigger TOPIC`: a correctly signed sample delivery, posted to a running app."""

from __future__ import annotations

from typing import TextIO

import httpx

from plugin.devstore.bigcommerce import DEMO_STORE_HASH, create_bigcommerce_emulator
from plugin.devstore.server import SHOPIFY_MOUNT
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
    base = (url or settings.app_url).rstrip("/")
    target = base + f"/webhooks/{platform}"
    try:
        headers, body = signed_delivery(settings, platform, topic, shop)
    except (KeyError, ValueError) as exc:
        print(f"No sample delivery for {platform} topic {topic!r} ({exc}).", file=out)
        return 2
    if platform == "shopify" and topic == "app/uninstalled":
        revoked = _uninstall_in_dev_store(settings, base, shop or DEMO_SHOP)
        if revoked is None:
            print(
                "The dev store did not revoke the shop's token (is this `upfront dev`?): the app confirms an "
                "uninstall with Shopify and refuses this one while the token works.",
                file=out,
            )
        else:
            headers, body = revoked
    try:
        response = httpx.post(target, headers=headers, content=body, timeout=TRIGGER_TIMEOUT)
    except httpx.TransportError as exc:
        print(f"Could not reach {target} ({type(exc).__name__}). Is the app running (`make dev`)?", file=out)
        return 1
    print(f"POST {target} ({platform} {topic}) -> {response.status_code} {response.text}", file=out)
    return 0 if response.is_success else 1


def _uninstall_in_dev_store(settings: Settings, base: str, shop: str) -> tuple[dict[str, str], bytes] | None:
    """Uninstall the app in the running dev store (its tokens are revoked as Shopify does): the delivery it
    hands back is the one Shopify would send. None when no dev store answers there."""
    where = f"{base}{SHOPIFY_MOUNT}/{shop}/admin/apps/{settings.shopify_api_key}/uninstall"
    try:
        response = httpx.post(where, timeout=TRIGGER_TIMEOUT)
    except httpx.TransportError:
        return None
    if not response.is_success:
        return None
    answer = response.json()
    return dict(answer["headers"]), str(answer["body"]).encode()
