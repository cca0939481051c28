"""`GET .../structured-data`: the JSON-LD pieces the storefront script merges into the theme's Product markup."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from starlette.responses import JSONResponse, Response

from plugin.openapi import QueryParam, documented
from widgets.estimator.engine import MAX_ITEMS, MAX_WEIGHT_G
from widgets.estimator.profiles import ITEMS_SHAPE, CartLine, ItemsError, parse_items
from widgets.shop_context import ShopUnavailable, StorefrontShop
from widgets.storefront import FRAGMENT_MAX_AGE, StorefrontCall, error
from widgets.structured_data.returns import merchant_return_policy, return_facts
from widgets.structured_data.shipping import OfferFacts, offer_shipping_details, profile_setup

PRICE_SHAPE = r"[0-9]{1,12}(\.[0-9]{1,12})?"
CURRENCY_SHAPE = "[A-Za-z]{3}"
_PRICE = re.compile(PRICE_SHAPE)
_CURRENCY = re.compile(CURRENCY_SHAPE)
_WEIGHT = re.compile(r"[0-9]{1,9}")

QUERY = (
    QueryParam(
        "price",
        "the offer's price as the page's Product markup states it; without it, no shipping details",
        schema={"type": "string", "pattern": f"^{PRICE_SHAPE}$"},
    ),
    QueryParam(
        "currency",
        "the offer's priceCurrency (ISO 4217); rates are given only in the shop's currency, else withheld",
        schema={"type": "string", "pattern": f"^{CURRENCY_SHAPE}$"},
    ),
    QueryParam(
        "weight_g",
        "the product's weight in grams, when the page states it",
        schema={"type": "integer", "minimum": 0, "maximum": MAX_WEIGHT_G},
    ),
    QueryParam(
        "items",
        "the page's product as product[:variant[:quantity[:grams]]] (the estimate's items): it chooses the "
        "delivery profile whose rates are stated",
        schema={"type": "string", "pattern": f"^{ITEMS_SHAPE}$"},
    ),
)


@documented(
    "schema.org JSON-LD pieces for a product page: shippingDetails and hasMerchantReturnPolicy for its offers, "
    "and the store's own return policy for pages without Product markup",
    {
        200: "{offer: {shippingDetails?, hasMerchantReturnPolicy?}, store?, withheld?}",
        400: "bad price, currency, weight_g or items, with the field and reason",
    },
    tag="storefront",
    query=QUERY,
)
async def structured_data(call: StorefrontCall) -> Response:
    params = call.request.query_params
    price_text, currency_text, weight_text = params.get("price"), params.get("currency"), params.get("weight_g")
    if price_text is not None and not _PRICE.fullmatch(price_text.strip()):
        return error(400, "price must be a plain decimal number like 24.90", "price")
    currency = None if currency_text is None else currency_text.strip().upper()
    if currency is not None and not _CURRENCY.fullmatch(currency):
        return error(400, "currency must be a three-letter ISO 4217 code like EUR", "currency")
    weight_g = None
    if weight_text is not None:
        if not _WEIGHT.fullmatch(weight_text.strip()) or int(weight_text) > MAX_WEIGHT_G:
            return error(400, f"weight_g must be a whole number of grams up to {MAX_WEIGHT_G:,}", "weight_g")
        weight_g = int(weight_text)
    items_text = params.get("items")
    if items_text is not None and not items_text.strip():
        return error(400, "items: name the page's product, product[:variant[:quantity[:grams]]]", "items")
    try:
        lines = parse_items(items_text, max_quantity=MAX_ITEMS, max_grams=MAX_WEIGHT_G)
    except ItemsError as exc:
        return error(400, f"items: {exc}", "items")
    try:
        shop = await call.storefront_shop()
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    price = None if price_text is None else Decimal(price_text.strip())
    return JSONResponse(
        pieces(shop, price, currency, weight_g, call.now(), lines),
        headers={"Cache-Control": f"public, max-age={FRAGMENT_MAX_AGE}", "X-Content-Type-Options": "nosniff"},
    )


def pieces(
    shop: StorefrontShop,
    price: Decimal | None,
    currency: str | None,
    weight_g: int | None,
    now: datetime,
    lines: tuple[CartLine, ...] = (),
) -> dict[str, Any]:
    """What the script adds to each offer (and, for a page without an offer, the store node), and why a part is
    withheld when it is. `lines`: the page's product, whose delivery profile prices the offer."""
    offer: dict[str, Any] = {}
    answer: dict[str, Any] = {"offer": offer}
    setup = shop.setup if shop.setup is None else profile_setup(shop.setup, lines)
    if not shop.settings.structured_data:
        answer["withheld"] = "off in the shop's settings"
        return answer
    if price is None:
        answer["withheld"] = "no price given, so no shipping rate can be stated"
    elif shop.setup is None:
        answer["withheld"] = "no shipping rates have been synced yet"
    elif setup is None:
        answer["withheld"] = "the page's products ship by different delivery profiles"
    elif currency is not None and currency != setup.currency:
        # Google requires the rate in the offer's currency; converting is the estimator's job, not a guess here.
        answer["withheld"] = f"rates are in {setup.currency}, the offer in {currency}"
    elif details := offer_shipping_details(setup, OfferFacts(price, weight_g), now, shop.learned_transit):
        offer["shippingDetails"] = details
    policy = merchant_return_policy(return_facts(shop.facts, shop.setup, shop.settings.badges))
    if policy is not None:
        offer["hasMerchantReturnPolicy"] = policy
        if price is None:  # asked for a page without an offer: it may have no Product markup at all
            answer["store"] = _store(shop, policy)
    return answer


def _store(shop: StorefrontShop, policy: dict[str, Any]) -> dict[str, Any]:
    """The store's standard policy, valid without any Product: Google reads it from an Organization."""
    store: dict[str, Any] = {"@context": "https://schema.org", "@type": "OnlineStore", "name": shop.facts.name}
    if shop.facts.domains:
        domain = shop.facts.domains[0]
        store["url"] = domain if "://" in domain else f"https://{domain}"
    store["hasMerchantReturnPolicy"] = policy
    return store
