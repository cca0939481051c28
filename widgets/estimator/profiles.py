"""Which delivery profiles a page or cart ships by, and how their rates combine into the answer a shopper sees.

Shopify (help center, "Combining shipping rates from different shipping profiles"): a product belongs to one
profile; an order with products from several profiles gets each profile's rate for its own products, combined into
one rate. Rates with the same name are added together; when no name is shared, the cheapest rate of each profile
is added up and shown as "Shipping". Price-based conditions look at the whole cart's price; weight-based ones at
the weight of the profile's own products.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from plugin.rates import ZERO, PickupLocation, ShippingSetup
from widgets.estimator.matching import MatchLevel, ZoneIndex, normalize_province
from widgets.estimator.pricing import Cart, FreeShippingProgress, Quote, quote_zone

MAX_LINES = 100
COMBINED_NAME = "Shipping"  # what Shopify calls a combined rate when the profiles share no rate name
# `product[:variant[:quantity[:grams]]]`, comma-separated: numeric ids as the storefront knows them. The shape
# spells out the ranges `parse_items` is called with (engine.MAX_ITEMS, MAX_WEIGHT_G), so the published schema
# accepts exactly what the server does: a quantity of 1 to 10,000, grams from 0 to 1,000,000, no leading zeros.
QUANTITY_SHAPE = r"(?:[1-9][0-9]{0,3}|10000)"
GRAMS_SHAPE = r"(?:0|[1-9][0-9]{0,5}|1000000)"
ITEM_SHAPE = rf"[0-9]{{1,20}}(:[0-9]{{0,20}}(:{QUANTITY_SHAPE}?(:{GRAMS_SHAPE}?)?)?)?"
ITEMS_SHAPE = rf"{ITEM_SHAPE}(,{ITEM_SHAPE}){{0,{MAX_LINES - 1}}}"
_ITEM = re.compile(ITEM_SHAPE)
# Read first with looser numbers, so a quantity or weight out of range is named as such rather than as a bad shape.
_ITEM_DIGITS = re.compile(r"[0-9]{1,20}(:[0-9]{0,20}(:[0-9]{0,6}(:[0-9]{0,7})?)?)?")


@dataclass(frozen=True, slots=True)
class CartLine:
    product_id: str
    variant_id: str | None = None
    quantity: int = 1
    grams: int | None = None  # per unit


class ItemsError(ValueError):
    """`items` cannot be read; the message is safe to show back."""


def parse_items(raw: str | None, *, max_quantity: int, max_grams: int) -> tuple[CartLine, ...]:
    if raw is None or not raw.strip():
        return ()
    entries = raw.strip().split(",")
    if len(entries) > MAX_LINES:
        raise ItemsError(f"at most {MAX_LINES} lines")
    lines = []
    for entry in entries:
        if not _ITEM_DIGITS.fullmatch(entry):
            raise ItemsError("each line is product[:variant[:quantity[:grams]]] with numeric ids")
        product, variant, quantity, grams = (entry.split(":") + ["", "", ""])[:4]
        count = int(quantity) if quantity else 1
        if not 1 <= count <= max_quantity:
            raise ItemsError(f"quantity must be between 1 and {max_quantity:,}")
        weight = int(grams) if grams else None
        if weight is not None and weight > max_grams:
            raise ItemsError(f"over {max_grams:,} g per item is not a parcel we can estimate")
        if not _ITEM.fullmatch(entry):  # in range, but written with leading zeros (the published shape has none)
            raise ItemsError("quantities and grams are written without leading zeros")
        lines.append(CartLine(product, variant or None, count, weight))
    return tuple(lines)


class ProfileRouter:
    """Built once per setup: the default zones' index, each product-specific profile's, and id -> profile."""

    __slots__ = ("setup", "default", "indexes", "_by_variant", "_by_product")

    def __init__(self, setup: ShippingSetup) -> None:
        self.setup = setup
        self.default = ZoneIndex(setup.zones)
        self.indexes = tuple(ZoneIndex(profile.zones) for profile in setup.profiles)
        self._by_variant: dict[str, int] = {}
        self._by_product: dict[str, int] = {}
        for number, profile in enumerate(setup.profiles):
            for variant in profile.variant_ids:
                self._by_variant.setdefault(variant, number)
            for product in profile.product_ids:
                self._by_product.setdefault(product, number)

    def profile_of(self, line: CartLine) -> int | None:
        """The product-specific profile's position, or None for the default profile."""
        if line.variant_id is not None and line.variant_id in self._by_variant:
            return self._by_variant[line.variant_id]
        return self._by_product.get(line.product_id)

    def groups(self, lines: Sequence[CartLine]) -> dict[int | None, list[CartLine]]:
        grouped: dict[int | None, list[CartLine]] = {}
        for line in lines:
            grouped.setdefault(self.profile_of(line), []).append(line)
        return grouped or {None: []}

    def index(self, profile: int | None) -> ZoneIndex:
        return self.default if profile is None else self.indexes[profile]


@dataclass(frozen=True, slots=True)
class CartQuote:
    zone_name: str
    zone_id: str  # the (first) profile's zone: learned transit times are kept per zone and method
    match: MatchLevel
    quotes: tuple[Quote, ...]
    progress: FreeShippingProgress | None
    ships_from: tuple[str, ...]
    profiles: tuple[int | None, ...]


@dataclass(frozen=True, slots=True)
class Destination:
    country: str
    province: str | None = None
    postcode: str | None = None


def quote_cart(
    router: ProfileRouter, where: Destination, cart: Cart, lines: Sequence[CartLine], currency: str
) -> CartQuote | None:
    """Quotes for the cart's profile(s); None when a product in it does not ship to the destination."""
    grouped = router.groups(lines)
    parts = []
    for profile, group in grouped.items():
        found = router.index(profile).match(where.country, where.province, where.postcode)
        if found is None or not found.zone.methods:
            return None
        share = cart if len(grouped) == 1 else _share(cart, group)
        quotes, progress = quote_zone(found.zone, share, currency)
        if not quotes:
            return None
        parts.append((found, quotes, progress))
    if len(parts) == 1:
        found, quotes, progress = parts[0]
        return CartQuote(
            found.zone.name, found.zone.id, found.level, quotes, progress, found.zone.ships_from, tuple(grouped)
        )
    names = dict.fromkeys(part[0].zone.name for part in parts)
    origins = dict.fromkeys(country for part in parts for country in part[0].zone.ships_from)
    return CartQuote(
        " + ".join(names),
        parts[0][0].zone.id,
        min(part[0].level for part in parts),
        combine([part[1] for part in parts]),
        None,  # a threshold in one profile does not make the whole order ship free: no progress bar
        tuple(origins),
        tuple(grouped),
    )


def _share(cart: Cart, group: Sequence[CartLine]) -> Cart:
    """The cart as one profile prices it: its own items and weight, the whole cart's price. A line without a
    weight leaves the whole cart's weight in place (an estimate on the safe side)."""
    count = sum(line.quantity for line in group)
    if any(line.grams is None for line in group):
        return Cart(cart.subtotal, cart.weight_g, count)
    return Cart(cart.subtotal, sum((line.grams or 0) * line.quantity for line in group), count)


def combine(parts: Sequence[Sequence[Quote]]) -> tuple[Quote, ...]:
    """Same-name rates added up; with no name common to every profile, each profile's cheapest as "Shipping"."""
    shared = [name for name in dict.fromkeys(q.name for q in parts[0]) if all(_named(p, name) for p in parts)]
    if shared:
        return tuple(_add([_named(p, name) for p in parts], name) for name in shared)
    return (_add([part[0] for part in parts], COMBINED_NAME),)  # quote_zone lists the cheapest first


def _named(quotes: Sequence[Quote], name: str) -> Quote | None:
    return next((q for q in quotes if q.name == name), None)


def _add(quotes: Sequence[Quote | None], name: str) -> Quote:
    found = [q for q in quotes if q is not None]
    costs = [q.cost for q in found]
    cost = None if any(c is None for c in costs) else sum((c for c in costs if c is not None), ZERO)
    transits = [q.transit_days for q in found]
    transit = None
    if all(t is not None for t in transits):
        known = [t for t in transits if t is not None]
        transit = (max(t[0] for t in known), max(t[1] for t in known))  # the order is complete when the last arrives
    return Quote(
        method_id="+".join(q.method_id for q in found),
        name=name,
        cost=cost,
        handling=sum((q.handling for q in found), Decimal(0)),
        free=all(q.free for q in found),
        computable=all(q.computable for q in found),
        transit_days=transit,
    )


def pickups_for(router: ProfileRouter, where: Destination, profiles: Sequence[int | None]) -> list[PickupLocation]:
    """Pickup locations in the shopper's country (and province, when both are known) that every profile in the
    cart ships from. Shopify does not document a pickup radius: the country (and province) is what we can check."""
    setup = router.setup
    found = []
    for pickup in setup.pickups:
        if pickup.country != where.country:
            continue
        if where.province and pickup.province and not _same_province(where.country, where.province, pickup.province):
            continue
        if all(_ships_from(setup, profile, pickup.id) for profile in profiles):
            found.append(pickup)
    return found


def _same_province(country: str, one: str, other: str) -> bool:
    return normalize_province(country, one) == normalize_province(country, other)


def _ships_from(setup: ShippingSetup, profile: int | None, location_id: str) -> bool:
    if profile is None:
        return not setup.default_location_ids or location_id in setup.default_location_ids
    return location_id in setup.profiles[profile].location_ids
