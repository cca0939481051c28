"""Inline SVG icons for the badges: decorative (the text next to them names the claim), drawn in currentColor."""

from __future__ import annotations

from markupsafe import Markup

_PATHS = {
    "secure_checkout": '<rect x="5" y="11" width="14" height="10" rx="2"/><path d="M8 11V7a4 4 0 0 1 8 0v4"/>',
    "free_returns": '<path d="M9 14 4 9l5-5"/><path d="M4 9h11a5 5 0 0 1 0 10h-3"/>',
    "money_back": '<path d="M12 3 4 6v6c0 5 3.5 8 8 9 4.5-1 8-4 8-9V6z"/><path d="m9 12 2 2 4-4"/>',
    "payment_methods": '<rect x="3" y="6" width="18" height="13" rx="2"/><path d="M3 10h18M7 15h4"/>',
    "delivery_promise": (
        '<path d="M3 7h11v9H3zM14 10h4l3 3v3h-7"/><circle cx="7" cy="17.5" r="1.5"/><circle cx="17" cy="17.5" r="1.5"/>'
    ),
    "support": '<path d="M4 14v-2a8 8 0 0 1 16 0v2"/><rect x="3" y="14" width="4" height="6" rx="1"/>'
    '<rect x="17" y="14" width="4" height="6" rx="1"/>',
    "on_time": '<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>',
}


def icon(kind: str) -> Markup:
    return Markup(
        '<svg class="upfront-i" viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false" '
        'fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round">'
        + _PATHS[kind]
        + "</svg>"
    )
