"""Outcome events (impression, interaction, add to cart) sent by the storefront script with analytics consent,
counted per (widget, variant, shop-local day). No visitor id, address or page is stored: only the counts."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.responses import Response

from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import Keys, ShopRef
from plugin.openapi import Body, documented
from plugin.storage import RedisStore
from widgets.holdout import VARIANTS
from widgets.rate_limit import over_limit, pseudonym
from widgets.shop_context import ShopUnavailable
from widgets.storefront import StorefrontCall, error

WIDGETS = ("estimate", "badges", "help")
EVENT_TYPES = ("impression", "interaction", "add_to_cart")
MAX_BODY_BYTES = 8192
MAX_EVENTS = 50
REQUESTS_PER_WINDOW = 30
WINDOW_SECONDS = 60
KEEP_DAYS = 400
CONSENT = "analytics"

Outcome = tuple[str, str, str]  # widget, variant, event type


def batch_schema(widgets: tuple[str, ...], types: tuple[str, ...], max_events: int) -> dict[str, Any]:
    """An outcome batch as the OpenAPI document describes it; without the consent it is refused with 403."""
    event = {
        "type": "object",
        "required": ["widget", "variant", "type"],
        "properties": {
            "widget": {"type": "string", "enum": list(widgets)},
            "variant": {"type": "string", "enum": list(VARIANTS)},
            "type": {"type": "string", "enum": list(types)},
        },
    }
    return {
        "type": "object",
        "required": ["consent", "events"],
        "properties": {
            "consent": {"type": "string", "enum": [CONSENT]},
            "events": {"type": "array", "minItems": 1, "maxItems": max_events, "items": event},
        },
    }


class OutcomeInputError(ValueError):
    pass


def parse_batch(body: bytes) -> tuple[bool, list[Outcome]]:
    """(analytics consent declared, events). Accepts JSON sent as text/plain: sendBeacon's CORS-safe type."""
    try:
        data = parse_json_object(body, max_bytes=MAX_BODY_BYTES)
    except JsonBodyError as exc:
        raise OutcomeInputError(exc.reason) from None
    events = data.get("events")
    if not isinstance(events, list) or not events:
        raise OutcomeInputError("events must be a non-empty list")
    if len(events) > MAX_EVENTS:
        raise OutcomeInputError(f"at most {MAX_EVENTS} events per batch")
    found: list[Outcome] = []
    for position, event in enumerate(events):
        if not isinstance(event, dict):
            raise OutcomeInputError(f"events[{position}] must be an object")
        widget, variant, kind = event.get("widget"), event.get("variant"), event.get("type")
        if widget not in WIDGETS:
            raise OutcomeInputError(f"events[{position}].widget must be one of {', '.join(WIDGETS)}")
        if variant not in VARIANTS:
            raise OutcomeInputError(f"events[{position}].variant must be one of {', '.join(VARIANTS)}")
        if kind not in EVENT_TYPES:
            raise OutcomeInputError(f"events[{position}].type must be one of {', '.join(EVENT_TYPES)}")
        found.append((widget, variant, kind))
    return data.get("consent") == CONSENT, found


def outcomes_key(keys: Keys, shop: ShopRef, day: date) -> str:
    return keys.shop(shop, "outcomes", day.isoformat())


async def record_outcomes(redis: RedisStore, keys: Keys, shop: ShopRef, day: date, events: list[Outcome]) -> None:
    key = outcomes_key(keys, shop, day)
    async with redis.pipeline(transaction=True) as pipe:
        for (widget, variant, kind), count in Counter(events).items():
            pipe.hincrby(key, f"{widget}:{variant}:{kind}", count)
        pipe.expire(key, KEEP_DAYS * 86400)
        await pipe.execute()


async def read_outcomes(redis: RedisStore, keys: Keys, shop: ShopRef, day: date) -> dict[Outcome, int]:
    """One day's counts, for the admin's uplift figures."""
    raw = await redis.hgetall(outcomes_key(keys, shop, day))
    counts: dict[Outcome, int] = {}
    for field, value in raw.items():
        widget, variant, kind = str(field).split(":")
        counts[(widget, variant, kind)] = int(value)
    return counts


def _shop_day(call: StorefrontCall, timezone: str) -> date:
    try:
        return call.now().astimezone(ZoneInfo(timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return call.now().date()


@documented(
    "Outcome events from the storefront script, sent only with analytics consent",
    {
        204: "counted",
        400: "malformed batch",
        403: "no analytics consent declared, or a foreign origin",
        404: "unknown shop",
        413: "batch too large",
        429: "rate limited (Retry-After)",
    },
    tag="storefront",
    request_body=Body(
        '{"consent": "analytics", "events": [{"widget", "variant", "type"}]} (sent as text/plain)',
        schema=batch_schema(WIDGETS, EVENT_TYPES, MAX_EVENTS),
    ),
)
async def events_endpoint(call: StorefrontCall) -> Response:
    try:
        shop = await call.storefront_shop()
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    secret = (call.services.settings.secret_keys() or ["upfront"])[0]
    limit_key = call.services.keys.shop(call.shop, "ratelimit", "events", pseudonym(secret, call.client_ip()))
    retry = await over_limit(
        call.services.redis,
        limit_key,
        limit=REQUESTS_PER_WINDOW,
        window_s=WINDOW_SECONDS,
        now=call.now().timestamp(),
    )
    if retry is not None:
        return error(429, "too many event batches; try again later", headers={"Retry-After": str(retry)})
    declared = call.request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return error(413, f"a batch must be at most {MAX_BODY_BYTES} bytes")
    body = b""
    async for chunk in call.request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            return error(413, f"a batch must be at most {MAX_BODY_BYTES} bytes")
    try:
        consented, events = parse_batch(body)
    except OutcomeInputError as exc:
        return error(400, str(exc))
    if not consented:
        return error(403, 'analytics consent is required ("consent": "analytics"); nothing was recorded', "consent")
    day = _shop_day(call, shop.facts.timezone)
    await record_outcomes(call.services.redis, call.services.keys, call.shop, day, events)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
