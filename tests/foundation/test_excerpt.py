"""Excerpts of input in messages: short, quoted, escaped, and marked when cut."""

from __future__ import annotations

import pytest

from plugin.excerpt import EXCERPT_CHARS, excerpt


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("10115", "'10115'"),
        ("a" * EXCERPT_CHARS, "'" + "a" * EXCERPT_CHARS + "'"),
        ("7" * 5000, "'" + "7" * EXCERPT_CHARS + "…'"),
        ("line\nbreak\x00", "'line\\nbreak\\x00'"),
        (None, "'None'"),
    ],
    ids=["short", "exactly-the-limit", "five-thousand-chars", "control-characters", "not-text"],
)
def test_an_excerpt_is_short_quoted_and_escaped(value: object, shown: str) -> None:
    assert excerpt(value) == shown
