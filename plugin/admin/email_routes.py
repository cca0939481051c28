"""Post-purchase email pages, built on `plugin.email`: stage switches and timing, merchant texts per stage and
locale with a preview of the sample order, a test send, template problems, recent messages per order (with the
reason when one was not sent) and the dev outbox."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from plugin.admin.checklist import test_email_key
from plugin.admin.language import t
from plugin.admin.language_names import language_name
from plugin.admin.message_log import STAGE_LABELS, recent_order_messages
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment, json_body
from plugin.email.journey_settings import (
    FEEDBACK_KINDS,
    PLAIN_TEXT_PATTERN,
    TEXT_FIELDS,
    JourneySettingsError,
    TemplateOverride,
    check_override,
    journey_settings_from_dict,
    journey_settings_schema,
    journey_settings_to_dict,
    load_journey_settings,
    save_journey_settings,
)
from plugin.email.outbox import list_outbox
from plugin.email.preview import Preview, preview_message, send_test_message
from plugin.email.problems import template_problems
from plugin.email.stages import STAGES, Stage, is_marketing
from plugin.email.transport import DeliveryError
from plugin.email.variables import sample_variables
from plugin.email.wording import LOCALES, pick_locale
from plugin.openapi import Body, QueryParam, documented
from plugin.shop_data import load_facts

log = logging.getLogger(__name__)

SECURITY = ["shopifySessionToken"]
OUTBOX_SHOWN = 20


STAGE_SCHEMA = {"type": "string", "enum": [stage.value for stage in Stage]}
LOCALE_SCHEMA = {"type": "string", "enum": list(LOCALES)}


def _stage(value: object) -> Stage:
    try:
        return Stage(str(value))
    except ValueError:
        raise ValueError(f"stage must be one of {', '.join(stage.value for stage in Stage)}") from None


def _locale(value: object) -> str:
    if value not in LOCALES:
        raise ValueError(f"locale must be one of {', '.join(LOCALES)}")
    return str(value)


def _stage_name(value: str) -> str:
    """A stored stage code as the admin names it (an unknown one as stored)."""
    try:
        return STAGE_LABELS[Stage(value)]
    except ValueError:
        return value


def _kind_name(kind: str) -> str:
    """What an outbox message is: its stage's name, or a test, an alert or a forwarded help request."""
    if kind in ("test", "alert", "help_request"):
        return t(f"mail_kind_{kind}")
    return _stage_name(kind)


def merged(current: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """`changes` over `current`, objects merged key by key (so one stage's text leaves the others alone)."""
    result = dict(current)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def _variable_names(variables: Mapping[str, Any], prefix: str = "") -> list[str]:
    names: list[str] = []
    for key, value in variables.items():
        if isinstance(value, Mapping):
            names += _variable_names(value, f"{prefix}{key}.")
        else:
            names.append(f"{prefix}{key}")
    return names


@admin_endpoint
@documented(
    "Post-purchase emails (HTML fragment): stages, timing, texts for one stage and locale, preview, recent messages "
    "per order with the reason for any not sent, dev outbox",
    {200: "HTML", 400: "unknown stage or locale", 401: "not signed in"},
    tag="admin",
    query=(
        QueryParam("stage", "the stage whose texts to edit", schema=STAGE_SCHEMA),
        # not `locale`: that is the admin's own language (Shopify appends it; plugin.admin.language)
        QueryParam("text_locale", "the language whose texts to edit and preview", schema=LOCALE_SCHEMA),
    ),
    security=SECURITY,
)
async def emails_fragment(call: AdminCall) -> Response:
    services, shop = call.services, call.shop
    query = call.request.query_params
    facts = await load_facts(services.redis, services.keys, shop)
    try:
        stage = _stage(query.get("stage") or Stage.CONFIRMED.value)
        locale = _locale(query.get("text_locale") or pick_locale(facts.locale if facts else None))
    except ValueError as exc:
        return error(400, str(exc))
    settings = await load_journey_settings(services, shop)
    preview = await preview_message(services, shop, stage, locale)
    outbox = await list_outbox(services, shop, limit=OUTBOX_SHOWN) if services.settings.smtp_url is None else None
    outbox_rows = None if outbox is None else [(item, _kind_name(item.kind)) for item in outbox]
    return fragment(
        "admin/emails.html",
        settings=journey_settings_to_dict(settings),
        stages=[(s, STAGE_LABELS[s], is_marketing(s), settings.enabled(s)) for s in STAGES],
        stage=stage,
        stage_label=STAGE_LABELS[stage],
        locale=locale,
        locales=[(code, language_name(code)) for code in LOCALES],
        override=settings.override(stage, locale) or TemplateOverride(),
        feedback_kinds=FEEDBACK_KINDS,
        variables=_variable_names(sample_variables()),
        preview=preview,
        problems=[
            (_stage_name(problem.stage), language_name(problem.locale), problem.reason, problem.at)
            for problem in await template_problems(services, shop)
        ],
        outbox=outbox_rows,
        orders=await recent_order_messages(services, shop),
        test_sent_at=await services.redis.get(test_email_key(services, shop)),
        to=facts.email if facts and facts.email else "",
    )


@admin_endpoint
@documented(
    "Change post-purchase email settings (missing keys keep their value; merchant texts must render)",
    {200: "the saved settings", 400: "the first bad field and why", 401: "not signed in", 403: "CSRF token missing"},
    tag="admin",
    request_body=Body(
        "a partial settings object: stages.<stage>.enabled, stages.<stage>.overrides.<locale>.subject, ... "
        "(none: nothing changes)",
        schema=journey_settings_schema(),
        required=False,
    ),
    security=SECURITY,
)
async def save_email_settings(call: AdminCall) -> Response:
    changes = await json_body(call.request)
    quiet = changes.get("quiet_hours")
    if isinstance(quiet, Mapping) and not {"start", "end"} <= quiet.keys():
        # not merged over the stored hours, which may be none: what is asked for must not depend on them
        return error(400, "quiet_hours needs start and end (or null for none)", "quiet_hours")
    current = journey_settings_to_dict(await load_journey_settings(call.services, call.shop))
    try:
        settings = journey_settings_from_dict(merged(current, changes), sample=sample_variables())
        await save_journey_settings(call.services, call.shop, settings)
    except JourneySettingsError as exc:
        return error(400, exc.reason, exc.field)
    return JSONResponse({"settings": journey_settings_to_dict(settings)}, headers={"Cache-Control": "no-store"})


def _preview_page(preview: Preview, label: str) -> Response:
    return fragment("admin/email_preview.html", preview=preview, stage_label=label)


@admin_endpoint
@documented(
    "Preview a stage with the sample order, optionally with unsaved texts (HTML fragment)",
    {200: "HTML", 400: "bad stage, locale or text, with the reason", 401: "not signed in"},
    tag="admin",
    request_body=Body(
        '{"stage", "locale", "subject"?, "intro"?, "body"?}: texts must render with the sample order',
        schema={
            "type": "object",
            "required": ["stage", "locale"],
            "properties": {
                "stage": STAGE_SCHEMA,
                "locale": LOCALE_SCHEMA,
                **{
                    name: {
                        "anyOf": [
                            {"type": "string", "maxLength": limit, "pattern": PLAIN_TEXT_PATTERN},
                            {"type": "null"},
                        ]
                    }
                    for name, limit in TEXT_FIELDS.items()
                },
            },
        },
    ),
    security=SECURITY,
)
async def preview_email(call: AdminCall) -> Response:
    data = await json_body(call.request)
    try:
        stage, locale = _stage(data.get("stage")), _locale(data.get("locale"))
        texts = {name: data.get(name) for name in ("subject", "intro", "body")}
        if any(value is not None and not isinstance(value, str) for value in texts.values()):
            raise ValueError("subject, intro and body must be text")
        override = TemplateOverride(**{name: (value or "").strip() or None for name, value in texts.items()})
        check_override(override, f"stages.{stage.value}.overrides.{locale}", sample_variables())
    except JourneySettingsError as exc:
        return error(400, exc.reason, exc.field)
    except ValueError as exc:
        return error(400, str(exc))
    preview = await preview_message(call.services, call.shop, stage, locale, override=override)
    return _preview_page(preview, STAGE_LABELS[stage])


@admin_endpoint
@documented(
    "Send a test of a stage's email with the sample order to one address",
    {
        200: "{sent: true, subject}",
        400: "bad stage, locale or address",
        401: "not signed in",
        403: "CSRF token missing",
        502: "the mail server refused it",
    },
    tag="admin",
    request_body=Body(
        '{"stage", "to", "locale"?}',
        schema={
            "type": "object",
            "required": ["stage", "to"],
            "properties": {
                "stage": STAGE_SCHEMA,
                "to": {"type": "string", "format": "email", "maxLength": 254},
                "locale": LOCALE_SCHEMA,
            },
        },
    ),
    security=SECURITY,
)
async def send_test(call: AdminCall) -> Response:
    data = await json_body(call.request)
    to = data.get("to")
    try:
        stage = _stage(data.get("stage"))
        locale = _locale(data["locale"]) if "locale" in data else None
        if not isinstance(to, str) or len(to) > 254:
            raise ValueError("to must be one email address")
        preview = await send_test_message(call.services, call.shop, stage, to.strip(), locale=locale)
    except ValueError as exc:
        return error(400, str(exc))
    except DeliveryError as exc:
        log.info("admin test email failed", extra={"shop": call.shop.tag, "code": exc.code})
        return error(502, f"the mail server did not accept the message: {exc.reason}")
    await call.services.redis.set(test_email_key(call.services, call.shop), call.now().isoformat())
    return JSONResponse({"sent": True, "subject": f"[Test] {preview.subject}"}, headers={"Cache-Control": "no-store"})


def email_admin_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/emails", emails_fragment, methods=["GET"]),
        Route("/emails/settings", save_email_settings, methods=["PUT"]),
        Route("/emails/preview", preview_email, methods=["POST"]),
        Route("/emails/test", send_test, methods=["POST"]),
    ]
