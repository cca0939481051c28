"""Trust badges: claims derived from true store facts, refused with a reason when the facts do not back them."""

from __future__ import annotations

from widgets.badges.catalogue import Accepted, Badge, BadgeCheck, Refused, badges_from_settings, check_badge

__all__ = ["Accepted", "Badge", "BadgeCheck", "Refused", "badges_from_settings", "check_badge"]
