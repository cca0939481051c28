"""The admin's Texts page: connect Twilio (the auth token is never shown back), sender and registered countries,
the HELP answer, the URLs to paste into Twilio, the sender rules, counts per stage, and the dev outbox. Each text's
outcome and reason is in the Emails page's message log, next to the order's emails."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.language import t
from plugin.admin.message_log import STAGE_LABELS
from plugin.admin.sender_rules import rule_note
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment, json_body
from plugin.email.stages import MAIN_TRACK, Stage
from plugin.openapi import Body, documented
from plugin.sms.config import (
    SETTINGS_SCHEMA,
    ConfigError,
    SmsConfig,
    load_sms_config,
    parse_config,
    save_sms_config,
)
from plugin.sms.outbox import sms_outbox_items
from plugin.sms.phone import masked
from plugin.sms.records import OUTCOMES, sms_stats
from plugin.sms.rules import DEFAULT_RULE, RULES
from plugin.sms.send import INBOUND_PATH, STATUS_PATH, callback_url

SECURITY = ["shopifySessionToken"]
OUTBOX_SHOWN = 20


def _stage_label(value: object) -> str:
    try:
        return STAGE_LABELS[Stage(str(value))]
    except ValueError:
        return str(value)


async def _page(call: AdminCall, config: SmsConfig, status_code: int = 200) -> Response:
    services, shop = call.services, call.shop
    counts = await sms_stats(services, shop)
    stages = [*MAIN_TRACK, Stage.DELAYED]
    rows = [
        (stage.value, STAGE_LABELS[stage], [counts.get(stage.value, {}).get(outcome, 0) for outcome in OUTCOMES])
        for stage in stages
    ]
    outbox = [] if config.connected else (await sms_outbox_items(services, shop))[:OUTBOX_SHOWN]
    return fragment(
        "admin/sms.html",
        status_code=status_code,
        config=config,
        token=config.masked_token(),
        inbound_url=callback_url(services, shop, INBOUND_PATH),
        status_url=callback_url(services, shop, STATUS_PATH),
        rows=rows,
        outcomes=[(outcome, t(f"sms_outcome_{outcome}")) for outcome in OUTCOMES],
        unsubscribed=counts.get("all", {}).get("unsubscribed", 0),
        rules=[(country, rule, rule_note(country, rule)) for country, rule in sorted(RULES.items())],
        default_note=rule_note(None, DEFAULT_RULE),
        outbox=[
            {**item, "to": masked(str(item.get("to", ""))), "stage": _stage_label(item.get("stage"))}
            for _, item in outbox
        ],
    )


@admin_endpoint
@documented(
    "Texts (HTML fragment): Twilio connection (token masked), sender rules, counts per stage, dev outbox",
    {200: "HTML", 401: "not signed in"},
    tag="admin",
    security=SECURITY,
)
async def sms_fragment(call: AdminCall) -> Response:
    return await _page(call, await load_sms_config(call.services, call.shop))


@admin_endpoint
@documented(
    "Save the SMS settings (an empty auth_token keeps the stored one); answers with the page",
    {
        200: "HTML: the page with the saved settings",
        400: "a setting cannot be used (field named)",
        401: "not signed in",
    },
    tag="admin",
    security=SECURITY,
    request_body=Body(
        '{"enabled": true, "account_sid": "AC...", "auth_token": "...", "sender": "+1..."}', schema=SETTINGS_SCHEMA
    ),
)
async def save_sms_settings(call: AdminCall) -> Response:
    if not await call.request.body():
        return error(400, "a JSON object with the settings is required")
    data = await json_body(call.request)
    current = await load_sms_config(call.services, call.shop)
    try:
        config = parse_config(data, current)
    except ConfigError as exc:
        field, _, reason = str(exc).partition(": ")
        return error(400, reason or str(exc), field)
    await save_sms_config(call.services, call.shop, config)
    return await _page(call, config)


def sms_admin_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/sms", sms_fragment, methods=["GET"]),
        Route("/sms/settings", save_sms_settings, methods=["PUT"]),
    ]
