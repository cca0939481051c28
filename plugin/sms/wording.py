"""The English words of service texts and keyword answers (short: one SMS segment where it can be)."""

from __future__ import annotations

from plugin.email.stages import Stage

STAGE_TEXTS: dict[Stage, str] = {
    Stage.CONFIRMED: "{shop}: thanks, we have your order {order}. We will text you when it ships.",
    Stage.SHIPPED: "{shop}: your order {order} is on its way.",
    Stage.OUT_FOR_DELIVERY: "{shop}: your order {order} is out for delivery today.",
    Stage.DELIVERED: "{shop}: your order {order} has been delivered.",
    Stage.DELAYED: "{shop}: sorry, your order {order} is delayed. We are on it and will keep you posted.",
}
OPT_OUT_HINT = "Reply STOP to opt out."
HELP_DEFAULT = "{shop}: order updates by text. Help: {contact}. Reply STOP to opt out."
HELP_NO_CONTACT = "{shop}: order updates by text. Reply STOP to opt out."


def stage_text(stage: Stage, *, shop: str, order: str, link: str | None = None) -> str:
    """The stage's words, the order-status page (where the parcels, the promise and a human are), the opt-out."""
    parts = [STAGE_TEXTS[stage].format(shop=shop, order=order), link, OPT_OUT_HINT]
    return " ".join(part for part in parts if part)


def help_text(*, shop: str, contact: str | None, custom: str) -> str:
    if custom:
        return custom
    if contact:
        return HELP_DEFAULT.format(shop=shop, contact=contact)
    return HELP_NO_CONTACT.format(shop=shop)
