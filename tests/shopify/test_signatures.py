"""Shopify's signature rules, pinned by the public test vectors and by every way a signed query can be wrong."""

from __future__ import annotations

from urllib.parse import parse_qsl

import pytest

from plugin.shopify.domains import normalize_shop_domain
from plugin.shopify.signatures import (
    SignatureError,
    install_message,
    proxy_message,
    sign_install_query,
    sign_proxy_query,
    verify_install_query,
    verify_proxy_query,
)

# Shopify's documented OAuth example (secret "hush").
OAUTH_QUERY = (
    "code=0907a61c0c8d55e99db179b68161bc00&hmac=700e2dadb827fcc8609e9d5ce208b2e9cdaab9df07390d2cbca10d7c328fc4bf"
    "&shop=some-shop.myshopify.com&state=0.6784241404160823&timestamp=1337178173"
)
OAUTH_NOW = 1337178173
# PLATFORM_FACTS' app proxy worked example (secret "hush").
PROXY_QUERY = (
    "extra=1&extra=2&shop=shop-name.myshopify.com&logged_in_customer_id=1"
    "&path_prefix=%2Fapps%2Fawesome_reviews&timestamp=1317327555"
)
PROXY_NOW = 1317327555


def pairs(query: str) -> list[tuple[str, str]]:
    return parse_qsl(query, keep_blank_values=True)


def test_proxy_worked_example_signs_the_documented_string_and_digest() -> None:
    assert proxy_message(pairs(PROXY_QUERY)) == (
        "extra=1,2logged_in_customer_id=1path_prefix=/apps/awesome_reviewsshop=shop-name.myshopify.comtimestamp=1317327555"
    )
    assert sign_proxy_query("hush", pairs(PROXY_QUERY)) == (
        "4c68c8624d737112c91818c11017d24d334b524cb5c2b8ba08daa056f7395ddb"
    )


def test_documented_oauth_example_verifies() -> None:
    params = verify_install_query(pairs(OAUTH_QUERY), ["hush"], OAUTH_NOW)
    assert params["shop"] == "some-shop.myshopify.com"
    assert params["code"] == "0907a61c0c8d55e99db179b68161bc00"


def test_install_canonical_form_sorts_decodes_and_drops_hmac_and_signature() -> None:
    query = "timestamp=1&shop=a.myshopify.com&hmac=x&signature=y&host=YS5teXNob3BpZnkuY29tL2FkbWlu"
    assert install_message(pairs(query)) == "host=YS5teXNob3BpZnkuY29tL2FkbWlu&shop=a.myshopify.com&timestamp=1"


def test_install_canonical_form_escapes_delimiters_in_keys_and_values() -> None:
    # a%b=c&d and e=f=g%h, percent-encoded on the wire
    query = "a%25b=c%26d&e%3Df=g%25h"
    assert install_message(pairs(query)) == "a%25b=c%26d&e%3Df=g%25h"
    assert install_message([("x", "1=2")]) == "x=1=2"  # '=' is escaped in keys only


def test_install_canonical_form_signs_array_params_as_a_list_in_order() -> None:
    query = "ids%5B%5D=2&ids%5B%5D=1&shop=a.myshopify.com"
    assert install_message(pairs(query)) == 'ids=["2", "1"]&shop=a.myshopify.com'


def signed(query: str, secret: str = "hush") -> list[tuple[str, str]]:
    found = pairs(query)
    return [*found, ("hmac", sign_install_query(secret, found))]


NOW = 1_800_000_000


@pytest.mark.parametrize(
    ("query_pairs", "status"),
    [
        pytest.param(signed(f"shop=a.myshopify.com&timestamp={NOW}", "other"), 401, id="forged"),
        pytest.param([*pairs(f"shop=a.myshopify.com&timestamp={NOW}"), ("hmac", "00" * 32)], 401, id="zero-hmac"),
        pytest.param(signed(f"shop=a.myshopify.com&timestamp={NOW - 91}"), 401, id="expired"),
        pytest.param(signed(f"shop=a.myshopify.com&timestamp={NOW + 91}"), 401, id="from-the-future"),
        pytest.param(
            [*signed(f"shop=a.myshopify.com&timestamp={NOW}"), ("shop", "b.myshopify.com")], 401, id="duplicate-shop"
        ),
        pytest.param(
            [*signed(f"shop=a.myshopify.com&timestamp={NOW}"), ("timestamp", str(NOW))], 401, id="duplicate-timestamp"
        ),
        pytest.param([*signed(f"shop=a.myshopify.com&timestamp={NOW}"), ("hmac", "ab")], 401, id="duplicate-hmac"),
        pytest.param(pairs(f"shop=a.myshopify.com&timestamp={NOW}"), 400, id="missing-hmac"),
        pytest.param(signed(f"timestamp={NOW}"), 400, id="missing-shop"),
        pytest.param(signed("shop=a.myshopify.com"), 400, id="missing-timestamp"),
        pytest.param(signed(f"shop=evil.example&timestamp={NOW}"), 400, id="not-myshopify"),
        pytest.param(signed("shop=a.myshopify.com&timestamp=soon"), 400, id="timestamp-not-a-number"),
        pytest.param([*signed(f"shop=a.myshopify.com&timestamp={NOW}&x=1"), ("x", "2")], 400, id="duplicate-plain-key"),
    ],
)
def test_install_query_refusals(query_pairs: list[tuple[str, str]], status: int) -> None:
    with pytest.raises(SignatureError) as refused:
        verify_install_query(query_pairs, ["hush"], NOW)
    assert refused.value.status == status


def test_install_query_accepts_the_previous_secret_during_rotation() -> None:
    query = signed(f"shop=a.myshopify.com&timestamp={NOW}", "old-secret")
    assert verify_install_query(query, ["new-secret", "old-secret"], NOW)["shop"] == "a.myshopify.com"
    with pytest.raises(SignatureError):
        verify_install_query(query, ["new-secret"], NOW)


def proxy_signed(query: str, secret: str = "hush") -> list[tuple[str, str]]:
    found = pairs(query)
    return [*found, ("signature", sign_proxy_query(secret, found))]


GOOD_PROXY = f"shop=a.myshopify.com&logged_in_customer_id=&path_prefix=%2Fapps%2Fupfront&timestamp={NOW}"


def test_proxy_query_accepts_a_good_signature_and_joins_repeated_keys() -> None:
    params = verify_proxy_query(proxy_signed(GOOD_PROXY + "&extra=1&extra=2"), ["hush"], NOW)
    assert params["shop"] == "a.myshopify.com"
    assert params["extra"] == "1,2"
    assert params["logged_in_customer_id"] == ""


@pytest.mark.parametrize(
    ("query_pairs", "status"),
    [
        pytest.param(proxy_signed(GOOD_PROXY, "other"), 401, id="forged"),
        pytest.param(pairs(GOOD_PROXY), 401, id="unsigned"),
        pytest.param(proxy_signed(GOOD_PROXY.replace(str(NOW), str(NOW - 91))), 401, id="expired"),
        pytest.param([*proxy_signed(GOOD_PROXY), ("shop", "b.myshopify.com")], 401, id="duplicate-shop"),
        pytest.param([*proxy_signed(GOOD_PROXY), ("timestamp", str(NOW))], 401, id="duplicate-timestamp"),
        pytest.param([*proxy_signed(GOOD_PROXY), ("signature", "00")], 401, id="duplicate-signature"),
        pytest.param(
            [(k, "b.myshopify.com" if k == "shop" else v) for k, v in proxy_signed(GOOD_PROXY)], 401, id="tampered"
        ),
        pytest.param(proxy_signed(GOOD_PROXY.replace("a.myshopify.com", "a.example")), 400, id="not-myshopify"),
        pytest.param(proxy_signed(GOOD_PROXY.replace(str(NOW), "later")), 400, id="timestamp-not-a-number"),
    ],
)
def test_proxy_query_refusals(query_pairs: list[tuple[str, str]], status: int) -> None:
    with pytest.raises(SignatureError) as refused:
        verify_proxy_query(query_pairs, ["hush"], NOW)
    assert refused.value.status == status


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Shop-1.myshopify.com", "shop-1.myshopify.com"),
        ("shop.myshopify.com.evil.com", None),
        ("https://shop.myshopify.com", None),
        ("shop.myshopify.com/admin", None),
        (" shop.myshopify.com", None),
        ("-shop.myshopify.com", None),
        ("a.myshopify.com", "a.myshopify.com"),
        ("shop.myshopify.com\n", None),
        ("shop", None),
        ("", None),
    ],
)
def test_shop_domains(value: str, expected: str | None) -> None:
    assert normalize_shop_domain(value) == expected
