"""The merchant's branding of the order-status page: a logo (their own https URL) and two colours (hex). The page
stays readable whatever is chosen: a colour below WCAG AA contrast (4.5:1) on the page's white background (the accent
carries white button text, the text colour every sentence) is shown darkened, same hue, just enough, and the admin
says so next to the field."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlsplit

from plugin.keys import ShopRef
from plugin.services import Services
from plugin.storage import as_optional_text

DEFAULT_ACCENT = "#1f4f99"
DEFAULT_TEXT = "#1f2937"
MAX_LOGO_URL = 500
MIN_CONTRAST = 4.5
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")
# What a logo address may look like (also the API schema's pattern): https, a host, an optional port and path.
_LOGO = re.compile(r"^https://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#][^\s\"'<>\\`]*)?$")
FIELDS = ("logo_url", "accent", "text")


class BrandingError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class Branding:
    logo_url: str | None = None
    accent: str = DEFAULT_ACCENT
    text: str = DEFAULT_TEXT

    @property
    def page_accent(self) -> str:
        return readable(self.accent)

    @property
    def page_text(self) -> str:
        return readable(self.text)

    @property
    def logo_origin(self) -> str | None:
        """Where the logo comes from, for the page's Content-Security-Policy (the only image source it allows)."""
        if self.logo_url is None:
            return None
        parts = urlsplit(self.logo_url)
        return f"{parts.scheme}://{parts.netloc}"


def branding_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "status_page", "branding")


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def contrast_on_white(colour: str) -> float:
    """WCAG 2 contrast ratio of `colour` (#rrggbb) against white."""
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)
    return 1.05 / (luminance + 0.05)


def readable(colour: str) -> str:
    """`colour`, darkened in small steps (same hue) until it reaches MIN_CONTRAST on white; unchanged if it does."""
    rgb = [int(colour[i : i + 2], 16) for i in (1, 3, 5)]
    found = colour
    while contrast_on_white(found) < MIN_CONTRAST:
        rgb = [int(channel * 0.92) for channel in rgb]
        found = "#" + "".join(f"{channel:02x}" for channel in rgb)
    return found


def _colour(value: object, field: str) -> str:
    if not isinstance(value, str) or not _HEX.match(value):
        raise BrandingError(field, "must be a hex colour like #1f4f99")
    text = value.lower()
    return "#" + "".join(ch * 2 for ch in text[1:]) if len(text) == 4 else text


def _logo(value: object) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_LOGO_URL or not _LOGO.match(value):
        raise BrandingError(
            "logo_url", f"must be an https:// address (at most {MAX_LOGO_URL} characters) of your logo, or null"
        )
    return value


def branding_from_dict(data: Mapping[str, Any], current: Branding | None = None) -> Branding:
    """`data` over `current` (missing keys keep their value); BrandingError names the first bad field."""
    base = current or Branding()
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise BrandingError(unknown[0], "is not a branding setting")
    return Branding(
        logo_url=_logo(data["logo_url"]) if "logo_url" in data else base.logo_url,
        accent=_colour(data["accent"], "accent") if "accent" in data else base.accent,
        text=_colour(data["text"], "text") if "text" in data else base.text,
    )


def branding_schema() -> dict[str, Any]:
    colour = {"type": "string", "pattern": _HEX.pattern}
    return {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "logo_url": {
                "anyOf": [{"type": "string", "maxLength": MAX_LOGO_URL, "pattern": _LOGO.pattern}, {"type": "null"}]
            },
            "accent": colour,
            "text": colour,
        },
    }


async def load_branding(services: Services, shop: ShopRef) -> Branding:
    raw = as_optional_text(await services.redis.get(branding_key(services, shop)))
    if raw is None:
        return Branding()
    try:
        return branding_from_dict(json.loads(raw))
    except (ValueError, TypeError):
        return Branding()  # stored before a rule tightened: the defaults, never a broken page


async def save_branding(services: Services, shop: ShopRef, branding: Branding) -> None:
    await services.redis.set(branding_key(services, shop), json.dumps(asdict(branding), separators=(",", ":")))
