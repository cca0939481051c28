"""Platform-neutral shipping rate model, its JSON form, and the Shopify/BigCommerce mappings into it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

SCHEMA_VERSION = 1
ZERO = Decimal(0)


class MethodKind(StrEnum):
    FLAT = "flat"  # one price per order
    PER_ITEM = "per_item"
    WEIGHT = "weight"  # tiers over the cart weight in grams
    TOTAL = "total"  # tiers over the cart subtotal
    FREE = "free"
    CARRIER = "carrier"  # quoted live by a carrier: cannot be priced here


# Shopify's DeliveryLocalPickupTime values ("Usually ready in ..."), the pickup ready times it documents.
PICKUP_READY_TIMES = (
    "ONE_HOUR",
    "TWO_HOURS",
    "FOUR_HOURS",
    "TWENTY_FOUR_HOURS",
    "TWO_TO_FOUR_DAYS",
    "FIVE_OR_MORE_DAYS",
)


@dataclass(frozen=True, slots=True)
class Handling:
    fixed: Decimal = ZERO
    percent: Decimal = ZERO  # of the method's base shipping cost, as both platforms define it

    def plus(self, other: Handling) -> Handling:
        return Handling(self.fixed + other.fixed, self.percent + other.percent)


@dataclass(frozen=True, slots=True)
class Tier:
    """Bounds are inclusive and the first matching tier wins: BigCommerce ranges share endpoints (0-20, 20-40)."""

    lower: Decimal
    upper: Decimal | None
    cost: Decimal

    def contains(self, value: Decimal) -> bool:
        return self.lower <= value and (self.upper is None or value <= self.upper)


@dataclass(frozen=True, slots=True)
class Method:
    id: str
    name: str
    kind: MethodKind
    rate: Decimal = ZERO  # FLAT: per order, PER_ITEM: per item
    tiers: tuple[Tier, ...] = ()  # WEIGHT (grams) or TOTAL (subtotal)
    default_cost: Decimal | None = None  # when no tier matches; None means the method is not offered
    default_cost_is_percent: bool = False  # BigCommerce "percentage_of_total": percent of the subtotal
    min_weight_g: Decimal | None = None  # eligibility, inclusive (Shopify method conditions)
    max_weight_g: Decimal | None = None
    min_subtotal: Decimal | None = None
    max_subtotal: Decimal | None = None
    handling: Handling = Handling()
    transit_days: tuple[int, int] | None = None
    typical_cost: Decimal | None = None  # a merchant's stand-in for a carrier quote

    @property
    def computable(self) -> bool:
        return self.kind is not MethodKind.CARRIER


@dataclass(frozen=True, slots=True)
class Region:
    """A country, optionally narrowed to provinces and/or postcode patterns ("10115", "SW1*", "2000-2999")."""

    country: str
    provinces: tuple[str, ...] = ()
    postcodes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Zone:
    id: str
    name: str
    regions: tuple[Region, ...] = ()
    rest_of_world: bool = False
    methods: tuple[Method, ...] = ()
    free_shipping_threshold: Decimal | None = None  # zone-wide, like BigCommerce free_shipping
    handling: Handling = Handling()
    ships_from: tuple[str, ...] = ()  # origin countries: the Shopify location group's locations


@dataclass(frozen=True, slots=True)
class DeliveryProfile:
    """A product-specific Shopify delivery profile: its own zones for the products and variants it lists (ids as
    the storefront knows them, numeric). Products it does not list ship by the setup's default zones."""

    id: str
    name: str
    product_ids: frozenset[str] = frozenset()
    variant_ids: frozenset[str] = frozenset()
    zones: tuple[Zone, ...] = ()
    location_ids: frozenset[str] = frozenset()  # the locations its location groups ship from


@dataclass(frozen=True, slots=True)
class PickupLocation:
    """A location where shoppers collect their order (Shopify Location.localPickupSettingsV2): free, no transit."""

    id: str
    name: str
    country: str
    province: str | None = None
    ready: str | None = None  # one of PICKUP_READY_TIMES; None when the platform gives another or none


@dataclass(frozen=True, slots=True)
class LocalDelivery:
    """Delivery by the merchant's own people to nearby postcodes in the shop's country. Shopify's local delivery
    settings are not in its Admin API and BigCommerce has no such method, so the merchant states them in the admin."""

    postcodes: tuple[str, ...]  # upper case, no spaces; one ending in "*" covers every postcode it starts
    price: Decimal  # in the shop's currency; 0 is free
    minimum_order: Decimal | None = None  # a smaller cart is not delivered locally
    days: tuple[int, int] = (0, 1)  # business days after the order ships, like a method's transit days

    def __post_init__(self) -> None:
        _check_transit(self.days)

    def serves(self, postcode: str | None) -> bool:
        if not postcode:
            return False  # local delivery needs an address: without a postcode it cannot be promised
        wanted = "".join(postcode.upper().split())
        return any(wanted.startswith(code[:-1]) if code.endswith("*") else wanted == code for code in self.postcodes)


@dataclass(frozen=True, slots=True)
class ShippingSetup:
    origin_country: str
    timezone: str  # IANA name; cutoff and closures are in shop-local time
    currency: str
    zones: tuple[Zone, ...] = ()
    origin_subdivision: str | None = None  # narrows public holidays (e.g. a US state)
    processing_days: int = 1
    cutoff: time | None = None  # orders after this local time start processing the next shipping day
    closures: frozenset[date] = frozenset()
    default_transit_days: tuple[int, int] | None = None  # for methods the platform gives no transit time
    profiles: tuple[DeliveryProfile, ...] = ()  # product-specific profiles; `zones` is the default profile's
    pickups: tuple[PickupLocation, ...] = ()
    default_location_ids: frozenset[str] = frozenset()  # the default profile's locations; empty: not known
    local_delivery: LocalDelivery | None = None  # from the merchant (MerchantOverrides), never from a sync

    def __post_init__(self) -> None:
        if self.processing_days < 0:
            raise ValueError("processing_days must not be negative")
        _check_transit(self.default_transit_days)


@dataclass(frozen=True, slots=True)
class MethodOverride:
    method: str  # a method id, or its name (names survive a platform re-sync that renumbers ids)
    typical_cost: Decimal | None = None
    transit_days: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class MerchantOverrides:
    processing_days: int | None = None
    cutoff: time | None = None
    closures: frozenset[date] = frozenset()  # added to the setup's closures
    default_transit_days: tuple[int, int] | None = None
    methods: tuple[MethodOverride, ...] = ()
    local_delivery: LocalDelivery | None = None

    def __post_init__(self) -> None:
        if self.processing_days is not None and self.processing_days < 0:
            raise ValueError("processing_days must not be negative")
        _check_transit(self.default_transit_days)
        for override in self.methods:
            _check_transit(override.transit_days)


def _check_transit(days: tuple[int, int] | None) -> None:
    if days is not None and not 0 <= days[0] <= days[1]:
        raise ValueError(f"transit days {days} must be 0 <= min <= max")


def apply_overrides(setup: ShippingSetup, overrides: MerchantOverrides) -> ShippingSetup:
    """Layer what the merchant told us over what the platform told us; the platform data stays untouched."""
    by_key = {override.method: override for override in overrides.methods}

    def override_method(method: Method) -> Method:
        found = by_key.get(method.id) or by_key.get(method.name)
        if found is None:
            return method
        return replace(
            method,
            typical_cost=found.typical_cost if found.typical_cost is not None else method.typical_cost,
            transit_days=found.transit_days or method.transit_days,
        )

    def override_zones(zones: tuple[Zone, ...]) -> tuple[Zone, ...]:
        return tuple(replace(zone, methods=tuple(map(override_method, zone.methods))) for zone in zones)

    return replace(
        setup,
        zones=override_zones(setup.zones),
        profiles=tuple(replace(profile, zones=override_zones(profile.zones)) for profile in setup.profiles),
        processing_days=setup.processing_days if overrides.processing_days is None else overrides.processing_days,
        cutoff=overrides.cutoff or setup.cutoff,
        closures=setup.closures | overrides.closures,
        default_transit_days=overrides.default_transit_days or setup.default_transit_days,
        local_delivery=overrides.local_delivery or setup.local_delivery,
    )


# --- JSON form (Decimals as strings, dates ISO, times "HH:MM") --------------------------------------------


def _dec_out(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def _dec_in(value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"expected a decimal string, got {value!r}")
    try:
        result = Decimal(value)
    except InvalidOperation as exc:
        raise ValueError(f"not a decimal: {value!r}") from exc
    if not result.is_finite():
        raise ValueError(f"not a finite decimal: {value!r}")
    return result


def _opt_dec_in(value: object) -> Decimal | None:
    return None if value is None else _dec_in(value)


def _transit_out(days: tuple[int, int] | None) -> list[int] | None:
    return None if days is None else [days[0], days[1]]


def _transit_in(value: object) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, list | tuple) or len(value) != 2 or not all(type(v) is int for v in value):
        raise ValueError(f"transit days must be [min, max], got {value!r}")
    days = (int(value[0]), int(value[1]))
    _check_transit(days)
    return days


def _time_out(value: time | None) -> str | None:
    return None if value is None else value.strftime("%H:%M")


def _time_in(value: object) -> time | None:
    return None if value is None else time.fromisoformat(str(value))


def _dates_in(value: object) -> frozenset[date]:
    return frozenset(date.fromisoformat(str(day)) for day in _list(value))


def _list(value: object) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ValueError(f"expected a list, got {value!r}")
    return value


def _handling_out(handling: Handling) -> dict[str, Any]:
    return {"fixed": _dec_out(handling.fixed), "percent": _dec_out(handling.percent)}


def _handling_in(data: Mapping[str, Any] | None) -> Handling:
    if not data:
        return Handling()
    return Handling(_dec_in(data.get("fixed", "0")), _dec_in(data.get("percent", "0")))


def method_to_dict(method: Method) -> dict[str, Any]:
    return {
        "id": method.id,
        "name": method.name,
        "kind": method.kind.value,
        "rate": _dec_out(method.rate),
        "tiers": [
            {"lower": _dec_out(t.lower), "upper": _dec_out(t.upper), "cost": _dec_out(t.cost)} for t in method.tiers
        ],
        "default_cost": _dec_out(method.default_cost),
        "default_cost_is_percent": method.default_cost_is_percent,
        "min_weight_g": _dec_out(method.min_weight_g),
        "max_weight_g": _dec_out(method.max_weight_g),
        "min_subtotal": _dec_out(method.min_subtotal),
        "max_subtotal": _dec_out(method.max_subtotal),
        "handling": _handling_out(method.handling),
        "transit_days": _transit_out(method.transit_days),
        "typical_cost": _dec_out(method.typical_cost),
    }


def method_from_dict(data: Mapping[str, Any]) -> Method:
    return Method(
        id=str(data["id"]),
        name=str(data["name"]),
        kind=MethodKind(data["kind"]),
        rate=_dec_in(data.get("rate", "0")),
        tiers=tuple(
            Tier(_dec_in(t["lower"]), _opt_dec_in(t.get("upper")), _dec_in(t["cost"])) for t in _list(data.get("tiers"))
        ),
        default_cost=_opt_dec_in(data.get("default_cost")),
        default_cost_is_percent=bool(data.get("default_cost_is_percent", False)),
        min_weight_g=_opt_dec_in(data.get("min_weight_g")),
        max_weight_g=_opt_dec_in(data.get("max_weight_g")),
        min_subtotal=_opt_dec_in(data.get("min_subtotal")),
        max_subtotal=_opt_dec_in(data.get("max_subtotal")),
        handling=_handling_in(data.get("handling")),
        transit_days=_transit_in(data.get("transit_days")),
        typical_cost=_opt_dec_in(data.get("typical_cost")),
    )


def zone_to_dict(zone: Zone) -> dict[str, Any]:
    return {
        "id": zone.id,
        "name": zone.name,
        "rest_of_world": zone.rest_of_world,
        "regions": [
            {"country": r.country, "provinces": list(r.provinces), "postcodes": list(r.postcodes)} for r in zone.regions
        ],
        "free_shipping_threshold": _dec_out(zone.free_shipping_threshold),
        "handling": _handling_out(zone.handling),
        "methods": [method_to_dict(m) for m in zone.methods],
        "ships_from": list(zone.ships_from),
    }


def zone_from_dict(data: Mapping[str, Any]) -> Zone:
    return Zone(
        id=str(data["id"]),
        name=str(data["name"]),
        rest_of_world=bool(data.get("rest_of_world", False)),
        regions=tuple(
            Region(
                str(r["country"]),
                tuple(str(p) for p in _list(r.get("provinces"))),
                tuple(str(p) for p in _list(r.get("postcodes"))),
            )
            for r in _list(data.get("regions"))
        ),
        free_shipping_threshold=_opt_dec_in(data.get("free_shipping_threshold")),
        handling=_handling_in(data.get("handling")),
        methods=tuple(method_from_dict(m) for m in _list(data.get("methods"))),
        ships_from=tuple(str(c) for c in _list(data.get("ships_from"))),
    )


def profile_to_dict(profile: DeliveryProfile) -> dict[str, Any]:
    return {
        "id": profile.id,
        "name": profile.name,
        "product_ids": sorted(profile.product_ids),
        "variant_ids": sorted(profile.variant_ids),
        "location_ids": sorted(profile.location_ids),
        "zones": [zone_to_dict(z) for z in profile.zones],
    }


def profile_from_dict(data: Mapping[str, Any]) -> DeliveryProfile:
    return DeliveryProfile(
        id=str(data["id"]),
        name=str(data["name"]),
        product_ids=frozenset(str(i) for i in _list(data.get("product_ids"))),
        variant_ids=frozenset(str(i) for i in _list(data.get("variant_ids"))),
        location_ids=frozenset(str(i) for i in _list(data.get("location_ids"))),
        zones=tuple(zone_from_dict(z) for z in _list(data.get("zones"))),
    )


def pickup_to_dict(pickup: PickupLocation) -> dict[str, Any]:
    return {
        "id": pickup.id,
        "name": pickup.name,
        "country": pickup.country,
        "province": pickup.province,
        "ready": pickup.ready,
    }


def pickup_from_dict(data: Mapping[str, Any]) -> PickupLocation:
    ready = data.get("ready")
    if ready is not None and ready not in PICKUP_READY_TIMES:
        raise ValueError(f"unknown pickup ready time {ready!r}")
    return PickupLocation(
        id=str(data["id"]),
        name=str(data["name"]),
        country=str(data["country"]),
        province=None if data.get("province") is None else str(data["province"]),
        ready=None if ready is None else str(ready),
    )


def setup_to_dict(setup: ShippingSetup) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "origin_country": setup.origin_country,
        "origin_subdivision": setup.origin_subdivision,
        "timezone": setup.timezone,
        "currency": setup.currency,
        "processing_days": setup.processing_days,
        "cutoff": _time_out(setup.cutoff),
        "closures": sorted(day.isoformat() for day in setup.closures),
        "default_transit_days": _transit_out(setup.default_transit_days),
        "zones": [zone_to_dict(z) for z in setup.zones],
        "profiles": [profile_to_dict(p) for p in setup.profiles],
        "pickups": [pickup_to_dict(p) for p in setup.pickups],
        "default_location_ids": sorted(setup.default_location_ids),
    }


def setup_from_dict(data: Mapping[str, Any]) -> ShippingSetup:
    """Raises ValueError on anything malformed, including a stored schema this code does not know."""
    _check_version(data)
    try:
        return ShippingSetup(
            origin_country=str(data["origin_country"]),
            origin_subdivision=None if data.get("origin_subdivision") is None else str(data["origin_subdivision"]),
            timezone=str(data["timezone"]),
            currency=str(data["currency"]),
            processing_days=int(data.get("processing_days", 1)),
            cutoff=_time_in(data.get("cutoff")),
            closures=_dates_in(data.get("closures")),
            default_transit_days=_transit_in(data.get("default_transit_days")),
            zones=tuple(zone_from_dict(z) for z in _list(data.get("zones"))),
            profiles=tuple(profile_from_dict(p) for p in _list(data.get("profiles"))),
            pickups=tuple(pickup_from_dict(p) for p in _list(data.get("pickups"))),
            default_location_ids=frozenset(str(i) for i in _list(data.get("default_location_ids"))),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed shipping setup: {exc!r}") from exc


def overrides_to_dict(overrides: MerchantOverrides) -> dict[str, Any]:
    return {
        "version": SCHEMA_VERSION,
        "processing_days": overrides.processing_days,
        "cutoff": _time_out(overrides.cutoff),
        "closures": sorted(day.isoformat() for day in overrides.closures),
        "default_transit_days": _transit_out(overrides.default_transit_days),
        "methods": [
            {"method": o.method, "typical_cost": _dec_out(o.typical_cost), "transit_days": _transit_out(o.transit_days)}
            for o in overrides.methods
        ],
        "local_delivery": None
        if overrides.local_delivery is None
        else local_delivery_to_dict(overrides.local_delivery),
    }


def local_delivery_to_dict(local: LocalDelivery) -> dict[str, Any]:
    return {
        "postcodes": list(local.postcodes),
        "price": _dec_out(local.price),
        "minimum_order": _dec_out(local.minimum_order),
        "days": list(local.days),
    }


def local_delivery_from_dict(data: Mapping[str, Any]) -> LocalDelivery:
    days = _transit_in(data.get("days"))
    return LocalDelivery(
        postcodes=tuple(str(code) for code in _list(data.get("postcodes"))),
        price=_dec_in(data["price"]),
        minimum_order=_opt_dec_in(data.get("minimum_order")),
        days=days if days is not None else (0, 1),
    )


def overrides_from_dict(data: Mapping[str, Any]) -> MerchantOverrides:
    _check_version(data)
    try:
        processing = data.get("processing_days")
        return MerchantOverrides(
            processing_days=None if processing is None else int(processing),
            cutoff=_time_in(data.get("cutoff")),
            closures=_dates_in(data.get("closures")),
            default_transit_days=_transit_in(data.get("default_transit_days")),
            methods=tuple(
                MethodOverride(
                    method=str(o["method"]),
                    typical_cost=_opt_dec_in(o.get("typical_cost")),
                    transit_days=_transit_in(o.get("transit_days")),
                )
                for o in _list(data.get("methods"))
            ),
            local_delivery=None if not data.get("local_delivery") else local_delivery_from_dict(data["local_delivery"]),
        )
    except (KeyError, TypeError) as exc:
        raise ValueError(f"malformed merchant overrides: {exc!r}") from exc


def _check_version(data: Mapping[str, Any]) -> None:
    if data.get("version", SCHEMA_VERSION) != SCHEMA_VERSION:
        raise ValueError(f"unsupported schema version {data.get('version')!r}")


# --- platform payloads ------------------------------------------------------------------------------------


def _platform_dec(value: object) -> Decimal:
    """Platform JSON carries money as numbers or strings; str() keeps a float's shortest repr (8.5, not 8.4999...)."""
    if value is None or value == "":
        return ZERO
    if isinstance(value, float):
        value = str(value)
    return _dec_in(value)


# Grams per unit. BigCommerce ranges use the store's weight unit (GET /v2/store `weight_units`).
_GRAMS_PER_UNIT: dict[str, Decimal] = {
    "g": Decimal(1),
    "grams": Decimal(1),
    "kg": Decimal(1000),
    "kgs": Decimal(1000),
    "kilograms": Decimal(1000),
    "oz": Decimal("28.349523125"),
    "ounces": Decimal("28.349523125"),
    "lb": Decimal("453.59237"),
    "lbs": Decimal("453.59237"),
    "pounds": Decimal("453.59237"),
    "tonnes": Decimal(1_000_000),
}


def grams_per_unit(unit: str) -> Decimal:
    try:
        return _GRAMS_PER_UNIT[unit.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown weight unit {unit!r}") from None


_BIGCOMMERCE_KINDS = {
    "perorder": MethodKind.FLAT,
    "peritem": MethodKind.PER_ITEM,
    "weight": MethodKind.WEIGHT,
    "total": MethodKind.TOTAL,
    "freeshipping": MethodKind.FREE,
}


def _bigcommerce_handling(fees: Mapping[str, Any] | None) -> Handling:
    if not fees:
        return Handling()
    return Handling(_platform_dec(fees.get("fixed_surcharge")), _platform_dec(fees.get("percentage_surcharge")))


def _bigcommerce_regions(zone_type: str, locations: Sequence[Mapping[str, Any]]) -> tuple[Region, ...]:
    grouped: dict[str, list[str]] = {}
    for location in locations:
        country = str(location.get("country_iso2") or "").upper()
        if not country:
            continue
        values = grouped.setdefault(country, [])
        if zone_type == "state" and location.get("state_iso2"):
            values.append(str(location["state_iso2"]))
        elif zone_type == "zip" and location.get("zip"):
            values.append(str(location["zip"]))
    if zone_type == "state":
        return tuple(Region(country, provinces=tuple(values)) for country, values in grouped.items())
    if zone_type == "zip":
        return tuple(Region(country, postcodes=tuple(values)) for country, values in grouped.items())
    return tuple(Region(country) for country in grouped)


def _bigcommerce_method(data: Mapping[str, Any], grams: Decimal) -> Method | None:
    if data.get("enabled") is False or data.get("is_fallback"):
        return None  # a fallback only shows when a live carrier quote fails: not a price to advertise
    platform_type = str(data.get("type", ""))
    kind = _BIGCOMMERCE_KINDS.get(platform_type, MethodKind.CARRIER)
    settings: Mapping[str, Any] = data.get("settings") or {}
    scale = grams if kind is MethodKind.WEIGHT else Decimal(1)
    tiers = tuple(
        Tier(
            _platform_dec(row.get("lower_limit")) * scale,
            None if row.get("upper_limit") is None else _platform_dec(row["upper_limit"]) * scale,
            _platform_dec(row.get("shipping_cost")),
        )
        for row in settings.get("range") or ()
    )
    has_default = kind in (MethodKind.WEIGHT, MethodKind.TOTAL) and settings.get("default_cost") is not None
    return Method(
        id=str(data.get("id", "")),
        name=str(data.get("name") or platform_type),
        kind=kind,
        rate=_platform_dec(settings.get("rate")) if kind in (MethodKind.FLAT, MethodKind.PER_ITEM) else ZERO,
        tiers=tiers,
        default_cost=_platform_dec(settings["default_cost"]) if has_default else None,
        default_cost_is_percent=settings.get("default_cost_type") == "percentage_of_total",
        handling=_bigcommerce_handling(data.get("handling_fees")),
    )


def zones_from_bigcommerce(
    zones_json: Sequence[Mapping[str, Any]],
    methods_by_zone_json: Mapping[Any, Sequence[Mapping[str, Any]]],
    *,
    weight_unit: str,
) -> tuple[Zone, ...]:
    """Map GET /v2/shipping/zones plus /v2/shipping/zones/{id}/methods (keyed by zone id, int or str)."""
    grams = grams_per_unit(weight_unit)
    methods_by_key = {str(key): value for key, value in methods_by_zone_json.items()}
    zones: list[Zone] = []
    for data in zones_json:
        if data.get("enabled") is False:
            continue
        zone_type = str(data.get("type", "country"))
        free: Mapping[str, Any] = data.get("free_shipping") or {}
        methods = (_bigcommerce_method(m, grams) for m in methods_by_key.get(str(data.get("id")), ()))
        zones.append(
            Zone(
                id=str(data.get("id", "")),
                name=str(data.get("name") or ""),
                regions=_bigcommerce_regions(zone_type, data.get("locations") or ()),
                rest_of_world=zone_type == "global",
                methods=tuple(m for m in methods if m is not None),
                free_shipping_threshold=_platform_dec(free.get("minimum_sub_total")) if free.get("enabled") else None,
                handling=_bigcommerce_handling(data.get("handling_fees")),
            )
        )
    return tuple(zones)


# Field names checked against the Admin GraphQL reference (DeliveryProfile, DeliveryLocationGroupZone,
# DeliveryMethodDefinition, DeliveryRateProvider = DeliveryRateDefinition | DeliveryParticipant,
# DeliveryCondition with DeliveryConditionCriteria = MoneyV2 | Weight). Nested connections multiply query
# cost, so the page sizes are variables the adapter can lower and page through.
DELIVERY_PROFILES_QUERY = """
query DeliveryProfiles($profiles: Int = 5, $zones: Int = 20, $methods: Int = 10, $locations: Int = 10, $after: String) {
  deliveryProfiles(first: $profiles, after: $after) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id
      name
      default
      profileLocationGroups {
        locationGroup {
          id
          locations(first: $locations) {
            nodes {
              id
              name
              isActive
              address { countryCode provinceCode }
              localPickupSettingsV2 { pickupTime instructions }
            }
          }
        }
        locationGroupZones(first: $zones) {
          nodes {
            zone {
              id
              name
              countries {
                code { countryCode restOfWorld }
                provinces { code }
              }
            }
            methodDefinitions(first: $methods) {
              nodes {
                id
                name
                active
                rateProvider {
                  __typename
                  ... on DeliveryRateDefinition { id price { amount currencyCode } }
                  ... on DeliveryParticipant {
                    id
                    fixedFee { amount currencyCode }
                    percentageOfRateFee
                    carrierService { id name }
                    participantServices { name active }
                  }
                }
                methodConditions {
                  field
                  operator
                  conditionCriteria {
                    __typename
                    ... on Weight { unit value }
                    ... on MoneyV2 { amount currencyCode }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}
""".strip()


def nodes_of(connection: Mapping[str, Any] | Sequence[Any] | None) -> list[Mapping[str, Any]]:
    """Accept a GraphQL connection as `nodes`, as `edges { node }`, or already a list."""
    if connection is None:
        return []
    if isinstance(connection, Sequence):
        return list(connection)
    if "nodes" in connection:
        return list(connection["nodes"] or ())
    return [edge["node"] for edge in connection.get("edges") or ()]


@dataclass(frozen=True, slots=True)
class _Bounds:
    min_weight_g: Decimal | None = None
    max_weight_g: Decimal | None = None
    min_subtotal: Decimal | None = None
    max_subtotal: Decimal | None = None


def _shopify_bounds(method: Mapping[str, Any]) -> _Bounds:
    bounds = _Bounds()
    for condition in method.get("methodConditions") or ():
        criteria: Mapping[str, Any] = condition.get("conditionCriteria") or {}
        side = "min" if condition.get("operator") == "GREATER_THAN_OR_EQUAL_TO" else "max"
        if condition.get("field") == "TOTAL_WEIGHT":
            grams = _platform_dec(criteria.get("value")) * grams_per_unit(str(criteria.get("unit", "GRAMS")))
            bounds = replace(bounds, **{f"{side}_weight_g": grams})
        elif condition.get("field") == "TOTAL_PRICE":
            bounds = replace(bounds, **{f"{side}_subtotal": _platform_dec(criteria.get("amount"))})
    return bounds


def _shopify_method(data: Mapping[str, Any]) -> Method | None:
    if data.get("active") is False:
        return None
    provider: Mapping[str, Any] = data.get("rateProvider") or {}
    if provider.get("__typename") == "DeliveryRateDefinition" or "price" in provider:
        price: Mapping[str, Any] = provider.get("price") or {}
        kind, rate, handling = MethodKind.FLAT, _platform_dec(price.get("amount")), Handling()
    else:
        fixed_fee: Mapping[str, Any] = provider.get("fixedFee") or {}
        kind, rate = MethodKind.CARRIER, ZERO
        handling = Handling(_platform_dec(fixed_fee.get("amount")), _platform_dec(provider.get("percentageOfRateFee")))
    bounds = _shopify_bounds(data)
    return Method(
        id=str(data.get("id", "")),
        name=str(data.get("name") or ""),
        kind=kind,
        rate=rate,
        handling=handling,
        min_weight_g=bounds.min_weight_g,
        max_weight_g=bounds.max_weight_g,
        min_subtotal=bounds.min_subtotal,
        max_subtotal=bounds.max_subtotal,
    )


def shopify_zone(data: Mapping[str, Any], ships_from: tuple[str, ...] = ()) -> Zone:
    """One DeliveryLocationGroupZone; `ships_from` names the countries of its location group's locations."""
    zone: Mapping[str, Any] = data.get("zone") or {}
    regions: list[Region] = []
    rest_of_world = False
    for country in zone.get("countries") or ():
        code: Mapping[str, Any] = country.get("code") or {}
        if code.get("restOfWorld"):
            rest_of_world = True
        elif code.get("countryCode"):
            provinces = tuple(str(p["code"]) for p in country.get("provinces") or () if p.get("code"))
            regions.append(Region(str(code["countryCode"]), provinces=provinces))
    methods = (_shopify_method(m) for m in nodes_of(data.get("methodDefinitions")))
    return Zone(
        id=str(zone.get("id", "")),
        name=str(zone.get("name") or ""),
        regions=tuple(regions),
        rest_of_world=rest_of_world,
        methods=tuple(m for m in methods if m is not None),
        ships_from=ships_from,
    )


def zones_from_shopify_delivery_profiles(
    graphql_json_data: Mapping[str, Any], *, profile_id: str | None = None
) -> tuple[Zone, ...]:
    """Map a DELIVERY_PROFILES_QUERY answer (its `data`, or the whole body) for one profile, the default one
    unless `profile_id` is given. Every profile with its products: `plugin.shopify.delivery_profiles`."""
    root: Mapping[str, Any] = graphql_json_data.get("data", graphql_json_data)
    profiles = nodes_of(root.get("deliveryProfiles"))
    chosen = _choose_profile(profiles, profile_id)
    if chosen is None:
        return ()
    groups: Iterable[Mapping[str, Any]] = chosen.get("profileLocationGroups") or ()
    return tuple(
        shopify_zone(z, group_countries(group)) for group in groups for z in nodes_of(group.get("locationGroupZones"))
    )


def group_locations(group: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The active locations of a DeliveryProfileLocationGroup, as the query asks for them."""
    location_group: Mapping[str, Any] = group.get("locationGroup") or {}
    return [loc for loc in nodes_of(location_group.get("locations")) if loc.get("isActive") is not False]


def group_countries(group: Mapping[str, Any]) -> tuple[str, ...]:
    codes = (str((loc.get("address") or {}).get("countryCode") or "").upper() for loc in group_locations(group))
    return tuple(dict.fromkeys(code for code in codes if code))


def _choose_profile(profiles: list[Mapping[str, Any]], profile_id: str | None) -> Mapping[str, Any] | None:
    if profile_id is not None:
        return next((p for p in profiles if p.get("id") == profile_id), None)
    return next((p for p in profiles if p.get("default")), profiles[0] if profiles else None)
