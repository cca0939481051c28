"""The browser's languages from Accept-Language, by preference (quality, then order; q=0 and "*" left out)."""

from __future__ import annotations


def accept_language(header: str) -> list[str]:
    """ "fr-CH, de;q=0.9, en;q=0.8" -> ["fr-CH", "de", "en"]; an unreadable quality counts as 0."""
    weighted: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        tag = tag.strip()
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]
