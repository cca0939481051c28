"""Small JSON Schema (2020-12, as OpenAPI 3.1 uses) builders that validators share to publish what they accept."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def _whitespace() -> str:
    """Every character `str.split()` and Python's `\\s` take for whitespace, as a regex class body: a schema's
    `\\s` may be read as ASCII only (validators differ), so schemas spell the class out."""
    found = [char for char in map(chr, range(0x3001)) if char.isspace()]  # none above U+3000
    return "".join(f"\\u{ord(char):04x}" for char in found)


WHITESPACE = _whitespace()
# Something `" ".join(text.split())` leaves: a character that is not whitespace.
VISIBLE = f"[^{WHITESPACE}]"


def whole_number(value: object) -> int | None:
    """A JSON integer as JSON Schema reads one: 46 and 46.0 alike (not true or false); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def nullable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`schema`, or null (which the validators read as "not set")."""
    return {"anyOf": [dict(schema), {"type": "null"}]}


def closed(properties: Mapping[str, Any], *, required: Iterable[str] = (), **more: Any) -> dict[str, Any]:
    """An object with exactly these (optional unless required) properties: the validators refuse any other key."""
    schema: dict[str, Any] = {"type": "object", "properties": dict(properties), "additionalProperties": False}
    if required:
        schema["required"] = list(required)
    return {**schema, **more}


def choices(allowed: Iterable[str], most: int | None = None) -> dict[str, Any]:
    """A list of names from `allowed` (repeats are dropped, not refused), of at most `most` entries if given."""
    schema: dict[str, Any] = {"type": "array", "items": {"type": "string", "enum": list(allowed)}}
    if most is not None:
        schema["maxItems"] = most
    return schema


def distinct_ids(known: Iterable[str]) -> dict[str, Any]:
    """A list of objects whose `id`s differ, as far as JSON Schema can say it (it cannot compare two values):
    each of the `known` ids at most once, and at most one entry with any other id."""
    ids = list(known)
    once = [{"properties": {"id": {"const": value}}, "required": ["id"]} for value in ids]
    once.append({"properties": {"id": {"not": {"enum": ids}}}, "required": ["id"]})
    return {
        "type": "array",
        "maxItems": len(once),
        "allOf": [{"contains": match, "minContains": 0, "maxContains": 1} for match in once],
    }


def ordered_pair(low: int, high: int) -> dict[str, Any]:
    """[fewest, most], whole numbers from low to high with fewest <= most (one branch per fewest: JSON Schema
    cannot compare two values)."""
    return {
        "type": "array",
        "minItems": 2,
        "maxItems": 2,
        "items": {"type": "integer", "minimum": low, "maximum": high},
        "anyOf": [{"prefixItems": [{"const": first}, {"minimum": first}]} for first in range(low, high + 1)],
    }
