"""Loopback stand-ins for the Gorgias, Zendesk and Chatwoot APIs the helpdesk adapters call, speaking their wire
formats (paths, auth headers, request and answer shapes, error statuses) and checking what their docs require, so
the adapters are exercised for real in `upfront dev` and the tests. They keep tickets in memory.

Faults for tests and demos: `fail_next(status, count, after_create=...)` answers the next creates with an error —
before creating anything, or after creating the ticket (a lost answer, as a timeout leaves it) — and the team's side
is `resolve(ticket_id)` / `reopen(ticket_id)`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import itertools
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

DEV_EMAIL = "agent@upfront.test"
DEV_SECRET = "dev-helpdesk-key"  # the credential each stand-in accepts in `upfront dev`


@dataclass
class Fault:
    status: int
    remaining: int
    after_create: bool = False  # create the ticket, then answer with the error (the caller never learns its id)


@dataclass
class StandIn:
    """What the three stand-ins share: an id sequence, the tickets, created-ticket faults, and auth."""

    tickets: dict[int, dict[str, Any]] = field(default_factory=dict)
    faults: list[Fault] = field(default_factory=list)
    creates: int = 0  # create calls answered with a ticket (successful or lost), for tests to count
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1001))

    def next_id(self) -> int:
        return next(self._ids)

    def fail_next(self, status: int, count: int = 1, *, after_create: bool = False) -> None:
        self.faults.append(Fault(status, count, after_create))

    def _fault(self) -> Fault | None:
        while self.faults and self.faults[0].remaining <= 0:
            self.faults.pop(0)
        if not self.faults:
            return None
        self.faults[0].remaining -= 1
        return self.faults[0]

    def create(self, ticket: dict[str, Any], answer: Any, status: int = 201) -> Response:
        fault = self._fault()
        if fault is not None and not fault.after_create:
            return JSONResponse({"error": "Service Unavailable"}, status_code=fault.status)
        self.tickets[int(ticket["id"])] = ticket
        self.creates += 1
        if fault is not None:
            return JSONResponse({"error": "upstream timeout"}, status_code=fault.status)
        return JSONResponse(answer, status_code=status)

    def ticket(self, ticket_id: object) -> dict[str, Any] | None:
        try:
            return self.tickets.get(int(str(ticket_id)))
        except ValueError:
            return None


def _basic(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        return base64.b64decode(header[6:]).decode()
    except ValueError:
        return None


async def _json(request: Request) -> Any:
    try:
        return await request.json()
    except ValueError:
        return None


# --- Zendesk -------------------------------------------------------------------------------------------------


class ZendeskStandIn(StandIn):
    """`/api/v2/tickets.json` (list by external_id, create), `/api/v2/tickets/{id}.json` (show, update with a
    comment), `/api/v2/tickets/{id}/comments.json`; HTTP Basic `{email}/token:{api_token}`."""

    def __init__(self, email: str = DEV_EMAIL, api_token: str = DEV_SECRET) -> None:
        super().__init__()
        self.credentials = f"{email}/token:{api_token}"

    def resolve(self, ticket_id: int, status: str = "solved") -> None:
        self.tickets[ticket_id]["status"] = status

    def reopen(self, ticket_id: int) -> None:
        self.tickets[ticket_id]["status"] = "open"

    @staticmethod
    def sign(secret: str, timestamp: str, body: bytes) -> dict[str, str]:
        """The headers Zendesk signs a webhook delivery with."""
        digest = hmac.new(secret.encode(), timestamp.encode() + body, hashlib.sha256).digest()
        return {
            "X-Zendesk-Webhook-Signature": base64.b64encode(digest).decode(),
            "X-Zendesk-Webhook-Signature-Timestamp": timestamp,
            "Content-Type": "application/json",
        }

    def _public(self, ticket: dict[str, Any]) -> dict[str, Any]:
        return {key: value for key, value in ticket.items() if key != "comments"}

    def app(self) -> Starlette:
        def authorized(request: Request) -> JSONResponse | None:
            if _basic(request) != self.credentials:
                return JSONResponse({"error": "Couldn't authenticate you"}, status_code=401)
            return None

        async def tickets(request: Request) -> Response:
            if (refused := authorized(request)) is not None:
                return refused
            if request.method == "GET":
                external_id = request.query_params.get("external_id")
                found = [self._public(t) for t in self.tickets.values() if external_id in (None, t["external_id"])]
                return JSONResponse({"tickets": found, "count": len(found), "next_page": None})
            data = await _json(request)
            ticket = data.get("ticket") if isinstance(data, dict) else None
            comment = ticket.get("comment") if isinstance(ticket, dict) else None
            requester = ticket.get("requester") if isinstance(ticket, dict) else None
            if not isinstance(comment, dict) or not (comment.get("body") or comment.get("html_body")):
                details = {"base": [{"description": "Description: cannot be blank", "error": "BlankValue"}]}
                return JSONResponse(
                    {"error": "RecordInvalid", "description": "Record validation errors", "details": details},
                    status_code=422,
                )
            if not isinstance(requester, dict) or "@" not in str(requester.get("email", "")):
                details = {"requester": [{"description": "Requester: email is invalid", "error": "InvalidValue"}]}
                return JSONResponse(
                    {"error": "RecordInvalid", "description": "Record validation errors", "details": details},
                    status_code=422,
                )
            assert isinstance(ticket, dict)
            ticket_id = self.next_id()
            stored = {
                "id": ticket_id,
                "url": f"{request.base_url}api/v2/tickets/{ticket_id}.json",
                "subject": ticket.get("subject"),
                "description": comment.get("body") or comment.get("html_body"),
                "status": "new",
                "requester": requester,
                "external_id": ticket.get("external_id"),
                "tags": list(ticket.get("tags") or []),
                "custom_fields": list(ticket.get("custom_fields") or []),
                "comments": [{"id": 1, "body": comment.get("body") or comment.get("html_body"), "public": True}],
            }
            return self.create(stored, {"ticket": self._public(stored)})

        async def one(request: Request) -> Response:
            if (refused := authorized(request)) is not None:
                return refused
            ticket = self.ticket(request.path_params["ticket_id"])
            if ticket is None:
                return JSONResponse({"error": "RecordNotFound", "description": "Not found"}, status_code=404)
            if request.method == "PUT":
                data = await _json(request)
                change = data.get("ticket") if isinstance(data, dict) else None
                if not isinstance(change, dict):
                    return JSONResponse({"error": "InvalidEndpoint", "description": "ticket is required"}, 400)
                comment = change.get("comment")
                if isinstance(comment, dict) and comment.get("body"):
                    entry = {"id": len(ticket["comments"]) + 1, "body": comment["body"]}
                    ticket["comments"].append({**entry, "public": bool(comment.get("public", True))})
                if change.get("status"):
                    ticket["status"] = change["status"]
            return JSONResponse({"ticket": self._public(ticket)})

        async def comments(request: Request) -> Response:
            if (refused := authorized(request)) is not None:
                return refused
            ticket = self.ticket(request.path_params["ticket_id"])
            if ticket is None:
                return JSONResponse({"error": "RecordNotFound", "description": "Not found"}, status_code=404)
            return JSONResponse({"comments": ticket["comments"], "count": len(ticket["comments"])})

        return Starlette(
            routes=[
                Route("/api/v2/tickets.json", tickets, methods=["GET", "POST"]),
                Route("/api/v2/tickets/{ticket_id}.json", one, methods=["GET", "PUT"]),
                Route("/api/v2/tickets/{ticket_id}/comments.json", comments, methods=["GET"]),
            ]
        )


# --- Gorgias -------------------------------------------------------------------------------------------------


class GorgiasStandIn(StandIn):
    """`/api/customers` (filter by email), `/api/tickets` (list by customer, create with messages),
    `/api/tickets/{id}` (show, update); HTTP Basic with the account email and API key; lists as {data, meta}."""

    def __init__(self, email: str = DEV_EMAIL, api_key: str = DEV_SECRET) -> None:
        super().__init__()
        self.credentials = f"{email}:{api_key}"
        self.customers: dict[int, dict[str, Any]] = {}

    def resolve(self, ticket_id: int) -> None:
        self.tickets[ticket_id]["status"] = "closed"

    def reopen(self, ticket_id: int) -> None:
        self.tickets[ticket_id]["status"] = "open"

    def _customer(self, email: str, name: str | None) -> dict[str, Any]:
        for customer in self.customers.values():
            if customer["email"] == email.lower():
                return customer
        customer = {"id": self.next_id(), "email": email.lower(), "name": name or email}
        self.customers[customer["id"]] = customer
        return customer

    def app(self) -> Starlette:
        def authorized(request: Request) -> JSONResponse | None:
            if _basic(request) != self.credentials:
                return JSONResponse({"error": {"msg": "Authentication failed: bad username or API key"}}, 401)
            return None

        def listing(items: list[dict[str, Any]]) -> JSONResponse:
            return JSONResponse({"data": items, "meta": {"next_cursor": None, "prev_cursor": None}, "object": "list"})

        async def customers(request: Request) -> Response:
            if (refused := authorized(request)) is not None:
                return refused
            email = request.query_params.get("email", "").lower()
            return listing([c for c in self.customers.values() if not email or c["email"] == email])

        async def tickets(request: Request) -> Response:
            if (refused := authorized(request)) is not None:
                return refused
            if request.method == "GET":
                customer_id = request.query_params.get("customer_id")
                return listing([t for t in self.tickets.values() if customer_id in (None, str(t["customer"]["id"]))])
            data = await _json(request)
            messages = data.get("messages") if isinstance(data, dict) else None
            if not isinstance(messages, list) or not messages:
                return JSONResponse({"error": {"msg": "messages: a ticket needs at least one message"}}, 400)
            for position, message in enumerate(messages):
                missing = [
                    name
                    for name in ("channel", "via", "from_agent", "sender")
                    if not isinstance(message, dict) or name not in message
                ]
                if missing:
                    return JSONResponse({"error": {"msg": f"messages.{position}: {', '.join(missing)} required"}}, 400)
                if message["channel"] == "internal-note" and message.get("from_agent") is not True:
                    return JSONResponse({"error": {"msg": f"messages.{position}: internal notes are from agents"}}, 400)
            assert isinstance(data, dict) and isinstance(messages, list)
            person: Any = data.get("customer") if isinstance(data.get("customer"), dict) else messages[0]["sender"]
            if not isinstance(person, dict) or "@" not in str(person.get("email", "")):
                return JSONResponse({"error": {"msg": "customer: an email is required"}}, 400)
            customer = self._customer(str(person["email"]), person.get("name"))
            ticket_id = self.next_id()
            stored = {
                "id": ticket_id,
                "uri": f"/api/tickets/{ticket_id}/",
                "external_id": data.get("external_id"),
                "subject": data.get("subject"),
                "status": data.get("status") or "open",
                "channel": data.get("channel"),
                "via": data.get("via"),
                "customer": customer,
                "tags": list(data.get("tags") or []),
                "messages": [{**m, "id": n + 1, "ticket_id": ticket_id} for n, m in enumerate(messages)],
            }
            return self.create(stored, stored)

        async def one(request: Request) -> Response:
            if (refused := authorized(request)) is not None:
                return refused
            ticket = self.ticket(request.path_params["ticket_id"])
            if ticket is None:
                return JSONResponse({"error": {"msg": "Resource not found"}}, 404)
            if request.method == "PUT":
                data = await _json(request)
                if isinstance(data, dict) and data.get("status") in ("open", "closed"):
                    ticket["status"] = data["status"]
            return JSONResponse(ticket)

        return Starlette(
            routes=[
                Route("/api/customers", customers, methods=["GET"]),
                Route("/api/tickets", tickets, methods=["GET", "POST"]),
                Route("/api/tickets/{ticket_id}", one, methods=["GET", "PUT"]),
            ]
        )


# --- Chatwoot ------------------------------------------------------------------------------------------------


class ChatwootStandIn(StandIn):
    """The application API under `/api/v1/accounts/{account_id}`: contacts (search, create), a contact's
    conversations, conversations (create, show, toggle_status) and their messages; `api_access_token` header;
    answers wrapped in `payload` where Chatwoot wraps them."""

    def __init__(self, account_id: int = 1, inbox_id: int = 1, api_access_token: str = DEV_SECRET) -> None:
        super().__init__()
        self.account_id, self.inbox_id, self.token = account_id, inbox_id, api_access_token
        self.contacts: dict[int, dict[str, Any]] = {}

    def resolve(self, conversation_id: int) -> None:
        self.tickets[conversation_id]["status"] = "resolved"

    def reopen(self, conversation_id: int) -> None:
        self.tickets[conversation_id]["status"] = "open"

    def app(self) -> Starlette:
        def refused(request: Request) -> JSONResponse | None:
            if request.headers.get("api_access_token") != self.token:
                return JSONResponse({"errors": ["You need to sign in or sign up before continuing."]}, 401)
            if request.path_params.get("account_id") != str(self.account_id):
                return JSONResponse({"error": "You are not authorized to access this account"}, 401)
            return None

        async def search(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            query = request.query_params.get("q", "").lower()
            found = [c for c in self.contacts.values() if query and query in c["email"]]
            return JSONResponse({"meta": {"count": len(found), "current_page": 1}, "payload": found})

        async def contacts(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            data = await _json(request)
            if not isinstance(data, dict) or data.get("inbox_id") != self.inbox_id:
                return JSONResponse({"message": "Inbox not found"}, 422)
            email = str(data.get("email", "")).lower()
            if any(c["email"] == email for c in self.contacts.values()):
                return JSONResponse({"message": "Email has already been taken"}, 422)
            contact_id = self.next_id()
            contact = {"id": contact_id, "email": email, "name": data.get("name") or email}
            self.contacts[contact_id] = contact
            source_id = f"src-{contact['id']}"
            inbox = {"source_id": source_id, "inbox": {"id": self.inbox_id, "channel_type": "Channel::Api"}}
            return JSONResponse({"payload": {"contact": contact, "contact_inbox": inbox}})

        async def contact_conversations(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            contact_id = request.path_params["contact_id"]
            found = [t for t in self.tickets.values() if str(t["meta"]["sender"]["id"]) == contact_id]
            return JSONResponse({"payload": [{k: v for k, v in t.items() if k != "messages"} for t in found]})

        async def conversations(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            data = await _json(request)
            if not isinstance(data, dict) or data.get("inbox_id") != self.inbox_id:
                return JSONResponse({"message": "Inbox not found"}, 422)
            contact = self.contacts.get(int(data.get("contact_id") or 0))
            if contact is None and not data.get("source_id"):
                return JSONResponse({"message": "Contact or source id is required"}, 422)
            if contact is None:
                return JSONResponse({"message": "Contact not found"}, 404)
            conversation_id = self.next_id()
            message = data.get("message") if isinstance(data.get("message"), dict) else None
            messages = [] if message is None else [{"id": 1, "content": message.get("content"), "private": False}]
            stored = {
                "id": conversation_id,
                "account_id": self.account_id,
                "inbox_id": self.inbox_id,
                "status": data.get("status") or "open",
                "custom_attributes": dict(data.get("custom_attributes") or {}),
                "additional_attributes": dict(data.get("additional_attributes") or {}),
                "meta": {"sender": contact},
                "messages": messages,
            }
            answer = {k: v for k, v in stored.items() if k != "messages"}
            return self.create(stored, answer, status=200)

        async def conversation(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            found = self.ticket(request.path_params["conversation_id"])
            if found is None:
                return JSONResponse({"error": "Resource could not be found"}, 404)
            return JSONResponse({k: v for k, v in found.items() if k != "messages"})

        async def toggle(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            found = self.ticket(request.path_params["conversation_id"])
            data = await _json(request)
            if found is None or not isinstance(data, dict):
                return JSONResponse({"error": "Resource could not be found"}, 404)
            found["status"] = data.get("status") or ("resolved" if found["status"] == "open" else "open")
            return JSONResponse({"payload": {"success": True, "current_status": found["status"]}})

        async def messages(request: Request) -> Response:
            if (bad := refused(request)) is not None:
                return bad
            found = self.ticket(request.path_params["conversation_id"])
            if found is None:
                return JSONResponse({"error": "Resource could not be found"}, 404)
            if request.method == "GET":
                return JSONResponse({"meta": {}, "payload": found["messages"]})
            data = await _json(request)
            if not isinstance(data, dict) or not data.get("content"):
                return JSONResponse({"message": "Content can't be blank"}, 422)
            entry = {"id": len(found["messages"]) + 1, "content": data["content"], "private": bool(data.get("private"))}
            found["messages"].append({**entry, "message_type": data.get("message_type", "outgoing")})
            return JSONResponse(entry)

        base = "/api/v1/accounts/{account_id}"
        return Starlette(
            routes=[
                Route(base + "/contacts/search", search, methods=["GET"]),
                Route(base + "/contacts", contacts, methods=["POST"]),
                Route(base + "/contacts/{contact_id}/conversations", contact_conversations, methods=["GET"]),
                Route(base + "/conversations", conversations, methods=["POST"]),
                Route(base + "/conversations/{conversation_id}", conversation, methods=["GET"]),
                Route(base + "/conversations/{conversation_id}/toggle_status", toggle, methods=["POST"]),
                Route(base + "/conversations/{conversation_id}/messages", messages, methods=["GET", "POST"]),
            ]
        )


@dataclass(frozen=True)
class HelpdeskStandIns:
    zendesk: ZendeskStandIn = field(default_factory=ZendeskStandIn)
    gorgias: GorgiasStandIn = field(default_factory=GorgiasStandIn)
    chatwoot: ChatwootStandIn = field(default_factory=ChatwootStandIn)
