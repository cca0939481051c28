"""Parsing a request body as JSON: size, nesting depth, encoding, duplicate keys and shape checked, errors with reasons.

Every endpoint that reads a JSON body parses it here, so hostile input (2 KB of `[[[[...` that overflows the
parser's recursion, `{"a":1,"a":2}` that two readers could read differently, a lone surrogate that cannot be stored
as UTF-8) is a 400 with a precise reason everywhere, never a 500.
"""

from __future__ import annotations

import json
import re
from typing import Any, NoReturn

from plugin.excerpt import excerpt

# Shopify's deepest documented order payload (refunds[].refund_line_items[].line_item.tax_lines[].price_set.
# shop_money) nests 10 levels; BigCommerce's lightweight deliveries 3. 32 leaves room and stays far below the
# parser's recursion limit.
MAX_DEPTH = 32
DEFAULT_MAX_BYTES = 256 * 1024
EXCERPT_CHARS = 24

# Brackets become ( and ), everything else is dropped: the nesting shape alone, whichever bracket kind.
_OPENING_CLOSING = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(byte for byte in range(256) if byte not in b"[]{}")
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")


class JsonBodyError(ValueError):
    """The body is not acceptable JSON; `reason` says why in words fit for a 400 answer, `status` is 400 or 413."""

    def __init__(self, reason: str, status: int = 400) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status


def _refuse(reason: str, status: int = 400) -> NoReturn:
    raise JsonBodyError(reason, status)


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):  # rare: only then find which key
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                _refuse(f"the key {excerpt(key, EXCERPT_CHARS)} appears twice in one object")
            seen.add(key)
    return found


def _no_constant(name: str) -> NoReturn:
    _refuse(f"{name} is not a JSON number")


_DECODER = json.JSONDecoder(object_pairs_hook=_unique_keys, parse_constant=_no_constant)


def _deeper_than(shape: bytes, max_depth: int) -> bool:
    """Whether a string of only ( and ) nests deeper than `max_depth` (or does not pair up). Each pass removes the
    innermost pairs, so a document `max_depth` deep is empty after `max_depth` passes: a few C-speed replaces."""
    for _ in range(max_depth):
        if not shape:
            return False
        shorter = shape.replace(b"()", b"")
        if len(shorter) == len(shape):
            return True  # brackets that do not pair up: the parser says exactly where
        shape = shorter
    return bool(shape)


def _too_deep(body: bytes, max_depth: int) -> bool:
    """Counting every bracket, those inside strings too, can only overstate the depth: when that count stays within
    the limit (every real payload) the body is fine. Only otherwise are strings cut out for the exact answer."""
    if not _deeper_than(body.translate(_OPENING_CLOSING, _NOT_BRACKETS), max_depth):
        return False
    return _deeper_than(_STRING.sub(b"", body).translate(_OPENING_CLOSING, _NOT_BRACKETS), max_depth)


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(key) or _has_lone_surrogate(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


def _parse(body: bytes, max_bytes: int, max_depth: int) -> tuple[Any, str]:
    if len(body) > max_bytes:
        _refuse(f"the body must be at most {max_bytes} bytes", 413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse(f"the body is not UTF-8 (byte {exc.start})")
    if not text.strip():
        _refuse("the body is empty; a JSON object was expected")
    try:
        if _too_deep(body, max_depth):
            _DECODER.decode(text)  # brackets that do not pair up are malformed JSON: let the parser say where
            raise RecursionError
        value = _DECODER.decode(text)
    except JsonBodyError:
        raise
    except json.JSONDecodeError as exc:
        _refuse(f"the body is not a JSON object: {exc.msg} at line {exc.lineno} column {exc.colno}")
    except RecursionError:  # from the parser too: deeper than the interpreter's recursion limit
        _refuse(f"the JSON nests deeper than {max_depth} levels")
    except ValueError:
        _refuse("the body has a number with more digits than Python reads (4300)")
    if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(value):
        _refuse("the JSON contains an unpaired UTF-16 surrogate escape")
    return value, text


def parse_json_object(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = MAX_DEPTH, empty: bool = False
) -> dict[str, Any]:
    """A JSON object; JsonBodyError (400 with the reason, 413 over `max_bytes`) otherwise.
    `empty=True`: an empty body reads as `{}`."""
    if empty and not body.strip():
        return {}
    return parse_json_object_text(body, max_bytes=max_bytes, max_depth=max_depth)[0]


def parse_json_object_text(
    body: bytes, *, max_bytes: int = DEFAULT_MAX_BYTES, max_depth: int = MAX_DEPTH
) -> tuple[dict[str, Any], str]:
    """A JSON object and the text it was parsed from (for callers that store the document as received)."""
    value, text = _parse(body, max_bytes, max_depth)
    if not isinstance(value, dict):
        _refuse(f"the body must be a JSON object, not {_kind(value)}")
    return value, text


def _kind(value: Any) -> str:
    if isinstance(value, list):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    return "null" if value is None else "a number"
