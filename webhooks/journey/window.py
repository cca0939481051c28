"""The delivery window the confirmation promises: for the order's destination and the shipping method the customer
chose, asked of the same estimator (setup, merchant overrides, learned transit times) the storefront widget uses."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from plugin.keys import ShopRef
from plugin.services import Services
from widgets.estimator import EstimateInputError, EstimateRequest, estimate, parse_estimate_request
from widgets.estimator.delivery import ShippingCalendar
from widgets.estimator.engine import MAX_ITEMS, MAX_WEIGHT_G, CompiledSetup, Estimate, EstimateOption, compile_setup
from widgets.estimator.profiles import ItemsError, parse_items
from widgets.shop_context import ShopUnavailable, StorefrontShop, load_storefront_shop


@dataclass(frozen=True, slots=True)
class Promise:
    earliest: date
    latest: date
    zone_id: str | None  # the shipping zone the destination fell in
    method: str | None  # the shop's method as the storefront names it; None: the envelope of every method
    source: str | None  # where the transit time came from: merchant, learned or default
    ship_date: date | None = None  # the day the estimate expected the parcel to leave

    def transit_days(self, calendar: ShippingCalendar) -> int | None:
        """The window's upper bound in business days of transit (after the ship date)."""
        return None if self.ship_date is None else calendar.business_days_between(self.ship_date, self.latest)


def _destination(state: Mapping[str, object], storefront: StorefrontShop) -> dict[str, str | None]:
    """The order's shipping address (country, province, postcode); the shop's own country for a state stored
    before orders carried one."""
    found = state.get("destination")
    if isinstance(found, Mapping) and found.get("country"):
        return {
            "country": str(found["country"]),
            "province": str(found["province"]) if found.get("province") else None,
            "postcode": str(found["postcode"]) if found.get("postcode") else None,
        }
    setup = storefront.setup
    return {"country": storefront.facts.country or (setup.origin_country if setup else None)}


def _items(state: Mapping[str, object]) -> str | None:
    """The order's products as the storefront sends them (product:variant:quantity): they choose the delivery
    profile, as on the product or cart page. None when the state names none, or none the storefront would take."""
    found = state.get("items")
    if not isinstance(found, list):
        return None
    text = ",".join(
        f"{entry[0]}:{entry[1] or ''}:{entry[2]}" for entry in found if isinstance(entry, list) and len(entry) == 3
    )
    try:
        return text if parse_items(text, max_quantity=MAX_ITEMS, max_grams=MAX_WEIGHT_G) else None
    except ItemsError:
        return None  # e.g. more lines than a cart page sends: the general profile's window, as before


def _requests(raw: dict[str, str | None], shop_currency: str) -> list[EstimateRequest]:
    """The storefront's own parsing of the destination; then, if the order's price or postcode is not one the
    storefront would take (another currency, an unusual postcode), without them: the window does not depend on
    the price, and the country still selects the zone."""
    plain = {**raw, "subtotal": "0", "currency": shop_currency}
    tried = [raw, plain, {**plain, "postcode": None}, {**plain, "postcode": None, "province": None}]
    found = []
    for candidate in tried:
        try:
            found.append(parse_estimate_request(candidate, shop_currency=shop_currency))
        except EstimateInputError:
            continue
    return found


def _chosen(options: tuple[EstimateOption, ...], method: str | None) -> EstimateOption | None:
    """The option the customer picked at checkout: the shipping line's title is the method's name there."""
    if not method:
        return None
    wanted = " ".join(method.split()).casefold()
    return next((o for o in options if " ".join(o.name.split()).casefold() == wanted), None)


def promise_for(found: Estimate, method: str | None) -> Promise | None:
    """The chosen method's window; when the order names no method the estimate knows (a carrier rate titled
    otherwise), the span of every option, which holds whichever it was."""
    dated = [o for o in found.options if o.earliest is not None and o.latest is not None]
    if not dated:
        return None
    chosen = _chosen(tuple(dated), method)
    if chosen is not None and chosen.earliest is not None and chosen.latest is not None:
        return Promise(
            chosen.earliest, chosen.latest, found.zone_id, chosen.name, chosen.transit_source, found.ship_date
        )
    earliest = min(o.earliest for o in dated if o.earliest is not None)
    latest = max(o.latest for o in dated if o.latest is not None)
    sources = {o.transit_source for o in dated}
    source = sources.pop() if len(sources) == 1 else None
    return Promise(earliest, latest, found.zone_id, None, source, found.ship_date)


async def compiled_shop(services: Services, shop: ShopRef) -> tuple[StorefrontShop, CompiledSetup] | None:
    """The shop as the storefront sees it (setup, overrides, learned transit), compiled; None without a usable
    setup."""
    try:
        storefront = await load_storefront_shop(services, shop)
    except ShopUnavailable:
        return None
    if storefront.setup is None:
        return None
    try:
        return storefront, compile_setup(storefront.setup, storefront.learned_transit)
    except ValueError:
        return None


async def expected_window(services: Services, shop: ShopRef, state: Mapping[str, object]) -> Promise | None:
    """The promise for a stored order projection (webhooks.handlers.orders.order_state), as of when it was
    placed; None when the shop has no usable setup or does not ship there."""
    loaded = await compiled_shop(services, shop)
    if loaded is None:
        return None
    return promise_for_order(*loaded, state)


def promise_for_order(
    storefront: StorefrontShop, compiled: CompiledSetup, state: Mapping[str, object]
) -> Promise | None:
    placed = datetime.fromisoformat(str(state.get("created_at")))
    raw = {
        **_destination(state, storefront),
        "subtotal": str(state.get("total") or "0"),
        "currency": str(state.get("currency") or compiled.setup.currency),
        "item_count": str(state.get("quantity") or "") or None,
        "items": _items(state),
    }
    for request in _requests(raw, compiled.setup.currency):
        try:
            found = estimate(compiled, request, placed)
        except EstimateInputError:
            continue
        return promise_for(found, str(state["shipping_method"]) if state.get("shipping_method") else None)
    return None
