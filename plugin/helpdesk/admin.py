"""The admin's JSON for the helpdesk connection: read it (secrets masked), connect or replace it (400 names the
field), disconnect, send a test ticket that reports the helpdesk's own answer, and list dead letters.

Mounted by the admin panel behind its own auth, like `widgets.help.admin`: `authenticate(request)` returns the shop.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from plugin.admin.language import t
from plugin.errors import PlatformError
from plugin.helpdesk.base import HelpTicket
from plugin.helpdesk.connection import (
    ACCOUNT_FIELDS,
    KINDS,
    NAMES,
    SECRET_FIELDS,
    ConnectionInputError,
    connection_schema,
    disconnect,
    load_connection,
    parse_connection,
    record_test,
    save_connection,
)
from plugin.helpdesk.factory import build_helpdesk
from plugin.helpdesk.tickets import failed_tickets
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.keys import ShopRef
from plugin.openapi import Body, documented
from plugin.services import Services, services
from plugin.shop_data import load_facts

Authenticate = Callable[[Request], Awaitable[ShopRef]]
MAX_BODY_BYTES = 8192
NO_STORE = {"Cache-Control": "no-store"}
# The helpdesk body a status webhook sends (the helpdesks' own placeholder syntax), shown as code in the admin's
# instructions (`help_hook_<kind>`, whose `{body}` marks where it goes).
WEBHOOK_BODY = '{"ticket_id": "{{ticket.id}}"}'
# Account fields the helpdesks name differently (whose user the email is): labelled `help_hd_<field>_<kind>`.
NAMED_PER_HELPDESK = frozenset({"email"})


def field_label(name: str, kind: str) -> str:
    """The admin form's label of a connection field, in the admin's language."""
    return t(f"help_hd_{name}_{kind}" if name in NAMED_PER_HELPDESK else f"help_hd_{name}")


def webhook_help(kind: str) -> tuple[str, str | None, str]:
    """Where `kind` is told to send status changes, in the admin's language, around the body it must send:
    (before, WEBHOOK_BODY or None when that helpdesk sends its own, after)."""
    before, marker, after = t(f"help_hook_{kind}").partition("{body}")
    return before, (WEBHOOK_BODY if marker else None), after


def kinds() -> list[dict[str, Any]]:
    return [
        {
            "kind": kind,
            "name": NAMES[kind],
            "account_fields": list(ACCOUNT_FIELDS[kind]),
            "secret_fields": [{"name": name, "required": required} for name, required in SECRET_FIELDS[kind]],
        }
        for kind in KINDS
    ]


async def helpdesk_document(found: Services, shop: ShopRef) -> dict[str, Any]:
    connection = await load_connection(found, shop)
    return {
        "connection": None if connection is None else connection.public(found.settings.app_url),
        "kinds": kinds(),
        "dead_letters": [record.to_admin() for record in await failed_tickets(found, shop)],
    }


async def send_test_ticket(found: Services, shop: ShopRef) -> tuple[int, dict[str, Any]]:
    """File a test ticket now, outside the job system, so the merchant sees the helpdesk's answer at once."""
    connection = await load_connection(found, shop)
    if connection is None:
        return 409, {"ok": False, "error": "connect a helpdesk first"}
    facts = await load_facts(found.redis, found.keys, shop)
    ticket = HelpTicket(
        request_id=f"test-{secrets.token_hex(6)}",
        requester_email=(facts.email if facts and facts.email else "shopper@example.com"),
        subject="Upfront test ticket",
        message="This is a test ticket from Upfront: help requests from your storefront will arrive like this. "
        "You can close it.",
        shop_name=facts.name if facts else shop.id,
        page="/",
        test=True,
    )
    at = datetime.now(UTC).isoformat(timespec="seconds")
    try:
        ref = await build_helpdesk(found.settings, found.http, connection).file(ticket)
    except PlatformError as exc:
        result: dict[str, Any] = {"ok": False, "at": at, "error": f"{connection.name}: {exc}"}
        await record_test(found, shop, result)
        return 409, result  # the request was fine; the connection, as it stands, cannot file
    result = {"ok": True, "at": at, "ticket_id": ref.ticket_id, "url": ref.url}
    await record_test(found, shop, result)
    return 200, result


def helpdesk_admin_routes(authenticate: Authenticate) -> list[BaseRoute]:
    @documented(
        "The connected helpdesk (secrets masked to their last characters), the helpdesks on offer, dead letters",
        {200: "{connection, kinds, dead_letters}", 401: "not signed in"},
        tag="admin",
    )
    async def read(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        return JSONResponse(await helpdesk_document(services(request), shop), headers=NO_STORE)

    @documented(
        "Connect a helpdesk (replaces the one connected); an empty secret keeps the stored one of the same helpdesk",
        {
            200: "the helpdesk document",
            400: "the first bad field and why",
            401: "not signed in",
            409: "a required secret left out with none stored to keep",
        },
        tag="admin",
        request_body=Body(
            '{"kind": "gorgias"|"zendesk"|"chatwoot", account fields, secrets (null or left out: keep the stored)}',
            schema=connection_schema(),
        ),
    )
    async def connect(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        found = services(request)
        try:
            data = parse_json_object(await request.body(), max_bytes=MAX_BODY_BYTES)
        except JsonBodyError as exc:
            return JSONResponse({"error": exc.reason}, status_code=exc.status)
        try:
            connection = parse_connection(shop, data, await load_connection(found, shop))
        except ConnectionInputError as exc:
            return JSONResponse({"error": exc.reason, "field": exc.field}, status_code=exc.status)
        await save_connection(found, shop, connection)
        return JSONResponse(await helpdesk_document(found, shop), headers=NO_STORE)

    @documented(
        "Disconnect the helpdesk: new help requests go by email again",
        {200: "{disconnected: bool}", 401: "not signed in"},
        tag="admin",
    )
    async def remove(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        return JSONResponse({"disconnected": await disconnect(services(request), shop)}, headers=NO_STORE)

    @documented(
        "Send a test ticket to the connected helpdesk and report its answer",
        {
            200: "{ok: true, ticket_id, url}",
            409: "{ok: false, error}: no helpdesk connected, or the helpdesk's refusal",
        },
        tag="admin",
    )
    async def test(request: Request) -> JSONResponse:
        shop = await authenticate(request)
        status, result = await send_test_ticket(services(request), shop)
        return JSONResponse(result, status_code=status, headers=NO_STORE)

    return [
        Route("/help/helpdesk", read, methods=["GET"]),
        Route("/help/helpdesk", connect, methods=["PUT"]),
        Route("/help/helpdesk", remove, methods=["DELETE"]),
        Route("/help/helpdesk/test", test, methods=["POST"]),
    ]
