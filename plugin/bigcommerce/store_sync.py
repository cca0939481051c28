"""Copies a store's facts (GET /v2/store, GET /v2/payments/methods) and shipping zones (/v2/shipping/zones +
methods) into plugin.shop_data."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from plugin.bigcommerce.mapping import payment_methods_from, shop_facts_from_store
from plugin.bigcommerce.rest import StoreApi
from plugin.currencies import currencies_from_bigcommerce, with_currencies
from plugin.errors import AuthError, NotFoundError, PermanentError
from plugin.keys import Keys, ShopRef
from plugin.platform import ShopFacts
from plugin.rates import ShippingSetup, zones_from_bigcommerce
from plugin.shop_data import bump_version, save_facts, save_shipping_setup, shipping_setup_key
from plugin.storage import RedisStore

log = logging.getLogger(__name__)


def shipping_raw_key(keys: Keys, shop: ShopRef) -> str:
    """BigCommerce's own zones and methods, kept so a newer mapping can rebuild the setup without a re-fetch."""
    return keys.shop(shop, "shipping", "raw")


async def read_payment_methods(api: StoreApi, shop: ShopRef) -> tuple[str, ...]:
    """The store's live payment methods; () when the token lacks `store_payments_methods_read` (a store that
    installed before the app asked for it answers 403 until the merchant re-authorizes): unknown, not none."""
    try:
        return payment_methods_from(await api.v2_list("/v2/payments/methods"))
    except (AuthError, NotFoundError) as exc:
        log.info("bigcommerce payment methods not readable", extra={"store": shop.id, "error": str(exc)})
        return ()


async def read_store_facts(api: StoreApi, shop: ShopRef) -> ShopFacts:
    """GET /v2/store and GET /v2/payments/methods as ShopFacts: the one read both the sync and the adapter use."""
    store = await api.get("/v2/store")
    if not isinstance(store, dict):
        raise PermanentError("GET /v2/store answered without a store object")
    facts = replace(shop_facts_from_store(shop, store), payment_methods=await read_payment_methods(api, shop))
    # The currencies shoppers may browse in, with the store's own exchange rates and decimal places.
    currencies = currencies_from_bigcommerce(await api.v2_list("/v2/currencies"))
    return replace(facts, extra=with_currencies(facts.extra, currencies))


async def sync_facts(api: StoreApi, redis: RedisStore, keys: Keys, shop: ShopRef) -> ShopFacts:
    facts = await read_store_facts(api, shop)
    await save_facts(redis, keys, facts)
    return facts


def ship_to_countries(zones: list[dict[str, Any]]) -> tuple[str, ...]:
    """Countries the enabled zones cover; empty (= unknown, anywhere) when a rest-of-world zone exists."""
    enabled = [zone for zone in zones if zone.get("enabled", True) is not False]
    if any(zone.get("type") == "global" for zone in enabled):
        return ()
    found = {
        str(location.get("country_iso2")).upper()
        for zone in enabled
        for location in zone.get("locations") or ()
        if isinstance(location, Mapping) and location.get("country_iso2")
    }
    return tuple(sorted(found))


async def sync_shipping(api: StoreApi, redis: RedisStore, keys: Keys, facts: ShopFacts) -> int:
    """Store the raw zones and, mapped through plugin.rates, the neutral setup; returns the zone count."""
    shop = facts.shop
    listed = await api.get("/v2/shipping/zones") or ()
    zones = [zone for zone in listed if isinstance(zone, dict) and isinstance(zone.get("id"), int)]
    methods: dict[str, list[dict[str, Any]]] = {}
    for zone in zones:
        found = await api.get(f"/v2/shipping/zones/{zone['id']}/methods")
        methods[str(zone["id"])] = [method for method in found or () if isinstance(method, dict)]
    raw = {"zones": zones, "methods": methods, "weight_units": facts.extra.get("weight_units")}
    await redis.set(shipping_raw_key(keys, shop), json.dumps(raw, separators=(",", ":")))
    await save_facts(redis, keys, replace(facts, ship_to_countries=ship_to_countries(zones)))
    try:
        setup = ShippingSetup(
            origin_country=facts.country,
            timezone=facts.timezone,
            currency=facts.currency,
            zones=zones_from_bigcommerce(zones, methods, weight_unit=str(facts.extra.get("weight_units") or "")),
        )
    except ValueError as exc:  # e.g. a weight unit the model does not know: the raw copy still lands
        log.warning("bigcommerce shipping not mapped", extra={"store": shop.id, "error": str(exc)})
        await redis.delete(shipping_setup_key(keys, shop))  # a stale setup would quote outdated prices
        await bump_version(redis, keys, shop, "shipping")
    else:
        await save_shipping_setup(redis, keys, shop, setup)
    return len(zones)
