"""The delivery window promised in the confirmation, from the same estimator (and merchant overrides) the
storefront widget uses. Orders carry no shipping address in the internal model, so the estimate is for the shop's
home country; it is shown as an estimate and only when the shop's setup gives transit times."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from plugin.keys import ShopRef
from plugin.services import Services
from widgets.estimator import EstimateInputError, EstimateRequest, compile_setup, estimate
from widgets.shop_context import ShopUnavailable, load_storefront_shop


async def expected_window(
    services: Services, shop: ShopRef, *, placed_at: datetime, total: str, currency: str
) -> tuple[date, date] | None:
    try:
        storefront = await load_storefront_shop(services, shop)
    except ShopUnavailable:
        return None
    if storefront.setup is None:
        return None
    try:
        compiled = compile_setup(storefront.setup)
    except ValueError:
        return None
    country = (storefront.facts.country or storefront.setup.origin_country).upper()
    try:
        subtotal = Decimal(total)
    except InvalidOperation:
        subtotal = Decimal(0)
    try:
        found = estimate(compiled, EstimateRequest(country=country, subtotal=subtotal, currency=currency), placed_at)
    except EstimateInputError:  # an order in another currency: the window does not depend on the price
        request = EstimateRequest(country=country, subtotal=Decimal(0), currency=storefront.setup.currency)
        found = estimate(compiled, request, placed_at)
    windows = [(o.earliest, o.latest) for o in found.options if o.earliest is not None and o.latest is not None]
    if not windows:
        return None
    return min(w[0] for w in windows if w[0] is not None), max(w[1] for w in windows if w[1] is not None)
