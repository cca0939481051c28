"""Price a zone's methods for a cart: costs, handling fees, free flags and free-shipping progress."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from plugin.rates import ZERO, Handling, Method, MethodKind, Zone
from widgets.estimator.money import round_money

_HUNDRED = Decimal(100)


@dataclass(frozen=True, slots=True)
class Cart:
    subtotal: Decimal
    weight_g: int
    item_count: int


@dataclass(frozen=True, slots=True)
class Quote:
    method_id: str
    name: str
    cost: Decimal | None  # None: only the carrier can price it, at checkout
    handling: Decimal  # already included in cost
    free: bool
    computable: bool  # False: cost, if any, is the merchant's typical cost, not a quote
    transit_days: tuple[int, int] | None


@dataclass(frozen=True, slots=True)
class FreeShippingProgress:
    threshold: Decimal
    remaining: Decimal  # 0 once the cart qualifies

    @property
    def qualified(self) -> bool:
        return self.remaining == 0


def _eligible(method: Method, cart: Cart) -> bool:
    return _weight_allows(method, Decimal(cart.weight_g)) and _subtotal_allows(method, cart.subtotal)


def _weight_allows(method: Method, weight: Decimal) -> bool:
    return (method.min_weight_g is None or weight >= method.min_weight_g) and (
        method.max_weight_g is None or weight <= method.max_weight_g
    )


def _subtotal_allows(method: Method, subtotal: Decimal) -> bool:
    return (method.min_subtotal is None or subtotal >= method.min_subtotal) and (
        method.max_subtotal is None or subtotal <= method.max_subtotal
    )


def base_cost(method: Method, cart: Cart) -> Decimal | None:
    """The method's price before handling fees; None when it is not offered for this cart."""
    return _base_cost(method, cart) if _eligible(method, cart) else None


def _base_cost(method: Method, cart: Cart) -> Decimal | None:
    match method.kind:
        case MethodKind.FLAT:
            return method.rate
        case MethodKind.PER_ITEM:
            return method.rate * cart.item_count
        case MethodKind.FREE:
            return ZERO
        case MethodKind.WEIGHT:
            return _tiered(method, Decimal(cart.weight_g), cart.subtotal)
        case MethodKind.TOTAL:
            return _tiered(method, cart.subtotal, cart.subtotal)
        case MethodKind.CARRIER:
            return method.typical_cost


def _tiered(method: Method, value: Decimal, subtotal: Decimal) -> Decimal | None:
    for tier in method.tiers:
        if tier.contains(value):
            return tier.cost
    if method.default_cost is None:
        return None
    return subtotal * method.default_cost / _HUNDRED if method.default_cost_is_percent else method.default_cost


def _quote(method: Method, zone: Zone, cart: Cart, currency: str, zone_free: bool) -> Quote | None:
    if not _eligible(method, cart):
        return None
    nothing = round_money(ZERO, currency)
    if method.computable and zone_free:
        return Quote(method.id, method.name, nothing, nothing, True, True, method.transit_days)
    base = _base_cost(method, cart)
    if base is None and method.computable:
        return None
    if base is None:
        return Quote(method.id, method.name, None, nothing, False, False, method.transit_days)
    fees = zone.handling.plus(method.handling)
    handling = round_money(fees.fixed + base * fees.percent / _HUNDRED, currency)
    cost = round_money(base, currency) + handling
    free = method.computable and cost == 0
    return Quote(method.id, method.name, cost, handling, free, method.computable, method.transit_days)


def quote_zone(zone: Zone, cart: Cart, currency: str) -> tuple[tuple[Quote, ...], FreeShippingProgress | None]:
    """Quotes cheapest first, carrier-priced ones last, plus how far the cart is from free shipping."""
    threshold = zone.free_shipping_threshold
    zone_free = threshold is not None and cart.subtotal >= threshold
    quotes = [q for m in zone.methods if (q := _quote(m, zone, cart, currency, zone_free)) is not None]
    quotes.sort(key=lambda q: (not q.computable, q.cost is None, q.cost or ZERO, q.name))
    return tuple(quotes), _progress(zone, cart, currency, any(q.free for q in quotes))


def _progress(zone: Zone, cart: Cart, currency: str, has_free: bool) -> FreeShippingProgress | None:
    thresholds = _free_thresholds(zone, Decimal(cart.weight_g))
    if has_free:
        reached = [t for t in thresholds if t <= cart.subtotal]
        # Free with no strings attached is an option, not a goal worth a progress bar.
        if not reached or min(reached) == 0:
            return None
        return FreeShippingProgress(round_money(max(reached), currency), round_money(ZERO, currency))
    pending = [t for t in thresholds if t > cart.subtotal]
    if not pending:
        return None
    nearest = min(pending)
    return FreeShippingProgress(round_money(nearest, currency), round_money(nearest - cart.subtotal, currency))


def _free_thresholds(zone: Zone, weight: Decimal) -> list[Decimal]:
    """Subtotals at which some option in the zone would cost nothing, given the cart's weight."""
    thresholds = [] if zone.free_shipping_threshold is None else [zone.free_shipping_threshold]
    for method in zone.methods:
        if not method.computable or not _weight_allows(method, weight):
            continue
        if zone.handling.plus(method.handling) != Handling():
            continue  # a handling fee means it is never free
        floor = method.min_subtotal or ZERO
        candidates: list[Decimal] = []
        if method.kind is MethodKind.FREE or (
            method.kind in (MethodKind.FLAT, MethodKind.PER_ITEM) and not method.rate
        ):
            candidates.append(floor)
        elif method.kind is MethodKind.TOTAL:
            candidates.extend(max(tier.lower, floor) for tier in method.tiers if tier.cost == 0)
        elif method.kind is MethodKind.WEIGHT:
            if any(tier.contains(weight) and tier.cost == 0 for tier in method.tiers):
                candidates.append(floor)
        thresholds.extend(t for t in candidates if _subtotal_allows(method, t))
    return thresholds
