"""Every Shopify delivery profile in the rate model: the default profile's zones, product-specific profiles with the
products and variants they cover, location groups as origins, and the locations that offer local pickup."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from plugin.rates import (
    PICKUP_READY_TIMES,
    DeliveryProfile,
    PickupLocation,
    Zone,
    group_countries,
    group_locations,
    nodes_of,
    shopify_zone,
)

# DeliveryProfile.profileItems: DeliveryProfileItem { product, variants } per product the profile lists. Nested
# connections multiply the query cost, so both page sizes are variables; the adapter pages through the items.
PROFILE_ITEMS_QUERY = """
query DeliveryProfileItems($id: ID!, $items: Int = 25, $variants: Int = 20, $after: String) {
  deliveryProfile(id: $id) {
    profileItems(first: $items, after: $after) {
      pageInfo { hasNextPage endCursor }
      nodes {
        product { id legacyResourceId }
        variants(first: $variants) { nodes { id legacyResourceId } }
      }
    }
  }
}
""".strip()


@dataclass(frozen=True, slots=True)
class ShopifyShipping:
    zones: tuple[Zone, ...]  # the default ("General") profile's
    profiles: tuple[DeliveryProfile, ...] = ()
    pickups: tuple[PickupLocation, ...] = ()
    default_location_ids: frozenset[str] = frozenset()


def legacy_id(node: Mapping[str, Any]) -> str:
    """The numeric id the storefront uses (`legacyResourceId`, else the tail of the global id)."""
    legacy = node.get("legacyResourceId")
    if legacy not in (None, ""):
        return str(legacy)
    return str(node.get("id") or "").rsplit("/", 1)[-1]


def covered_ids(items: Sequence[Mapping[str, Any]]) -> tuple[frozenset[str], frozenset[str]]:
    """(product ids, variant ids) of DeliveryProfileItem nodes. A product is listed even when only some of its
    variants are: a variant id decides first, the product id only when the storefront sends no variant."""
    products = {legacy_id(item.get("product") or {}) for item in items}
    variants = {legacy_id(variant) for item in items for variant in nodes_of(item.get("variants"))}
    return frozenset(p for p in products if p), frozenset(v for v in variants if v)


def _zones(profile: Mapping[str, Any]) -> tuple[Zone, ...]:
    groups: Sequence[Mapping[str, Any]] = profile.get("profileLocationGroups") or ()
    return tuple(
        shopify_zone(zone, group_countries(group))
        for group in groups
        for zone in nodes_of(group.get("locationGroupZones"))
    )


def _locations(profile: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [loc for group in profile.get("profileLocationGroups") or () for loc in group_locations(group)]


def _pickup(location: Mapping[str, Any]) -> PickupLocation | None:
    settings = location.get("localPickupSettingsV2")
    address: Mapping[str, Any] = location.get("address") or {}
    country = str(address.get("countryCode") or "").upper()
    if not settings or not country:  # null settings: local pickup is off at this location
        return None
    ready = settings.get("pickupTime")
    return PickupLocation(
        id=legacy_id(location),
        name=str(location.get("name") or ""),
        country=country,
        province=str(address["provinceCode"]) if address.get("provinceCode") else None,
        ready=str(ready) if ready in PICKUP_READY_TIMES else None,
    )


def shipping_from_profiles(
    profiles: Sequence[Mapping[str, Any]], items_by_profile: Mapping[str, Sequence[Mapping[str, Any]]]
) -> ShopifyShipping:
    """Map DeliveryProfile nodes (DELIVERY_PROFILES_QUERY) plus each non-default profile's profileItems nodes
    (PROFILE_ITEMS_QUERY, keyed by profile id). The default profile is the one marked `default`, else the first."""
    default = next((p for p in profiles if p.get("default")), profiles[0] if profiles else None)
    pickups: dict[str, PickupLocation] = {}
    custom: list[DeliveryProfile] = []
    for profile in profiles:
        for location in _locations(profile):
            found = _pickup(location)
            if found is not None:
                pickups.setdefault(found.id, found)
        if profile is default:
            continue
        products, variants = covered_ids(items_by_profile.get(str(profile.get("id")), ()))
        if not products and not variants:
            continue  # a profile with no products prices nothing
        custom.append(
            DeliveryProfile(
                id=str(profile.get("id", "")),
                name=str(profile.get("name") or ""),
                product_ids=products,
                variant_ids=variants,
                zones=_zones(profile),
                location_ids=frozenset(legacy_id(loc) for loc in _locations(profile)),
            )
        )
    return ShopifyShipping(
        zones=() if default is None else _zones(default),
        profiles=tuple(custom),
        pickups=tuple(pickups.values()),
        default_location_ids=frozenset()
        if default is None
        else frozenset(legacy_id(loc) for loc in _locations(default)),
    )
