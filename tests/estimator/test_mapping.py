"""Platform payloads map into the rate model, and the model survives its JSON round trip."""

from __future__ import annotations

import json
from datetime import date, time
from decimal import Decimal
from typing import Any

import pytest

from plugin.rates import (
    DELIVERY_PROFILES_QUERY,
    Handling,
    MerchantOverrides,
    Method,
    MethodKind,
    MethodOverride,
    ShippingSetup,
    Tier,
    Zone,
    apply_overrides,
    overrides_from_dict,
    overrides_to_dict,
    setup_from_dict,
    setup_to_dict,
    zones_from_bigcommerce,
    zones_from_shopify_delivery_profiles,
)

# Shaped like GET /v2/shipping/zones and GET /v2/shipping/zones/{id}/methods of a store using pounds.
BIGCOMMERCE_ZONES: list[dict[str, Any]] = [
    {
        "id": 1,
        "name": "United States",
        "type": "country",
        "locations": [{"id": 11, "country_iso2": "US"}],
        "free_shipping": {"enabled": True, "minimum_sub_total": "100.0000", "exclude_fixed_shipping_products": False},
        "handling_fees": {"fixed_surcharge": "1.5000", "display_separately": True},
        "enabled": True,
    },
    {
        "id": 2,
        "name": "California",
        "type": "state",
        "locations": [{"id": 21, "country_iso2": "US", "state_iso2": "CA"}],
        "free_shipping": {"enabled": False, "minimum_sub_total": "0.0000", "exclude_fixed_shipping_products": False},
        "handling_fees": {"percentage_surcharge": "10.0000", "display_separately": False},
        "enabled": True,
    },
    {
        "id": 3,
        "name": "Sydney metro",
        "type": "zip",
        "locations": [
            {"id": 31, "zip": "2000-2234", "country_iso2": "AU"},
            {"id": 32, "zip": "2555", "country_iso2": "AU"},
        ],
        "free_shipping": {"enabled": False, "minimum_sub_total": "0.0000", "exclude_fixed_shipping_products": False},
        "handling_fees": {"fixed_surcharge": "0.0000", "display_separately": True},
        "enabled": True,
    },
    {
        "id": 4,
        "name": "Central London",
        "type": "zip",
        "locations": [
            {"id": 41, "zip": "SW1*", "country_iso2": "GB"},
            {"id": 42, "zip": "EC1A 1BB", "country_iso2": "GB"},
        ],
        "free_shipping": {"enabled": False, "minimum_sub_total": "0.0000", "exclude_fixed_shipping_products": False},
        "handling_fees": {"fixed_surcharge": "0.0000", "display_separately": True},
        "enabled": True,
    },
    {
        "id": 5,
        "name": "Australia",
        "type": "country",
        "locations": [{"id": 51, "country_iso2": "AU"}],
        "free_shipping": {"enabled": False, "minimum_sub_total": "0.0000", "exclude_fixed_shipping_products": False},
        "handling_fees": {"fixed_surcharge": "0.0000", "display_separately": True},
        "enabled": True,
    },
    {
        "id": 6,
        "name": "Rest of the world",
        "type": "global",
        "locations": [],
        "free_shipping": {"enabled": False, "minimum_sub_total": "0.0000", "exclude_fixed_shipping_products": False},
        "handling_fees": {"fixed_surcharge": "0.0000", "display_separately": True},
        "enabled": True,
    },
    {
        "id": 7,
        "name": "Canada (paused)",
        "type": "country",
        "locations": [{"id": 71, "country_iso2": "CA"}],
        "enabled": False,
    },
]

BIGCOMMERCE_METHODS: dict[int, list[dict[str, Any]]] = {
    1: [
        {"id": 101, "name": "Standard", "type": "perorder", "settings": {"rate": 7}, "enabled": True},
        {"id": 102, "name": "Per item", "type": "peritem", "settings": {"rate": 2.5}, "enabled": True},
        {"id": 103, "name": "UPS", "type": "upsready", "settings": {}, "enabled": True, "is_fallback": False},
        {"id": 104, "name": "Fallback", "type": "perorder", "settings": {"rate": 50}, "is_fallback": True},
        {"id": 105, "name": "Retired", "type": "perorder", "settings": {"rate": 1}, "enabled": False},
    ],
    2: [
        {
            "id": 201,
            "name": "By weight",
            "type": "weight",
            "settings": {
                "default_cost": 20,
                "default_cost_type": "fixed_amount",
                "range": [
                    {"lower_limit": 0, "upper_limit": 2, "shipping_cost": 5},
                    {"lower_limit": 2, "upper_limit": 10, "shipping_cost": 9},
                ],
            },
            "enabled": True,
            "handling_fees": {"fixed_surcharge": 0},
        }
    ],
    3: [
        {
            "id": 301,
            "name": "By order total",
            "type": "total",
            "settings": {
                "default_cost": 10,
                "default_cost_type": "percentage_of_total",
                "include_order_total_taxes": False,
                "range": [
                    {"lower_limit": 0, "upper_limit": 49.99, "shipping_cost": 9.95},
                    {"lower_limit": 50, "upper_limit": 100000, "shipping_cost": 0},
                ],
            },
            "enabled": True,
        }
    ],
    4: [{"id": 401, "name": "Free courier", "type": "freeshipping", "settings": {}, "enabled": True}],
    5: [
        {
            "id": 501,
            "name": "AusPost standard",
            "type": "perorder",
            "settings": {"rate": 12.5},
            "enabled": True,
            "handling_fees": {"fixed_surcharge": 1},
        }
    ],
    6: [{"id": 601, "name": "International", "type": "perorder", "settings": {"rate": 30}, "enabled": True}],
}


def bigcommerce_zones() -> tuple[Zone, ...]:
    return zones_from_bigcommerce(BIGCOMMERCE_ZONES, BIGCOMMERCE_METHODS, weight_unit="LBS")


def _rate(gid: int, name: str, amount: str, conditions: list[dict[str, Any]], *, active: bool = True) -> dict[str, Any]:
    return {
        "id": f"gid://shopify/DeliveryMethodDefinition/{gid}",
        "name": name,
        "active": active,
        "rateProvider": {
            "__typename": "DeliveryRateDefinition",
            "id": f"gid://shopify/DeliveryRateDefinition/{gid}",
            "price": {"amount": amount, "currencyCode": "EUR"},
        },
        "methodConditions": conditions,
    }


def _weight(operator: str, value: float, unit: str) -> dict[str, Any]:
    return {
        "field": "TOTAL_WEIGHT",
        "operator": operator,
        "conditionCriteria": {"__typename": "Weight", "unit": unit, "value": value},
    }


def _price(operator: str, amount: str) -> dict[str, Any]:
    return {
        "field": "TOTAL_PRICE",
        "operator": operator,
        "conditionCriteria": {"__typename": "MoneyV2", "amount": amount, "currencyCode": "EUR"},
    }


def _country(code: str | None, provinces: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "code": {"countryCode": code, "restOfWorld": code is None},
        "provinces": [{"code": p} for p in provinces],
    }


LE, GE = "LESS_THAN_OR_EQUAL_TO", "GREATER_THAN_OR_EQUAL_TO"

# Shaped like the `data` of DELIVERY_PROFILES_QUERY for a German shop; one connection uses `edges`.
SHOPIFY_PROFILES: dict[str, Any] = {
    "data": {
        "deliveryProfiles": {
            "pageInfo": {"hasNextPage": False, "endCursor": "eyJsYXN0X2lkIjoyfQ=="},
            "nodes": [
                {
                    "id": "gid://shopify/DeliveryProfile/2",
                    "name": "Oversized",
                    "default": False,
                    "profileLocationGroups": [
                        {
                            "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/9"},
                            "locationGroupZones": {
                                "nodes": [
                                    {
                                        "zone": {
                                            "id": "gid://shopify/DeliveryZone/90",
                                            "name": "Germany freight",
                                            "countries": [_country("DE")],
                                        },
                                        "methodDefinitions": {"nodes": [_rate(900, "Freight", "99.00", [])]},
                                    }
                                ]
                            },
                        }
                    ],
                },
                {
                    "id": "gid://shopify/DeliveryProfile/1",
                    "name": "General profile",
                    "default": True,
                    "profileLocationGroups": [
                        {
                            "locationGroup": {"id": "gid://shopify/DeliveryLocationGroup/1"},
                            "locationGroupZones": {
                                "edges": [
                                    {
                                        "node": {
                                            "zone": {
                                                "id": "gid://shopify/DeliveryZone/10",
                                                "name": "Domestic",
                                                "countries": [_country("DE")],
                                            },
                                            "methodDefinitions": {
                                                "nodes": [
                                                    _rate(
                                                        11,
                                                        "Standard",
                                                        "4.9",
                                                        [_weight(LE, 5.0, "KILOGRAMS"), _price(LE, "49.99")],
                                                    ),
                                                    _rate(
                                                        12,
                                                        "Free standard",
                                                        "0.0",
                                                        [_weight(LE, 5.0, "KILOGRAMS"), _price(GE, "50.0")],
                                                    ),
                                                    _rate(13, "Heavy parcel", "14.9", [_weight(GE, 5.0, "KILOGRAMS")]),
                                                    _rate(14, "Old rate", "1.0", [], active=False),
                                                    {
                                                        "id": "gid://shopify/DeliveryMethodDefinition/15",
                                                        "name": "DHL Express",
                                                        "active": True,
                                                        "rateProvider": {
                                                            "__typename": "DeliveryParticipant",
                                                            "id": "gid://shopify/DeliveryParticipant/3",
                                                            "fixedFee": {"amount": "2.0", "currencyCode": "EUR"},
                                                            "percentageOfRateFee": 5.0,
                                                            "carrierService": {
                                                                "id": "gid://shopify/DeliveryCarrierService/7",
                                                                "name": "DHL",
                                                            },
                                                            "participantServices": [
                                                                {"name": "DHL Express Worldwide", "active": True}
                                                            ],
                                                        },
                                                        "methodConditions": [],
                                                    },
                                                ]
                                            },
                                        }
                                    },
                                    {
                                        "node": {
                                            "zone": {
                                                "id": "gid://shopify/DeliveryZone/20",
                                                "name": "Canada east",
                                                "countries": [_country("CA", ("ON", "QC"))],
                                            },
                                            "methodDefinitions": {"nodes": [_rate(21, "Canada Post", "15.0", [])]},
                                        }
                                    },
                                    {
                                        "node": {
                                            "zone": {
                                                "id": "gid://shopify/DeliveryZone/30",
                                                "name": "Rest of world",
                                                "countries": [_country(None)],
                                            },
                                            "methodDefinitions": {
                                                "nodes": [
                                                    _rate(31, "International", "25.0", [_weight(LE, 20, "POUNDS")])
                                                ]
                                            },
                                        }
                                    },
                                ]
                            },
                        }
                    ],
                },
            ],
        }
    }
}


def shopify_zones() -> tuple[Zone, ...]:
    return zones_from_shopify_delivery_profiles(SHOPIFY_PROFILES)


def _by_name(zones: tuple[Zone, ...]) -> dict[str, Zone]:
    return {zone.name: zone for zone in zones}


def _method(zone: Zone, name: str) -> Method:
    return next(m for m in zone.methods if m.name == name)


def test_bigcommerce_zones_keep_enabled_zones_in_order() -> None:
    names = [zone.name for zone in bigcommerce_zones()]
    assert names == ["United States", "California", "Sydney metro", "Central London", "Australia", "Rest of the world"]


def test_bigcommerce_zone_settings_map_to_thresholds_fees_and_regions() -> None:
    zones = _by_name(bigcommerce_zones())
    us, california, sydney = zones["United States"], zones["California"], zones["Sydney metro"]
    assert us.free_shipping_threshold == Decimal("100")
    assert us.handling == Handling(fixed=Decimal("1.5"))
    assert california.free_shipping_threshold is None
    assert california.handling == Handling(percent=Decimal("10"))
    assert california.regions[0].provinces == ("CA",)
    assert sydney.regions[0].postcodes == ("2000-2234", "2555")
    assert zones["Rest of the world"].rest_of_world


@pytest.mark.parametrize(
    ("zone", "method", "kind"),
    [
        ("United States", "Standard", MethodKind.FLAT),
        ("United States", "Per item", MethodKind.PER_ITEM),
        ("United States", "UPS", MethodKind.CARRIER),
        ("California", "By weight", MethodKind.WEIGHT),
        ("Sydney metro", "By order total", MethodKind.TOTAL),
        ("Central London", "Free courier", MethodKind.FREE),
    ],
    ids=["perorder", "peritem", "carrier", "weight", "total", "freeshipping"],
)
def test_bigcommerce_method_types(zone: str, method: str, kind: MethodKind) -> None:
    found = _method(_by_name(bigcommerce_zones())[zone], method)
    assert found.kind is kind
    assert found.computable is (kind is not MethodKind.CARRIER)


def test_bigcommerce_skips_disabled_and_fallback_methods() -> None:
    names = [m.name for m in _by_name(bigcommerce_zones())["United States"].methods]
    assert names == ["Standard", "Per item", "UPS"]


def test_bigcommerce_weight_ranges_become_grams_and_money_stays_exact() -> None:
    by_weight = _method(_by_name(bigcommerce_zones())["California"], "By weight")
    assert by_weight.tiers[0] == Tier(Decimal(0), Decimal("907.18474"), Decimal(5))
    assert by_weight.default_cost == Decimal(20) and not by_weight.default_cost_is_percent
    by_total = _method(_by_name(bigcommerce_zones())["Sydney metro"], "By order total")
    assert by_total.tiers[0].upper == Decimal("49.99")  # not 49.990000000000002
    assert by_total.default_cost_is_percent


def test_bigcommerce_rejects_an_unknown_weight_unit() -> None:
    with pytest.raises(ValueError, match="weight unit"):
        zones_from_bigcommerce(BIGCOMMERCE_ZONES, BIGCOMMERCE_METHODS, weight_unit="stone")


def test_shopify_uses_the_default_profile_and_skips_inactive_methods() -> None:
    zones = _by_name(shopify_zones())
    assert list(zones) == ["Domestic", "Canada east", "Rest of world"]
    assert [m.name for m in zones["Domestic"].methods] == ["Standard", "Free standard", "Heavy parcel", "DHL Express"]


def test_shopify_can_pick_another_profile() -> None:
    zones = zones_from_shopify_delivery_profiles(SHOPIFY_PROFILES, profile_id="gid://shopify/DeliveryProfile/2")
    assert [z.name for z in zones] == ["Germany freight"]


def test_shopify_conditions_become_inclusive_bounds_in_grams_and_money() -> None:
    domestic = _by_name(shopify_zones())["Domestic"]
    standard, free = _method(domestic, "Standard"), _method(domestic, "Free standard")
    assert (standard.rate, standard.max_weight_g, standard.max_subtotal) == (
        Decimal("4.9"),
        Decimal(5000),
        Decimal("49.99"),
    )
    assert (free.rate, free.min_subtotal, free.max_weight_g) == (Decimal(0), Decimal(50), Decimal(5000))
    international = _method(_by_name(shopify_zones())["Rest of world"], "International")
    assert international.max_weight_g == Decimal("9071.8474")


def test_shopify_participant_is_a_carrier_with_its_fees_as_handling() -> None:
    dhl = _method(_by_name(shopify_zones())["Domestic"], "DHL Express")
    assert dhl.kind is MethodKind.CARRIER and not dhl.computable
    assert dhl.handling == Handling(fixed=Decimal(2), percent=Decimal(5))


def test_shopify_regions_keep_provinces_and_rest_of_world() -> None:
    zones = _by_name(shopify_zones())
    assert zones["Canada east"].regions[0].provinces == ("ON", "QC")
    assert zones["Rest of world"].rest_of_world and not zones["Rest of world"].regions


def test_shopify_without_profiles_has_no_zones() -> None:
    assert zones_from_shopify_delivery_profiles({"deliveryProfiles": {"nodes": []}}) == ()


def test_the_query_asks_for_every_field_the_mapping_reads() -> None:
    for field in (
        "profileLocationGroups",
        "locationGroupZones",
        "countryCode",
        "restOfWorld",
        "provinces { code }",
        "methodDefinitions",
        "... on DeliveryRateDefinition",
        "... on DeliveryParticipant",
        "percentageOfRateFee",
        "conditionCriteria",
        "... on Weight { unit value }",
        "... on MoneyV2 { amount currencyCode }",
    ):
        assert field in DELIVERY_PROFILES_QUERY


def _setup(zones: tuple[Zone, ...]) -> ShippingSetup:
    return ShippingSetup(
        origin_country="DE",
        timezone="Europe/Berlin",
        currency="EUR",
        zones=zones,
        processing_days=1,
        cutoff=time(14, 0),
        closures=frozenset({date(2026, 12, 24), date(2026, 12, 31)}),
        default_transit_days=(1, 3),
    )


def _walk(value: object) -> list[object]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _walk(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _walk(item)]
    return [value]


@pytest.mark.parametrize("zones", [bigcommerce_zones, shopify_zones], ids=["bigcommerce", "shopify"])
def test_setup_round_trips_through_json(zones: Any) -> None:
    setup = _setup(zones())
    stored = json.dumps(setup_to_dict(setup))
    assert setup_from_dict(json.loads(stored)) == setup
    assert not any(isinstance(leaf, float) for leaf in _walk(json.loads(stored)))


def test_json_form_writes_decimals_as_strings_and_dates_iso() -> None:
    data = setup_to_dict(_setup(bigcommerce_zones()))
    assert data["version"] == 1
    assert data["cutoff"] == "14:00"
    assert data["closures"] == ["2026-12-24", "2026-12-31"]
    assert data["zones"][0]["free_shipping_threshold"] == "100.0000"
    assert data["zones"][1]["methods"][0]["tiers"][0] == {"lower": "0.00000", "upper": "907.18474", "cost": "5"}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"version": 99}, "schema version"),
        ({"currency": None, "zones": [{"id": "1"}]}, "malformed"),
        ({"zones": [{"id": "1", "name": "x", "handling": {"fixed": "1.0.0"}}]}, "not a decimal"),
        ({"zones": [{"id": "1", "name": "x", "handling": {"fixed": 1.5}}]}, "decimal string"),
        ({"default_transit_days": [3, 1]}, "transit days"),
    ],
    ids=["future-version", "missing-field", "bad-decimal", "float-money", "transit-backwards"],
)
def test_setup_from_dict_rejects_malformed_data(change: dict[str, Any], message: str) -> None:
    data = setup_to_dict(_setup(()))
    data.update(change)
    with pytest.raises(ValueError, match=message):
        setup_from_dict(data)


def test_overrides_layer_over_platform_data_without_changing_it() -> None:
    setup = _setup(shopify_zones())
    overrides = MerchantOverrides(
        processing_days=0,
        closures=frozenset({date(2026, 8, 3)}),
        methods=(
            MethodOverride("DHL Express", typical_cost=Decimal("9.00"), transit_days=(1, 1)),
            MethodOverride("gid://shopify/DeliveryMethodDefinition/11", transit_days=(2, 3)),
        ),
    )
    merged = apply_overrides(setup, overrides)
    domestic = _by_name(merged.zones)["Domestic"]
    assert _method(domestic, "DHL Express").typical_cost == Decimal("9.00")
    assert _method(domestic, "DHL Express").transit_days == (1, 1)
    assert _method(domestic, "Standard").transit_days == (2, 3)
    assert _method(domestic, "Heavy parcel").transit_days is None
    assert merged.processing_days == 0 and merged.cutoff == time(14, 0)
    assert merged.closures == setup.closures | {date(2026, 8, 3)}
    assert _method(_by_name(setup.zones)["Domestic"], "DHL Express").typical_cost is None


def test_overrides_round_trip_through_json() -> None:
    overrides = MerchantOverrides(
        processing_days=2,
        cutoff=time(12, 30),
        default_transit_days=(2, 5),
        methods=(MethodOverride("UPS", typical_cost=Decimal("12.50"), transit_days=(1, 3)),),
    )
    assert overrides_from_dict(json.loads(json.dumps(overrides_to_dict(overrides)))) == overrides


def test_overrides_reject_negative_processing_days() -> None:
    with pytest.raises(ValueError, match="processing_days"):
        MerchantOverrides(processing_days=-1)
