"""The trust badge fragment for one placement (product, cart, footer): accepted claims only, worded per locale."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from markupsafe import Markup
from starlette.responses import Response

from plugin.openapi import QueryParam, documented
from widgets.badges.catalogue import Accepted, badges_from_settings, check_badge
from widgets.badges.icons import icon
from widgets.estimator.presentment import RATE_SHAPE, CurrencyQueryError, presentment_for_query, presentment_setup
from widgets.help.opening import opening_words
from widgets.help.wording import HelpWording
from widgets.holdout import BUCKET_SCHEMA, TREATMENT, BucketError, variant_for
from widgets.i18n import Wording, choose_locale, language_region, money_locale
from widgets.settings import PLACEMENT_SCHEMA, PLACEMENTS
from widgets.shop_context import ShopUnavailable
from widgets.storefront import StorefrontCall, error, fragment

# Product and cart slots reserve the height of this many one-line badges; the footer takes them all.
SHOWN_PER_PLACEMENT = {"product": 3, "cart": 3, "footer": 6}


@dataclass(frozen=True)
class BadgeView:
    kind: str
    icon: Markup
    title: str
    detail: str | None
    link_url: str | None
    link_label: str | None


# Payment methods that are words, not brand names: said in the shopper's language (the storefront catalog).
WORDED_METHODS = {"Bank transfer": "pay_bank_transfer", "Cash on delivery": "pay_cash_on_delivery"}


def badge_view(badge: Accepted, words: Wording, now: datetime) -> BadgeView:
    values = badge.values
    detail: str | None = None
    if badge.claim == "secure_checkout":
        title, detail = words.t("secure_checkout"), words.t("secure_checkout_detail", platform=words.platform())
    elif badge.claim in ("free_returns", "money_back"):
        title = words.plural(badge.claim, values["days"], by="days")
    elif badge.claim == "payment_methods":
        named = [words.t(WORDED_METHODS[m]) if m in WORDED_METHODS else m for m in values["methods"]]
        title, detail = words.t("payment_methods"), words.listing(named)
    elif badge.claim == "free_shipping_over":
        threshold: Decimal = values["threshold"]
        title = words.t(badge.claim, country=words.country(values["country"]), amount=words.money(threshold))
    elif badge.claim == "free_shipping_to":
        title = words.t(badge.claim, country=words.country(values["country"]))
    elif badge.claim == "delivery_days":  # "in 2–4 business days" takes the form of its upper bound
        title = words.plural(
            badge.claim, values["high"], by="high", low=values["low"], country=words.country(values["country"])
        )
    elif badge.claim == "on_time":  # the rate never without its sample size and period
        title = words.t("on_time", percent=values["percent"])
        detail = words.plural("on_time_detail", values["days"], by="days", count=words.number(values["count"]))
    elif "hours" in values:  # the same words as the help prompt's: widgets.help.opening
        title, detail = words.t("support"), opening_words(values["hours"], HelpWording(words), now).week
    else:  # the merchant's own text, with the shop's timezone named as everywhere else
        zone = HelpWording(words).zone_name(words.facts.timezone)
        title, detail = words.t("support"), f"{values['text']} ({zone})"
    link = badge.link
    return BadgeView(
        badge.kind,
        icon(badge.kind),
        title,
        detail,
        None if link is None else link.url,
        None if link is None else words.t(link.label),
    )


@documented(
    "Trust badges for a placement as an HTML fragment: only claims the shop's facts support",
    {200: "HTML; X-Upfront-Variant says treatment, control or off", 400: "bad placement", 404: "unknown shop"},
    tag="storefront",
    query=(
        QueryParam("placement", "product, cart or footer", required=True, schema=PLACEMENT_SCHEMA),
        QueryParam(
            "shown",
            "the placement whose badges the page already shows (the footer leaves those out)",
            schema=PLACEMENT_SCHEMA,
        ),
        QueryParam("locale", "the storefront language"),
        QueryParam(
            "currency",
            "the shopper's ISO 4217 currency (default: the shop's)",
            schema={"type": "string", "pattern": "^[A-Z]{3}$"},
        ),
        QueryParam(
            "rate",
            "Shopify only: the storefront's rate from the shop currency to `currency`",
            schema={"type": "string", "pattern": f"^{RATE_SHAPE}$"},
        ),
        QueryParam("bucket", "the visitor's holdout bucket, 0-99", schema=BUCKET_SCHEMA),
    ),
)
async def badges_fragment(call: StorefrontCall) -> Response:
    placement = call.request.query_params.get("placement", "")
    if placement not in PLACEMENTS:
        return error(400, f"placement must be one of {', '.join(PLACEMENTS)}", "placement")
    shown = call.request.query_params.get("shown")
    if shown is not None and shown not in PLACEMENTS:
        return error(400, f"shown must be one of {', '.join(PLACEMENTS)}", "shown")
    try:
        shop = await call.storefront_shop()
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    settings = shop.settings
    try:
        variant = variant_for(call.request.query_params.get("bucket"), settings.holdout_percent)
    except BucketError as exc:
        return error(400, str(exc), "bucket")
    # Checked before any answer, so a malformed query is refused the same whether the badges show or not.
    try:  # amounts (a free-shipping threshold) in the shopper's currency where the shop sells in it
        presentment = presentment_for_query(
            shop.facts, call.request.query_params.get("currency"), call.request.query_params.get("rate")
        )
    except CurrencyQueryError as exc:
        return error(400, exc.reason, exc.field)
    if not settings.badges.enabled or placement not in settings.badges.placements:
        return fragment("", "off")
    if variant != TREATMENT:
        return fragment("", variant)
    setup = None if shop.setup is None else presentment_setup(shop.setup, presentment)
    badges = badges_from_settings(settings.badges, shop.hours, shop.learned.on_time if shop.learned else None)
    checks = (check_badge(shop.facts, setup, badge) for badge in badges)
    accepted = [check for check in checks if isinstance(check, Accepted)]
    if shown not in (None, placement) and shown in settings.badges.placements:
        accepted = accepted[SHOWN_PER_PLACEMENT[shown] :]  # the page's own row says these already
    accepted = accepted[: SHOWN_PER_PLACEMENT[placement]]
    if not accepted:
        return fragment("", "off")
    locale = choose_locale(
        settings.locale, call.request.query_params.get("locale"), shop.facts.locale, settings.fallback_locale
    )
    region = language_region(call.request.query_params.get("locale"))
    words = Wording(
        locale,
        shop.facts,
        currency=presentment.currency,
        decimals=presentment.decimals,
        money_locale=money_locale(locale, region),
    )
    html = call.render(
        "widgets/badges.html",
        label=words.t("badges_label"),
        locale=words.locale,
        placement=placement,
        variant=variant,
        badges=[badge_view(badge, words, call.now()) for badge in accepted],
    )
    return fragment(html, variant)
