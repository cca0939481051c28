"""The help prompt's own outcome events (dismissed, escalated, request sent), counted per (widget, variant, shop
day) next to the other widgets' outcomes, under the same consent rule: nothing is recorded without analytics consent.

Shown and clicked travel with every other widget's events to `/events` (as impression and interaction); the
outcomes vocabulary there has no words for these three, so they come here.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from starlette.responses import Response

from plugin.json_body import JsonBodyError, parse_json_object
from plugin.openapi import Body, documented
from widgets.help.http import load_help, rate_limited, read_body
from widgets.holdout import VARIANTS
from widgets.outcomes import Outcome, batch_schema, record_outcomes
from widgets.shop_context import ShopUnavailable
from widgets.storefront import StorefrontCall, error

HELP_EVENT_TYPES = ("dismissed", "escalated", "request_sent")
MAX_EVENT_BYTES = 4096
MAX_EVENTS = 10
BATCHES_PER_MINUTE = 30


class HelpEventError(ValueError):
    pass


def parse_help_events(body: bytes) -> tuple[bool, list[Outcome]]:
    """(analytics consent declared, events)."""
    try:
        data = parse_json_object(body, max_bytes=MAX_EVENT_BYTES)
    except JsonBodyError as exc:
        raise HelpEventError(exc.reason) from None
    events = data.get("events")
    if not isinstance(events, list) or not 1 <= len(events) <= MAX_EVENTS:
        raise HelpEventError(f"events must be a list of 1 to {MAX_EVENTS} events")
    found: list[Outcome] = []
    for position, event in enumerate(events):
        if not isinstance(event, dict) or event.get("widget") != "help":
            raise HelpEventError(f'events[{position}].widget must be "help"')
        if event.get("variant") not in VARIANTS:
            raise HelpEventError(f"events[{position}].variant must be one of {', '.join(VARIANTS)}")
        if event.get("type") not in HELP_EVENT_TYPES:
            raise HelpEventError(f"events[{position}].type must be one of {', '.join(HELP_EVENT_TYPES)}")
        found.append(("help", str(event["variant"]), str(event["type"])))
    return data.get("consent") == "analytics", found


@documented(
    "The help prompt's dismissed, escalated and request-sent outcomes, sent only with analytics consent",
    {204: "counted", 400: "malformed", 403: "no analytics consent declared", 404: "unknown shop", 429: "rate limited"},
    tag="storefront",
    request_body=Body(
        '{"consent": "analytics", "events": [{"widget": "help", "variant", "type"}]} (sent as text/plain)',
        schema=batch_schema(("help",), HELP_EVENT_TYPES, MAX_EVENTS),
    ),
)
async def help_events(call: StorefrontCall) -> Response:
    try:
        context = await load_help(call)
    except ShopUnavailable as exc:
        return error(exc.status, exc.reason)
    retry = await rate_limited(call, "help-events", (BATCHES_PER_MINUTE, 60), call.client_ip())
    if retry is not None:
        return error(429, "too many event batches; try again later", headers={"Retry-After": str(retry)})
    body = await read_body(call, MAX_EVENT_BYTES)
    if body is None:
        return error(413, f"a batch must be at most {MAX_EVENT_BYTES} bytes")
    try:
        consented, events = parse_help_events(body)
    except HelpEventError as exc:
        return error(400, str(exc))
    if not consented:
        return error(403, 'analytics consent is required ("consent": "analytics"); nothing was recorded', "consent")
    try:
        day = call.now().astimezone(ZoneInfo(context.shop.facts.timezone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        day = call.now().date()
    await record_outcomes(call.services.redis, call.services.keys, call.shop, day, events)
    return Response(status_code=204, headers={"Cache-Control": "no-store"})
