"""Gorgias: a ticket per help request (`POST /api/tickets`) carrying the shopper's message and an internal note with
the context in one call, and our marker as its `external_id`. Before creating, the customer's tickets
(`GET /api/customers?email=`, then `GET /api/tickets?customer_id=`) are searched for the marker, so a retry never
files a second one. Auth: HTTP Basic with the account email and an API key."""

from __future__ import annotations

import base64
from typing import Any

from plugin.errors import PermanentError
from plugin.helpdesk.base import TAG, HelpdeskCall, HelpTicket, TicketRef, TicketStatus

CHANNEL = "api"


def gorgias_auth(email: str, api_key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{email}:{api_key}".encode()).decode()}


def gorgias_status(value: object) -> TicketStatus:
    return TicketStatus.RESOLVED if str(value).lower() == "closed" else TicketStatus.OPEN


def _items(found: Any) -> list[dict[str, Any]]:
    data = found.get("data") if isinstance(found, dict) else None
    return [item for item in data if isinstance(item, dict)] if isinstance(data, list) else []


class GorgiasHelpdesk:
    kind = "gorgias"

    def __init__(self, call: HelpdeskCall, agent_email: str) -> None:
        self._call = call
        self._agent = agent_email  # the API user: internal notes are written by a user, never by the customer

    def _ref(self, ticket: dict[str, Any]) -> TicketRef:
        ticket_id = str(ticket["id"])
        return TicketRef(ticket_id, gorgias_status(ticket.get("status")), f"{self._call.origin}/app/ticket/{ticket_id}")

    async def _existing(self, ticket: HelpTicket) -> dict[str, Any] | None:
        customers = _items(await self._call.request("GET", "/api/customers", params={"email": ticket.requester_email}))
        for customer in customers:
            params = {"customer_id": str(customer.get("id"))}
            for found in _items(await self._call.request("GET", "/api/tickets", params=params)):
                if found.get("external_id") == ticket.marker:
                    return found
        return None

    async def file(self, ticket: HelpTicket) -> TicketRef:
        existing = await self._existing(ticket)
        if existing is not None:
            return self._ref(existing)
        incoming = {
            "channel": CHANNEL,
            "via": CHANNEL,
            "from_agent": False,
            "sender": {"email": ticket.requester_email},
            "source": {"type": CHANNEL, "from": {"address": ticket.requester_email}},
            "subject": ticket.subject,
            "body_text": ticket.message,
        }
        note = {
            "channel": "internal-note",
            "via": CHANNEL,
            "from_agent": True,
            "sender": {"email": self._agent},
            "source": {"type": "internal-note"},
            "body_text": "\n".join(ticket.context_lines()),
        }
        body = {
            "customer": {"email": ticket.requester_email, "name": ticket.requester_name or ticket.requester_email},
            "external_id": ticket.marker,
            "subject": ticket.subject,
            "channel": CHANNEL,
            "via": CHANNEL,
            "from_agent": False,
            "status": "open",
            "tags": [{"name": TAG}, *([{"name": "upfront-test"}] if ticket.test else [])],
            "messages": [incoming, note],
        }
        created = await self._call.request("POST", "/api/tickets", json=body)
        if not isinstance(created, dict) or "id" not in created:
            raise PermanentError("Gorgias answered without the ticket it created")
        return self._ref(created)

    async def status(self, ticket_id: str) -> TicketStatus:
        found = await self._call.request("GET", f"/api/tickets/{ticket_id}")
        if not isinstance(found, dict) or "status" not in found:
            raise PermanentError("Gorgias answered without the ticket")
        return gorgias_status(found["status"])
