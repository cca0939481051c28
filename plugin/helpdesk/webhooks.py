"""Status webhooks from the helpdesks: `POST /helpdesk/{kind}/{platform}/{shop}/{token}`, the token being the random
one of the shop's connection. Zendesk's deliveries must also carry a valid `X-Zendesk-Webhook-Signature` (base64
HMAC-SHA256 of the timestamp header followed by the raw body, keyed with the webhook's signing secret). The endpoint
only verifies and schedules a status check: the ticket's status is then read from the helpdesk's API, so a delivery
cannot close or open anything by what its body claims.

What each sends: Zendesk an event subscription (`detail.id` of a ticket event) or a trigger's JSON body with
`ticket_id`; Chatwoot `{"event": "conversation_status_changed", "id": ...}` (also `conversation_updated`); a
Gorgias HTTP integration the body the merchant sets, `{"ticket_id": "{{ticket.id}}"}`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from plugin.helpdesk.connection import hook_connection
from plugin.helpdesk.tickets import CHECK_JOB, request_of_ticket
from plugin.jobs import Job, schedule_job
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.openapi import documented
from plugin.request_body import read_body
from plugin.services import services

MAX_BODY = 256 * 1024
SIGNATURE_HEADER = "x-zendesk-webhook-signature"
TIMESTAMP_HEADER = "x-zendesk-webhook-signature-timestamp"
MAX_SKEW_SECONDS = 3600  # a signed delivery older than this is a replay
CHATWOOT_EVENTS = frozenset({"conversation_status_changed", "conversation_updated", "conversation_resolved"})


def zendesk_signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def _moment(timestamp: str) -> float | None:
    try:
        return float(timestamp) if timestamp.isdigit() else datetime.fromisoformat(timestamp).timestamp()
    except ValueError:
        return None


def zendesk_verified(secret: str, headers: Mapping[str, str], body: bytes, *, now: float) -> str | None:
    """None when the delivery is genuine and fresh, else why it is refused."""
    signature, timestamp = headers.get(SIGNATURE_HEADER, ""), headers.get(TIMESTAMP_HEADER, "")
    if not signature or not timestamp:
        return "the X-Zendesk-Webhook-Signature and -Timestamp headers are required"
    if not hmac.compare_digest(zendesk_signature(secret, timestamp, body), signature):
        return "the signature does not match this webhook's signing secret"
    sent = _moment(timestamp)
    if sent is None or abs(now - sent) > MAX_SKEW_SECONDS:
        return "the signature timestamp is not recent"
    return None


def _text_id(value: object) -> str | None:
    text = str(value) if isinstance(value, int | str) and not isinstance(value, bool) else ""
    return text if text.isdigit() and len(text) <= 20 else None


def ticket_id_of(kind: str, data: Mapping[str, Any]) -> str | None:
    """The helpdesk's ticket (conversation) id a delivery is about, or None when it is not about one."""
    if kind == "chatwoot":
        if data.get("event") not in CHATWOOT_EVENTS:
            return None
        conversation = data.get("conversation")
        return _text_id(data.get("id")) or (
            _text_id(conversation.get("id")) if isinstance(conversation, dict) else None
        )
    if kind == "zendesk":
        detail = data.get("detail")
        if isinstance(detail, dict) and str(data.get("type", "")).startswith("zen:event-type:ticket."):
            return _text_id(detail.get("id"))
        return _text_id(data.get("ticket_id"))
    ticket = data.get("ticket")
    return _text_id(data.get("ticket_id")) or (_text_id(ticket.get("id")) if isinstance(ticket, dict) else None)


@documented(
    "A helpdesk says a ticket changed: verified, then its status is read from the helpdesk's API",
    {
        202: "a status check is scheduled",
        200: "not about a ticket Upfront filed (ignored)",
        400: "not JSON",
        401: "bad or missing signature",
        404: "unknown webhook URL",
    },
    tag="helpdesk",
    request_body="the helpdesk's delivery (see the module docs for each helpdesk's shape)",
)
async def helpdesk_webhook(request: Request) -> JSONResponse:
    params = request.path_params
    kind = params["kind"]
    found = services(request)
    connection = await hook_connection(found, kind, params["platform"], params["shop_id"], params["token"])
    if connection is None:
        return JSONResponse({"error": "unknown webhook URL"}, status_code=404)
    shop = connection.shop
    body = await read_body(request)
    if len(body) > MAX_BODY:
        return JSONResponse({"error": "body too large"}, status_code=413)
    if kind == "zendesk":
        secret = connection.secrets.get("webhook_secret")
        if secret is None:
            return JSONResponse(
                {"error": "set the webhook's signing secret in the Upfront admin first"}, status_code=401
            )
        refused = zendesk_verified(secret, request.headers, body, now=time.time())
        if refused is not None:
            return JSONResponse({"error": refused}, status_code=401)
    try:
        data = parse_json_object(body, max_bytes=MAX_BODY)
    except JsonBodyError as exc:
        return JSONResponse({"error": exc.reason}, status_code=exc.status)
    ticket_id = ticket_id_of(kind, data)
    request_id = None if ticket_id is None else await request_of_ticket(found, shop, kind, ticket_id)
    if request_id is None:
        return JSONResponse({"ignored": "not about a ticket Upfront filed"})
    # A job id per delivery second: a burst of deliveries is one check, a later change gets its own.
    job_id = f"{CHECK_JOB}:{shop.tag}:{request_id}:{int(time.time())}"
    await schedule_job(found.redis, found.keys, Job(CHECK_JOB, shop, job_id, {"request": request_id}))
    return JSONResponse({"scheduled": "status check"}, status_code=202)


def helpdesk_webhook_routes() -> list[BaseRoute]:
    return [Route("/helpdesk/{kind}/{platform}/{shop_id}/{token}", helpdesk_webhook, methods=["POST"])]
