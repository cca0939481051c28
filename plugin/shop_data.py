"""What the app knows about a shop, synced from its platform: facts and shipping setup, with change versions.

Both adapters write here after a sync; widgets read here. Each write bumps the kind's version, and caches key
their entries by version, so a changed rate or setting is visible on the next request with no cache purge.
"""

from __future__ import annotations

import json
from dataclasses import asdict, fields
from typing import Any

from plugin.keys import Keys, ShopRef
from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup, setup_from_dict, setup_to_dict
from plugin.shop_changes import announce, forget_here
from plugin.storage import RedisStore, as_optional_text, as_text


def facts_key(keys: Keys, shop: ShopRef) -> str:
    return keys.shop(shop, "facts")


def shipping_setup_key(keys: Keys, shop: ShopRef) -> str:
    return keys.shop(shop, "shipping", "setup")


def versions_key(keys: Keys, shop: ShopRef) -> str:
    return keys.shop(shop, "versions")


def facts_to_json(facts: ShopFacts) -> str:
    data = asdict(facts)
    data["shop"] = facts.shop.tag
    data["extra"] = dict(facts.extra)
    return json.dumps(data, separators=(",", ":"))


_FACT_FIELDS = frozenset(field.name for field in fields(ShopFacts))


def facts_from_json(text: str) -> ShopFacts:
    """Fields a newer model dropped (e.g. a stored `refund_policy_days`) are ignored until the next sync."""
    data: dict[str, Any] = {name: value for name, value in json.loads(text).items() if name in _FACT_FIELDS}
    data["shop"] = ShopRef.parse(data["shop"])
    for name in ("domains", "ship_to_countries", "payment_methods"):
        data[name] = tuple(data.get(name) or ())
    wallets = data.get("digital_wallets")
    data["digital_wallets"] = None if wallets is None else tuple(wallets)
    return ShopFacts(**data)


async def save_facts(redis: RedisStore, keys: Keys, facts: ShopFacts) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(facts_key(keys, facts.shop), facts_to_json(facts))
        pipe.hincrby(versions_key(keys, facts.shop), "facts", 1)
        announce(pipe, keys, facts.shop)
        await pipe.execute()
    forget_here(keys, facts.shop)


async def load_facts(redis: RedisStore, keys: Keys, shop: ShopRef) -> ShopFacts | None:
    text = as_optional_text(await redis.get(facts_key(keys, shop)))
    return None if text is None else facts_from_json(text)


async def save_shipping_setup(redis: RedisStore, keys: Keys, shop: ShopRef, setup: ShippingSetup) -> None:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(shipping_setup_key(keys, shop), json.dumps(setup_to_dict(setup), separators=(",", ":")))
        pipe.hincrby(versions_key(keys, shop), "shipping", 1)
        announce(pipe, keys, shop)
        await pipe.execute()
    forget_here(keys, shop)


async def load_shipping_setup(redis: RedisStore, keys: Keys, shop: ShopRef) -> ShippingSetup | None:
    text = as_optional_text(await redis.get(shipping_setup_key(keys, shop)))
    return None if text is None else setup_from_dict(json.loads(text))


async def bump_version(redis: RedisStore, keys: Keys, shop: ShopRef, kind: str) -> int:
    async with redis.pipeline(transaction=True) as pipe:
        pipe.hincrby(versions_key(keys, shop), kind, 1)
        announce(pipe, keys, shop)
        version, _ = await pipe.execute()
    forget_here(keys, shop)
    return int(version)


async def data_version(redis: RedisStore, keys: Keys, shop: ShopRef) -> str:
    """One token that changes whenever facts, shipping or settings change: the cache key's version part."""
    versions = {as_text(k): as_text(v) for k, v in (await redis.hgetall(versions_key(keys, shop))).items()}
    return ".".join(f"{kind}{versions[kind]}" for kind in sorted(versions)) or "v0"
