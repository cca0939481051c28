"""End to end: raw shopper input to options, costs, delivery windows and the ship-today countdown."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from plugin.rates import (
    MerchantOverrides,
    Method,
    MethodKind,
    MethodOverride,
    Region,
    ShippingSetup,
    Zone,
    apply_overrides,
)
from widgets.estimator import (
    Estimate,
    EstimateInputError,
    EstimateRequest,
    FreeShippingProgress,
    MatchLevel,
    compile_setup,
    estimate,
    parse_estimate_request,
)

from .test_mapping import bigcommerce_zones, shopify_zones

BERLIN = ZoneInfo("Europe/Berlin")
MONDAY_MORNING = datetime(2026, 6, 1, 11, 46, 30, tzinfo=BERLIN)

GERMAN_SHOP = apply_overrides(
    ShippingSetup(
        origin_country="DE",
        timezone="Europe/Berlin",
        currency="EUR",
        zones=shopify_zones(),
        processing_days=0,
        cutoff=time(14, 0),
        default_transit_days=(1, 3),
    ),
    MerchantOverrides(methods=(MethodOverride("DHL Express", transit_days=(1, 1)),)),
)
US_SHOP = ShippingSetup(
    origin_country="US",
    timezone="America/New_York",
    currency="USD",
    zones=bigcommerce_zones(),
    processing_days=1,
    cutoff=time(15, 0),
    default_transit_days=(3, 5),
)


def _request(
    country: str, subtotal: str, *, currency: str = "EUR", weight_g: int = 0, postcode: str | None = None
) -> EstimateRequest:
    return EstimateRequest(country, Decimal(subtotal), currency, weight_g=weight_g, postcode=postcode)


def test_domestic_estimate_before_cutoff() -> None:
    result = estimate(compile_setup(GERMAN_SHOP), _request("DE", "20.00", weight_g=1000), MONDAY_MORNING)
    assert result.ships_here and result.zone_name == "Domestic" and result.match is MatchLevel.COUNTRY
    assert result.ship_date == date(2026, 6, 1)
    assert result.order_within == timedelta(hours=2, minutes=13, seconds=30)
    standard, dhl = result.options
    assert (standard.name, standard.cost, standard.free, standard.computable) == (
        "Standard",
        Decimal("4.90"),
        False,
        True,
    )
    assert (standard.earliest, standard.latest) == (date(2026, 6, 2), date(2026, 6, 4))
    assert (dhl.name, dhl.cost, dhl.computable) == ("DHL Express", None, False)
    assert (dhl.earliest, dhl.latest) == (date(2026, 6, 2), date(2026, 6, 2))
    assert result.calculated_at_checkout == ("DHL Express",)
    assert result.free_shipping == FreeShippingProgress(Decimal("50.00"), Decimal("30.00"))


def test_after_cutoff_there_is_no_countdown_and_everything_moves_a_day() -> None:
    result = estimate(GERMAN_SHOP, _request("DE", "20.00", weight_g=1000), MONDAY_MORNING.replace(hour=15))
    assert (result.ship_date, result.order_within) == (date(2026, 6, 2), None)
    assert (result.options[0].earliest, result.options[0].latest) == (date(2026, 6, 3), date(2026, 6, 5))


def test_free_option_once_over_the_threshold() -> None:
    result = estimate(GERMAN_SHOP, _request("DE", "50.00", weight_g=1000), MONDAY_MORNING)
    assert [(o.name, o.cost, o.free) for o in result.options][0] == ("Free standard", Decimal("0.00"), True)
    assert result.free_shipping is not None and result.free_shipping.qualified


def test_a_typical_carrier_cost_replaces_calculated_at_checkout() -> None:
    shop = apply_overrides(GERMAN_SHOP, MerchantOverrides(methods=(MethodOverride("DHL Express", Decimal("9.00")),)))
    result = estimate(shop, _request("DE", "20.00", weight_g=1000), MONDAY_MORNING)
    dhl = next(o for o in result.options if o.name == "DHL Express")
    assert (dhl.cost, dhl.computable) == (Decimal("11.45"), False)
    assert result.calculated_at_checkout == ()


def test_bigcommerce_store_quotes_a_postcode_zone() -> None:
    now = datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("America/New_York"))
    result = estimate(US_SHOP, _request("AU", "30.00", postcode="2000", currency="USD"), now)
    assert (result.zone_name, result.match) == ("Sydney metro", MatchLevel.POSTCODE_PATTERN)
    assert [(o.name, o.cost) for o in result.options] == [("By order total", Decimal("9.95"))]
    # One processing day, then 3-5 business days across Thanksgiving.
    assert result.ship_date == date(2026, 11, 25)
    assert (result.options[0].earliest, result.options[0].latest) == (date(2026, 12, 1), date(2026, 12, 3))
    assert result.order_within is None


def test_province_unknown_is_reported_as_such() -> None:
    result = estimate(GERMAN_SHOP, _request("CA", "20.00"), MONDAY_MORNING)
    assert (result.zone_name, result.match) == ("Canada east", MatchLevel.PROVINCE_UNSPECIFIED)


@pytest.mark.parametrize(
    "zones",
    [
        tuple(z for z in shopify_zones() if not z.rest_of_world),
        (Zone("1", "France (no rates yet)", rest_of_world=True),),
    ],
    ids=["no-zone-covers-it", "zone-without-methods"],
)
def test_shop_that_does_not_ship_there(zones: tuple[Zone, ...]) -> None:
    result = estimate(replace(GERMAN_SHOP, zones=zones), _request("FR", "20.00"), MONDAY_MORNING)
    assert result == Estimate(ships_here=False, currency="EUR")


def test_prices_in_another_currency_are_refused() -> None:
    with pytest.raises(EstimateInputError) as caught:
        estimate(GERMAN_SHOP, _request("DE", "20.00", currency="USD"), MONDAY_MORNING)
    assert caught.value.field == "currency" and "EUR" in caught.value.reason


def test_a_well_formed_currency_is_taken_as_asked_and_its_rate_kept() -> None:
    # Whether the shop sells in it is the presentment's decision (tests/estimator/test_presentment.py), not a 400.
    parsed = parse_estimate_request({**VALID, "currency": "sek", "rate": "1.0843"}, shop_currency="EUR")
    assert (parsed.currency, parsed.rate) == ("SEK", Decimal("1.0843"))
    assert parse_estimate_request(VALID, shop_currency="EUR").rate is None
    # A code of the right shape that is no ISO 4217 currency is refused, as the published schema says.
    with pytest.raises(EstimateInputError, match="ISO 4217"):
        parse_estimate_request({**VALID, "currency": "XYZ"}, shop_currency="EUR")


def test_compiling_once_gives_the_same_answer() -> None:
    request = _request("DE", "20.00", weight_g=1000)
    assert estimate(compile_setup(GERMAN_SHOP), request, MONDAY_MORNING) == estimate(
        GERMAN_SHOP, request, MONDAY_MORNING
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [({"currency": "XYZ"}, "unknown currency"), ({"origin_country": "QQ"}, "unknown origin country")],
    ids=["currency", "origin-country"],
)
def test_compile_refuses_a_broken_setup(change: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        compile_setup(replace(GERMAN_SHOP, **change))  # type: ignore[arg-type]


def test_estimate_serialises_to_json_with_string_amounts() -> None:
    result = estimate(GERMAN_SHOP, _request("DE", "20.00", weight_g=1000), MONDAY_MORNING)
    data = json.loads(json.dumps(result.to_dict()))
    assert data["order_within_s"] == 8010
    assert data["match"] == "country"
    assert data["options"][0] == {
        "id": "gid://shopify/DeliveryMethodDefinition/11",
        "name": "Standard",
        "cost": "4.90",
        "handling": "0.00",
        "free": False,
        "computable": True,
        "earliest": "2026-06-02",
        "latest": "2026-06-04",
        "kind": "shipping",
        "ready": None,
        "transit_source": "merchant",
    }
    assert data["free_shipping"] == {"threshold": "50.00", "remaining": "30.00"}
    assert data["calculated_at_checkout"] == ["DHL Express"]


VALID = {"country": "DE", "postcode": "10115", "subtotal": "49.90", "weight_g": "1200", "item_count": "2"}


@pytest.mark.parametrize(
    ("change", "field", "reason"),
    [
        ({"country": "XX"}, "country", "unknown country code 'XX'"),
        ({"country": "EU"}, "country", "unknown country code 'EU'"),
        ({"country": ""}, "country", "a destination country is required"),
        ({"subtotal": "-5.00"}, "subtotal", "must not be negative"),
        ({"subtotal": None}, "subtotal", "is required"),
        ({"subtotal": "abc"}, "subtotal", "'abc' is not a plain decimal number like 49.90"),
        ({"subtotal": "NaN"}, "subtotal", "'NaN' is not a plain decimal number like 49.90"),
        ({"subtotal": "1e9999"}, "subtotal", "'1e9999' is not a plain decimal number like 49.90"),
        ({"subtotal": "1.234", "currency": "EUR"}, "subtotal", "has more decimals than EUR allows"),
        ({"subtotal": "1.23456"}, "subtotal", "has more decimals than any currency allows (4)"),
        ({"subtotal": "123456789012345"}, "subtotal", "is too large: 15 digits before the decimal point, at most 12"),
        ({"weight_g": "9" * 5000}, "weight_g", "is too large: 5000 digits, at most 12"),
        ({"weight_g": "1000001"}, "weight_g", "over 1,000,000 g is not a parcel we can estimate"),
        ({"weight_g": "-1"}, "weight_g", "must not be negative"),
        ({"weight_g": "2.5"}, "weight_g", "'2.5' is not a whole number"),
        ({"item_count": "0"}, "item_count", "must be between 1 and 10,000"),
        ({"postcode": "1011"}, "postcode", "'1011' is not a valid postcode for DE"),
        ({"country": "BR", "postcode": "!!"}, "postcode", "'!!' is not a valid postcode for BR"),
        ({"province": "B@"}, "province", "malformed province code 'B@'"),
        ({"currency": "EURO"}, "currency", "'EURO' is not a three-letter ISO 4217 currency code"),
        ({"currency": "US$"}, "currency", "'US$' is not a three-letter ISO 4217 currency code"),
        ({"currency": "USD", "rate": "1,08"}, "rate", "'1,08' is not a plain decimal number like 49.90"),
    ],
    ids=[
        "unknown-country",
        "region-not-a-country",
        "missing-country",
        "negative-subtotal",
        "missing-subtotal",
        "subtotal-not-a-number",
        "subtotal-nan",
        "subtotal-exponent",
        "subtotal-sub-cent",
        "subtotal-beyond-any-currency",
        "subtotal-fifteen-digits",
        "weight-thousands-of-digits",
        "absurd-weight",
        "negative-weight",
        "fractional-weight",
        "no-items",
        "short-german-postcode",
        "malformed-postcode-elsewhere",
        "malformed-province",
        "four-letter-currency",
        "symbol-in-currency",
        "comma-rate",
    ],
)
def test_input_validation_reasons(change: dict[str, str | None], field: str, reason: str) -> None:
    with pytest.raises(EstimateInputError) as caught:
        parse_estimate_request({**VALID, **change}, shop_currency="EUR")
    assert (caught.value.field, caught.value.reason) == (field, reason)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("field", ["postcode", "subtotal", "country"])
def test_a_long_value_is_echoed_only_as_a_short_excerpt(field: str) -> None:
    long = "<b>" + "9X" * 2500
    with pytest.raises(EstimateInputError) as caught:
        parse_estimate_request({**VALID, field: long}, shop_currency="EUR")
    reason = caught.value.reason
    assert caught.value.field == field
    assert "'<B>9X9X" in reason.upper() and "…'" in reason  # the start of the input, quoted, marked as cut
    assert len(reason) < 120 and long[:41] not in reason.upper() and long[:41] not in reason


def test_valid_input_is_normalised() -> None:
    raw = {"country": " de ", "postcode": " 10115 ", "subtotal": "49.90", "weight_g": "1200", "item_count": "2"}
    assert parse_estimate_request(raw, shop_currency="EUR") == EstimateRequest(
        "DE", Decimal("49.90"), "EUR", 1200, 2, None, "10115"
    )


@pytest.mark.parametrize(
    ("country", "postcode", "expected"),
    [("GB", "sw1a1aa", "SW1A 1AA"), ("CA", "m5v3l9", "M5V 3L9"), ("US", "90210-1234", "90210-1234")],
    ids=["uk-space-restored", "canada-space-restored", "zip-plus-four"],
)
def test_postcodes_are_canonicalised(country: str, postcode: str, expected: str) -> None:
    raw = {"country": country, "postcode": postcode, "subtotal": "10"}
    assert parse_estimate_request(raw, shop_currency="USD").postcode == expected


def test_parsed_uk_postcode_without_space_still_finds_its_zone() -> None:
    request = parse_estimate_request({"country": "gb", "postcode": "ab123cd", "subtotal": "10"}, shop_currency="USD")
    courier = Method("1", "Courier", MethodKind.FLAT, rate=Decimal("6.00"))
    zone = Zone("1", "Aberdeen", regions=(Region("GB", postcodes=("AB10-AB15",)),), methods=(courier,))
    shop = replace(US_SHOP, zones=(zone,) + tuple(z for z in US_SHOP.zones if z.rest_of_world))
    result = estimate(shop, request, datetime(2026, 6, 1, 9, 0, tzinfo=ZoneInfo("America/New_York")))
    assert (result.zone_name, result.match) == ("Aberdeen", MatchLevel.POSTCODE_PATTERN)


def test_jpy_shop_refuses_sub_yen_subtotals_in_yen_and_reads_an_amount_without_a_currency_to_whole_yen() -> None:
    with pytest.raises(EstimateInputError, match="more decimals than JPY"):
        parse_estimate_request({"country": "JP", "subtotal": "1000.5", "currency": "JPY"}, shop_currency="JPY")
    # A caller that names no currency cannot know the shop's decimals (nor can the published schema).
    unnamed = parse_estimate_request({"country": "JP", "subtotal": "1000.5"}, shop_currency="JPY")
    assert (unnamed.currency, unnamed.subtotal) == ("JPY", Decimal("1001"))
