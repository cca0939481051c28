"""Every JSON request body is parsed by one function: hostile documents are refused with a short, precise reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plugin.json_body import MAX_DEPTH, JsonBodyError, parse_json_object, parse_json_object_text

SHOPIFY_ORDER = Path(__file__).resolve().parents[1] / "security" / "shopify_order.json"


def nested(depth: int) -> bytes:
    return b'{"a":' * (depth - 1) + b"[]" + b"}" * (depth - 1)


def refusal(body: bytes, **limits: int) -> JsonBodyError:
    with pytest.raises(JsonBodyError) as caught:
        parse_json_object(body, **limits)
    return caught.value


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[" * 10_000 + b"]" * 10_000, f"deeper than {MAX_DEPTH} levels"),
        (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, f"deeper than {MAX_DEPTH} levels"),
        (b"[" * 2_000, f"deeper than {MAX_DEPTH} levels"),  # the 2 KB that used to be a 500
        (nested(MAX_DEPTH + 1), f"deeper than {MAX_DEPTH} levels"),
        (b'{"a": 1, "a": 2}', "the key 'a' appears twice"),
        (b'{"x": {"b": 1, "c": 2, "b": 3}}', "the key 'b' appears twice"),
        (b'{"name": "caf\xe9"}', "not UTF-8 (byte 13)"),
        (b"\xff\xfe{\x00}\x00", "not UTF-8 (byte 0)"),
        (b"[1, 2]", "must be a JSON object, not an array"),
        (b'"text"', "must be a JSON object, not a string"),
        (b"null", "must be a JSON object, not null"),
        (b"42", "must be a JSON object, not a number"),
        (b"", "the body is empty"),
        (b'{"a": 1', "not a JSON object: Expecting ',' delimiter at line 1 column 8"),
        (b'{"total": NaN}', "NaN is not a JSON number"),
        (b'{"total": -Infinity}', "-Infinity is not a JSON number"),
        (b'{"email": "\\ud800@x.example"}', "unpaired UTF-16 surrogate"),
        (b'{"n": ' + b"9" * 5000 + b"}", "more digits than Python reads"),
    ],
    ids=[
        "arrays 10000 deep",
        "objects 10000 deep",
        "2 KB unclosed",
        "one level too deep",
        "duplicate key",
        "duplicate nested key",
        "latin-1",
        "utf-16",
        "array",
        "string",
        "null",
        "number",
        "empty",
        "truncated",
        "NaN",
        "Infinity",
        "lone surrogate",
        "huge integer",
    ],
)
def test_hostile_documents_are_refused_with_a_reason(body: bytes, reason: str) -> None:
    refused = refusal(body)
    assert refused.status == 400
    assert reason in refused.reason


def test_a_body_over_the_cap_is_413_before_parsing() -> None:
    refused = refusal(b'{"a": "' + b"x" * 2000 + b'"}', max_bytes=1024)
    assert (refused.status, refused.reason) == (413, "the body must be at most 1024 bytes")


def test_an_error_quotes_at_most_a_short_escaped_excerpt() -> None:
    key = "<script>" + "k" * 10_000
    refused = refusal(json.dumps({key: 1, "b": 2}).replace('"b"', json.dumps(key)).encode())
    assert len(refused.reason) < 80
    assert "'<script>kkkkkkkkkkkkkkkk…'" in refused.reason


@pytest.mark.parametrize(
    "body",
    [
        nested(MAX_DEPTH),
        b'{"note": "' + b"[{" * 500 + b'"}',  # brackets inside strings are text, not nesting
        b'{"note": "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\\"}',
        b'{"emoji": "\\ud83d\\ude00", "e": "\\\\ud800"}',  # a surrogate pair; an escaped backslash
        b"  {}\n",
    ],
    ids=["exactly the limit", "brackets in a string", "escaped quotes", "surrogate pair", "whitespace"],
)
def test_acceptable_documents_parse_as_json_loads_would(body: bytes) -> None:
    assert parse_json_object(body) == json.loads(body)


def test_a_documented_shopify_order_parses_and_keeps_its_text() -> None:
    body = json.dumps(json.loads(SHOPIFY_ORDER.read_text()), separators=(",", ":")).encode()
    payload, text = parse_json_object_text(body, max_bytes=5 * 1024 * 1024)
    assert payload == json.loads(body) and text == body.decode()
    assert payload["refunds"][0]["refund_line_items"][0]["line_item"]["tax_lines"][0]["price_set"]["shop_money"]


def test_an_empty_body_may_stand_for_an_empty_object() -> None:
    assert parse_json_object(b"", empty=True) == {}
    assert parse_json_object(b" \n", empty=True) == {}
    assert refusal(b"[]").reason == "the body must be a JSON object, not an array"
