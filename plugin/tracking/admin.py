"""The admin's carrier tracking section: connect AfterShip (API key and webhook secret, sealed at rest and never
shown back), the webhook address to paste into AfterShip, a connection test, and disconnect."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from plugin.admin.language import t
from plugin.admin.web import AdminCall, admin_endpoint, error, fragment, json_body
from plugin.errors import PlatformError
from plugin.openapi import Body, documented
from plugin.tracking.connection import (
    connect,
    connection_status,
    disconnect,
    load_credentials,
    provider_for,
    record_check,
)
from plugin.tracking.model import Credentials
from plugin.tracking.webhook_url import webhook_url

SECURITY = ["shopifySessionToken"]
MAX_SECRET = 200
# The stored outcome of a test AfterShip answered 401/403 to (a code kept as written; the page words it).
REFUSED = "AfterShip refused the API key"
# Keys and secrets are printable ASCII without blanks: a pasted value with a line break or space is a paste error.
_CREDENTIAL = re.compile(r"^[!-~]+$")
CONNECTION_SCHEMA = {
    "type": "object",
    "properties": {
        "api_key": {"type": "string", "minLength": 8, "maxLength": MAX_SECRET, "pattern": "^[!-~]+$"},
        "webhook_secret": {"type": "string", "minLength": 8, "maxLength": MAX_SECRET, "pattern": "^[!-~]+$"},
    },
    "required": ["api_key", "webhook_secret"],
    "additionalProperties": False,
}


def _credential(data: dict[str, Any], name: str, label: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not value:
        raise ValueError(f"enter the {label}")
    if len(value) < 8 or len(value) > MAX_SECRET or not _CREDENTIAL.match(value):
        raise ValueError(f"the {label} must be 8 to {MAX_SECRET} characters without spaces")
    return value


def check_words(check: str) -> str:
    """The last connection test's stored outcome in the admin's language; "" when never tested."""
    if not check:
        return ""
    if check == "ok":
        return t("track_check_ok")
    if check == REFUSED:
        return t("track_check_refused")
    kind, _, detail = check.partition(": ")
    return t("track_check_failed", detail=detail) if kind == "failed" else check


async def _section(call: AdminCall, status_code: int = 200) -> Response:
    connection = await connection_status(call.services, call.shop)
    return fragment(
        "admin/tracking.html",
        status_code=status_code,
        connection=connection,
        check=check_words(connection.check) if connection else "",
        webhook_url=webhook_url(call.services, call.shop),
    )


@admin_endpoint
@documented(
    "Carrier tracking (HTML fragment): connection state, the webhook address for AfterShip, connect form",
    {200: "HTML", 401: "not signed in"},
    tag="admin",
    security=SECURITY,
)
async def tracking_fragment(call: AdminCall) -> Response:
    return await _section(call)


@admin_endpoint
@documented(
    "Connect AfterShip: store the API key and webhook secret, encrypted; answers the section without them",
    {200: "HTML", 400: "a value missing or malformed", 401: "not signed in", 403: "CSRF token missing"},
    tag="admin",
    request_body=Body('{"api_key": "...", "webhook_secret": "..."}', schema=CONNECTION_SCHEMA),
    security=SECURITY,
)
async def save_connection(call: AdminCall) -> Response:
    data = await json_body(call.request)
    unknown = sorted(set(data) - {"api_key", "webhook_secret"})
    if unknown:
        return error(400, f"unknown field {unknown[0]!r}", field=unknown[0])
    try:
        credentials = Credentials(
            api_key=_credential(data, "api_key", "API key"),
            webhook_secret=_credential(data, "webhook_secret", "webhook secret"),
        )
    except ValueError as exc:
        field = "api_key" if "API key" in str(exc) else "webhook_secret"
        return error(400, str(exc), field=field)
    await connect(call.services, call.shop, credentials)
    return await _section(call)


@admin_endpoint
@documented(
    "Disconnect carrier tracking: the stored key and secret are deleted; stages come from the platform again",
    {200: "HTML", 401: "not signed in", 403: "CSRF token missing"},
    tag="admin",
    security=SECURITY,
)
async def remove_connection(call: AdminCall) -> Response:
    await disconnect(call.services, call.shop)
    return await _section(call)


@admin_endpoint
@documented(
    "Test the AfterShip connection with one authenticated call; answers the section with the outcome",
    {200: "HTML", 401: "not signed in", 403: "CSRF token missing", 409: "not connected"},
    tag="admin",
    security=SECURITY,
)
async def test_connection(call: AdminCall) -> Response:
    credentials = await load_credentials(call.services, call.shop)
    if credentials is None:
        return error(409, "connect AfterShip first")
    try:
        await provider_for(call.services).check_connection(credentials)
    except PlatformError as exc:
        outcome = REFUSED if exc.status in (401, 403) else f"failed: {exc}"
    else:
        outcome = "ok"
    await record_check(call.services, call.shop, outcome)
    return await _section(call)


def tracking_admin_routes() -> list[BaseRoute]:
    return [
        Route("/fragments/tracking", tracking_fragment, methods=["GET"]),
        Route("/tracking/connection", save_connection, methods=["PUT"]),
        Route("/tracking/connection", remove_connection, methods=["DELETE"]),
        Route("/tracking/test", test_connection, methods=["POST"]),
    ]
