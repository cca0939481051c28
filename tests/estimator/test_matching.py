"""A destination lands in the most specific zone: postcode, then province, then country, then rest of world."""

from __future__ import annotations

import pytest

from plugin.rates import Region, Zone
from widgets.estimator.matching import MatchLevel, ZoneIndex, compile_postcode_pattern, normalize_postcode

from .test_mapping import bigcommerce_zones, shopify_zones

BIGCOMMERCE = ZoneIndex(bigcommerce_zones())
SHOPIFY = ZoneIndex(shopify_zones())


@pytest.mark.parametrize(
    ("index", "country", "province", "postcode", "zone", "level"),
    [
        (BIGCOMMERCE, "US", None, None, "United States", MatchLevel.COUNTRY),
        (BIGCOMMERCE, "us", "ny", "10001", "United States", MatchLevel.COUNTRY),
        (BIGCOMMERCE, "US", "CA", None, "California", MatchLevel.PROVINCE),
        (BIGCOMMERCE, "US", "US-CA", "90210", "California", MatchLevel.PROVINCE),
        (BIGCOMMERCE, "AU", None, "2000", "Sydney metro", MatchLevel.POSTCODE_PATTERN),
        (BIGCOMMERCE, "AU", "NSW", "2234", "Sydney metro", MatchLevel.POSTCODE_PATTERN),
        (BIGCOMMERCE, "AU", None, "2235", "Australia", MatchLevel.COUNTRY),
        (BIGCOMMERCE, "AU", None, "2555", "Sydney metro", MatchLevel.POSTCODE),
        (BIGCOMMERCE, "GB", None, "sw1a 1aa", "Central London", MatchLevel.POSTCODE_PATTERN),
        (BIGCOMMERCE, "GB", None, "EC1A1BB", "Central London", MatchLevel.POSTCODE),
        (BIGCOMMERCE, "GB", None, "SE1 9SG", "Rest of the world", MatchLevel.REST_OF_WORLD),
        (BIGCOMMERCE, "GB", None, None, "Rest of the world", MatchLevel.REST_OF_WORLD),
        (BIGCOMMERCE, "CA", None, None, "Rest of the world", MatchLevel.REST_OF_WORLD),
        (SHOPIFY, "DE", None, "10115", "Domestic", MatchLevel.COUNTRY),
        (SHOPIFY, "CA", "ON", None, "Canada east", MatchLevel.PROVINCE),
        (SHOPIFY, "CA", "CA-QC", None, "Canada east", MatchLevel.PROVINCE),
        (SHOPIFY, "CA", "BC", None, "Rest of world", MatchLevel.REST_OF_WORLD),
        (SHOPIFY, "CA", None, None, "Canada east", MatchLevel.PROVINCE_UNSPECIFIED),
        (SHOPIFY, "FR", None, "75001", "Rest of world", MatchLevel.REST_OF_WORLD),
    ],
    ids=[
        "bc-country",
        "bc-lowercase-input",
        "bc-state",
        "bc-iso-3166-2-state-beats-unlisted-zip",
        "bc-zip-range-low-end",
        "bc-zip-range-high-end-beats-province",
        "bc-zip-just-outside-range-falls-to-country",
        "bc-exact-zip-beats-range",
        "bc-wildcard-with-space-and-case",
        "bc-exact-alphanumeric",
        "bc-other-uk-postcode-rest-of-world",
        "bc-no-postcode-skips-zip-zones",
        "bc-disabled-zone-ignored",
        "shopify-country",
        "shopify-province",
        "shopify-iso-province",
        "shopify-unlisted-province",
        "shopify-province-unknown",
        "shopify-rest-of-world",
    ],
)
def test_destination_matches_most_specific_zone(
    index: ZoneIndex, country: str, province: str | None, postcode: str | None, zone: str, level: MatchLevel
) -> None:
    found = index.match(country, province, postcode)
    assert found is not None
    assert (found.zone.name, found.level) == (zone, level)


def test_without_rest_of_world_an_unlisted_country_is_not_served() -> None:
    index = ZoneIndex([Zone("1", "Germany", regions=(Region("DE"),))])
    assert index.match("AT") is None


def test_first_zone_wins_a_tie() -> None:
    index = ZoneIndex([Zone("1", "First", regions=(Region("DE"),)), Zone("2", "Second", regions=(Region("DE"),))])
    found = index.match("DE")
    assert found is not None and found.zone.name == "First"


def test_zip_plus_four_matches_a_listed_zip() -> None:
    index = ZoneIndex([Zone("1", "Beverly Hills", regions=(Region("US", postcodes=("90210",)),))])
    found = index.match("US", None, "90210-1234")
    assert found is not None and found.level is MatchLevel.POSTCODE


@pytest.mark.parametrize(
    ("pattern", "postcode", "matches"),
    [
        ("2000-2999", "2500", True),
        ("2000-2999", "3000", False),
        ("2000-2999", "20000", False),
        ("01000-01999", "01500", True),
        ("AB10-AB15", "AB12 3CD", True),
        ("AB10-AB15", "AB1 0AA", False),
        ("AB10-AB15", "AB16 1AA", False),
        ("AB10-AB15", "AC12 3CD", False),
        ("SW1-SW9", "SW1A 1AA", True),
        ("SW1-SW9", "SW10 1AA", False),
        ("9021*", "90210", True),
        ("9021*", "90310", False),
        ("M5*", "m5v 3l9", True),
        ("*1AA", "SW1A 1AA", True),
    ],
    ids=[
        "numeric-inside",
        "numeric-above",
        "numeric-longer-code",
        "leading-zeros",
        "alphanumeric-inside",
        "alphanumeric-one-digit-district",
        "alphanumeric-above",
        "alphanumeric-other-area",
        "uk-district-letter-suffix",
        "uk-two-digit-district",
        "wildcard-suffix",
        "wildcard-mismatch",
        "wildcard-case-and-space",
        "wildcard-prefix",
    ],
)
def test_postcode_patterns(pattern: str, postcode: str, matches: bool) -> None:
    test = compile_postcode_pattern(pattern)
    assert test is not None
    assert test(normalize_postcode(postcode)) is matches


@pytest.mark.parametrize("pattern", ["10115", "EC1A 1BB", "A1-B2"], ids=["digits", "alphanumeric", "mixed-range"])
def test_plain_postcodes_are_not_patterns(pattern: str) -> None:
    assert compile_postcode_pattern(pattern) is None
