"""The privacy center: consent history of one person (who, when, what text, how), data exports to create and
download, and the shop's privacy audit trail (exports and erasures, without personal data)."""

from __future__ import annotations

import json
import re
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.web import AdminCall, admin_endpoint, error, fragment, json_body
from plugin.keys import ShopRef
from plugin.openapi import Body, documented
from plugin.privacy.audit import shop_audit_trail
from plugin.privacy.consent import ConsentRecord, consent_history
from plugin.privacy.export import export_subject
from plugin.privacy.exports import list_exports, load_export
from plugin.privacy.subjects import DataSubject, known_subjects
from plugin.services import Services

MAX_IDENTIFIER = 254
# One rule for the server and the document (explicit classes: regex engines disagree on what \s is). An email
# has an @ and no inner blank; a customer id is a platform id (digits, or a gid://...); blank ones are left out.
_BLANK = "[ \\t\\n\\r\\f\\v]*"
EMAIL_SHAPE = f"^{_BLANK}([^ \\t\\n\\r\\f\\v@]*@[^ \\t\\n\\r\\f\\v]*)?{_BLANK}$"
CUSTOMER_ID_SHAPE = f"^{_BLANK}([A-Za-z0-9:/._-]+)?{_BLANK}$"
PERSON_SCHEMA = {
    "type": "object",
    "properties": {
        "email": {"type": ["string", "null"], "pattern": EMAIL_SHAPE, "maxLength": MAX_IDENTIFIER},
        "customer_id": {"type": ["string", "null"], "pattern": CUSTOMER_ID_SHAPE, "maxLength": MAX_IDENTIFIER},
    },
    "anyOf": [
        {"required": ["email"], "properties": {"email": {"type": "string", "pattern": "@"}}},
        {"required": ["customer_id"], "properties": {"customer_id": {"type": "string", "pattern": "[A-Za-z0-9:/._-]"}}},
    ],
}
AUDIT_SHOWN = 200
SECURITY = ["shopifySessionToken"]


def _person(data: dict[str, Any]) -> DataSubject:
    """The person named in a request body: an email and/or a platform customer id (never a shop)."""
    found: dict[str, str | None] = {}
    for name, shape in (("email", EMAIL_SHAPE), ("customer_id", CUSTOMER_ID_SHAPE)):
        value = data.get(name)
        if value is not None and (not isinstance(value, str) or len(value) > MAX_IDENTIFIER):
            raise ValueError(f"{name} must be text of at most {MAX_IDENTIFIER} characters")
        if value is not None and not re.fullmatch(shape, value):
            raise ValueError("email must be one email address" if name == "email" else "not a customer id")
        found[name] = (value or "").strip(" \t\n\r\f\v") or None
    person = DataSubject(customer_id=found["customer_id"], email=found["email"])
    if not person.identifiers():
        raise ValueError("give an email address or a customer id")
    return person


async def person_history(services: Services, shop: ShopRef, person: DataSubject) -> list[ConsentRecord]:
    """Every ledger record of the person, oldest first, whichever of their identifiers it was recorded under."""
    seen: dict[tuple[str, str], ConsentRecord] = {}
    for key in sorted(await known_subjects(services, shop, person)):
        for record in await consent_history(services, shop, key):
            seen[(record.subject, record.entry_id)] = record
    return sorted(seen.values(), key=lambda record: (record.at, record.entry_id))


def _latest(records: list[ConsentRecord]) -> dict[str, ConsentRecord]:
    latest: dict[str, ConsentRecord] = {}
    for record in records:
        latest[record.purpose] = record
    return latest


@admin_endpoint
@documented(
    "Privacy center (HTML fragment): lookup form, exports and the audit trail",
    {200: "HTML", 401: "not signed in"},
    tag="admin",
    security=SECURITY,
)
async def privacy_fragment(call: AdminCall) -> Response:
    trail = await shop_audit_trail(call.services, call.shop, count=10_000)
    return fragment(
        "admin/privacy.html",
        exports=await list_exports(call.services, call.shop),
        audit=list(reversed(trail))[:AUDIT_SHOWN],
    )


@admin_endpoint
@documented(
    "A person's consent history (HTML fragment): who, when, what text and how, per purpose",
    {200: "HTML", 400: "no or bad identifier", 401: "not signed in", 403: "CSRF token missing (BigCommerce)"},
    tag="admin",
    request_body=Body('{"email": "..."} or {"customer_id": "..."}', schema=PERSON_SCHEMA),
    security=SECURITY,
)
async def consent_lookup(call: AdminCall) -> Response:
    try:
        person = _person(await json_body(call.request))
    except ValueError as exc:
        return error(400, str(exc))
    records = await person_history(call.services, call.shop, person)
    return fragment(
        "admin/consent_history.html",
        person=person,
        records=list(reversed(records)),
        latest=_latest(records),
    )


@admin_endpoint
@documented(
    "Create a data export of everything held about a person (kept 30 days)",
    {201: "{export_id, records}", 400: "no or bad identifier", 401: "not signed in", 403: "CSRF token missing"},
    tag="admin",
    request_body=Body('{"email": "..."} and/or {"customer_id": "..."}', schema=PERSON_SCHEMA),
    security=SECURITY,
)
async def create_export(call: AdminCall) -> Response:
    try:
        person = _person(await json_body(call.request))
    except ValueError as exc:
        return error(400, str(exc))
    result = await export_subject(
        call.services, call.shop, person, request_id=f"admin:{call.session.platform}:{call.session.user_id}"
    )
    body = json.dumps({"export_id": result.export_id, "records": result.records})
    return Response(body, status_code=201, media_type="application/json", headers={"Cache-Control": "no-store"})


@admin_endpoint
@documented(
    "Download a data export (JSON attachment)",
    {200: "the export document", 401: "not signed in", 404: "no such export for this shop, or expired"},
    tag="admin",
    security=SECURITY,
)
async def download_export(call: AdminCall) -> Response:
    export_id = call.request.path_params["export_id"]
    if not export_id.isalnum() or len(export_id) > 64:
        return error(404, "no such export")
    document = await load_export(call.services, call.shop, export_id)
    if document is None:
        return error(404, "no such export")
    return Response(
        json.dumps(document, indent=2, default=str),
        media_type="application/json",
        headers={
            "Cache-Control": "no-store",
            "Content-Disposition": f'attachment; filename="upfront-export-{export_id}.json"',
            "X-Content-Type-Options": "nosniff",
        },
    )


def privacy_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/privacy", privacy_fragment, methods=["GET"]),
        Route("/privacy/lookup", consent_lookup, methods=["POST"]),
        Route("/privacy/exports", create_export, methods=["POST"]),
        Route("/privacy/exports/{export_id}", download_export, methods=["GET"]),
    ]
