"""Estimates for a storefront request, cached in Redis per (shop, data version, normalized inputs)."""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from plugin.services import Services
from widgets.estimator.engine import CompiledSetup, EstimateRequest, compile_setup, estimate
from widgets.estimator.presentment import Presentment, choose_presentment, presentment_setup
from widgets.shop_context import StorefrontShop

DEFAULT_TTL_SECONDS = 60
COMPILED_SETUPS_KEPT = 256
ANSWERS_KEPT = 4096


def request_digest(request: EstimateRequest) -> str:
    """Normalized inputs -> a short stable digest: "10115" and " 10115 " share a cache entry."""
    parts = (
        request.country,
        request.province or "",
        request.postcode or "",
        format(request.subtotal.normalize(), "f"),
        request.currency,
        str(request.weight_g),
        str(request.item_count),
        "" if request.rate is None else format(request.rate.normalize(), "f"),
        ",".join(
            f"{i.product_id}:{i.variant_id or ''}:{i.quantity}:{'' if i.grams is None else i.grams}"
            for i in request.items
        ),
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:24]


def presentment_request(request: EstimateRequest, presentment: Presentment) -> EstimateRequest:
    """The request in the currency the answer is in: a cart in a currency the shop does not sell in has no known
    value in the shop's, so it is estimated as empty (rates that depend on the subtotal start from zero)."""
    if presentment.answered_as_asked:
        return replace(request, currency=presentment.currency)
    return replace(request, currency=presentment.currency, subtotal=Decimal(0))


def _seconds_until_local_midnight(now: datetime, timezone: str) -> float:
    local = now.astimezone(ZoneInfo(timezone))
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), tzinfo=local.tzinfo)
    return (midnight.astimezone(UTC) - now.astimezone(UTC)).total_seconds()


class EstimateService:
    """Owns the in-process compiled-setup cache (bounded, keyed by data version) and the result caches: Redis,
    shared by every process, with a small in-process layer in front that keeps each answer no longer than Redis
    does."""

    def __init__(self, ttl_seconds: int = DEFAULT_TTL_SECONDS) -> None:
        self.ttl_seconds = ttl_seconds
        self._compiled: OrderedDict[tuple[str, str, str], CompiledSetup | None] = OrderedDict()
        self._answers: OrderedDict[str, tuple[datetime, dict[str, Any]]] = OrderedDict()

    def _remember(self, key: str, data: dict[str, Any], expires: datetime) -> None:
        self._answers[key] = (expires, data)
        self._answers.move_to_end(key)
        while len(self._answers) > ANSWERS_KEPT:
            self._answers.popitem(last=False)

    def _recall(self, key: str, now: datetime) -> dict[str, Any] | None:
        found = self._answers.get(key)
        if found is None or found[0] <= now:
            return None
        self._answers.move_to_end(key)
        return found[1]

    def compiled(self, shop: StorefrontShop, presentment: Presentment | None = None) -> CompiledSetup | None:
        """The shop's setup with its zone index and calendar built once per data version (and presentment
        currency and rate: amounts converted, see widgets.estimator.presentment); None when the setup is missing or
        names an origin country or currency the engine does not know."""
        # Answers in the shop's own currency (asked for, or not convertible) share one compiled setup.
        part = "" if presentment is None or not presentment.converts else presentment.cache_part
        key = (shop.shop.tag, shop.version, part)
        if key in self._compiled:
            self._compiled.move_to_end(key)
            return self._compiled[key]
        found: CompiledSetup | None = None
        if shop.setup is not None:
            try:
                setup = shop.setup if presentment is None else presentment_setup(shop.setup, presentment)
                found = compile_setup(setup, shop.learned_transit)
            except ValueError:
                found = None
        self._compiled[key] = found
        while len(self._compiled) > COMPILED_SETUPS_KEPT:
            self._compiled.popitem(last=False)
        return found

    async def estimate(
        self, services: Services, shop: StorefrontShop, request: EstimateRequest, now: datetime
    ) -> dict[str, Any] | None:
        """The estimate as cached JSON (see `Estimate.to_dict`, with `order_deadline` instead of a countdown),
        or None when the shop has no usable shipping setup. Amounts are in the shopper's currency where the shop sells
        in it, else in the shop's (`presentment` says which; see widgets.estimator.presentment)."""
        presentment = choose_presentment(shop.facts, request.currency, request.rate)
        compiled = self.compiled(shop, presentment)
        if compiled is None:
            return None
        key = services.keys.shop(shop.shop, "cache", "estimate", shop.version, request_digest(request))
        if (remembered := self._recall(key, now)) is not None:
            return remembered
        async with services.redis.pipeline(transaction=False) as pipe:
            pipe.get(key)
            pipe.pttl(key)
            cached, left_ms = await pipe.execute()
        if cached is not None:
            found: dict[str, Any] = json.loads(cached)
            self._remember(key, found, now + timedelta(milliseconds=max(0, int(left_ms))))
            return found
        result = estimate(compiled, presentment_request(request, presentment), now)
        data = result.to_dict()
        data["presentment"] = {"requested": presentment.requested, "sold": presentment.sold}
        data["decimals"] = presentment.decimals
        if not presentment.answered_as_asked:
            data["free_shipping"] = None  # how far a cart in another currency is from a threshold is unknown
        data.pop("order_within_s", None)
        deadline = None if result.order_within is None else now.astimezone(UTC) + result.order_within
        data["order_deadline"] = None if deadline is None else deadline.isoformat()
        # Expire by the cutoff (the ship date moves then) and by local midnight (so does "today").
        ttl = min(float(self.ttl_seconds), _seconds_until_local_midnight(now, compiled.setup.timezone))
        if deadline is not None:
            ttl = min(ttl, (deadline - now.astimezone(UTC)).total_seconds())
        await services.redis.set(key, json.dumps(data, separators=(",", ":")), ex=max(1, int(ttl)))
        self._remember(key, data, now + timedelta(seconds=max(1, int(ttl))))
        return data


def order_within(data: dict[str, Any], now: datetime) -> timedelta | None:
    """What is left of the same-day cutoff as of `now`; None when there is none or it has passed."""
    deadline = data.get("order_deadline")
    if not deadline:
        return None
    left = datetime.fromisoformat(deadline) - now.astimezone(UTC)
    return left if left > timedelta(0) else None
