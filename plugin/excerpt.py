"""A short, escaped excerpt of someone's input for a message about it: never the whole value, whatever its size."""

from __future__ import annotations

EXCERPT_CHARS = 40


def excerpt(value: object, limit: int = EXCERPT_CHARS) -> str:
    """The value quoted with control characters escaped (as `repr` does), cut to `limit` characters of the input
    with "…" inside the quotes when it was longer: `excerpt("7" * 5000)` is forty 7s and "…", quoted."""
    text = str(value)
    shown = repr(text[:limit])
    return shown if len(text) <= limit else shown[:-1] + "…" + shown[-1]
