"""Zendesk Support: a ticket per help request (`POST /api/v2/tickets.json`) with our marker as its `external_id`,
looked up first (`GET /api/v2/tickets.json?external_id=`) so a retry never files a second one; the context goes in as
a private comment. Auth: `{email}/token:{api_token}` over HTTP Basic."""

from __future__ import annotations

import base64
from typing import Any

from plugin.errors import PermanentError
from plugin.helpdesk.base import TAG, HelpdeskCall, HelpTicket, TicketRef, TicketStatus

RESOLVED = frozenset({"solved", "closed"})


def zendesk_auth(email: str, api_token: str) -> dict[str, str]:
    raw = f"{email}/token:{api_token}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def zendesk_status(value: object) -> TicketStatus:
    return TicketStatus.RESOLVED if str(value).lower() in RESOLVED else TicketStatus.OPEN


class ZendeskHelpdesk:
    kind = "zendesk"

    def __init__(self, call: HelpdeskCall) -> None:
        self._call = call

    def _ref(self, ticket: dict[str, Any]) -> TicketRef:
        ticket_id = str(ticket["id"])
        return TicketRef(
            ticket_id, zendesk_status(ticket.get("status")), f"{self._call.origin}/agent/tickets/{ticket_id}"
        )

    async def _existing(self, marker: str) -> dict[str, Any] | None:
        found = await self._call.request("GET", "/api/v2/tickets.json", params={"external_id": marker})
        tickets = found.get("tickets") if isinstance(found, dict) else None
        return tickets[0] if isinstance(tickets, list) and tickets and isinstance(tickets[0], dict) else None

    async def file(self, ticket: HelpTicket) -> TicketRef:
        existing = await self._existing(ticket.marker)
        if existing is None:
            body = {
                "ticket": {
                    "subject": ticket.subject,
                    "comment": {"body": ticket.message},
                    "requester": {
                        "name": ticket.requester_name or ticket.requester_email,
                        "email": ticket.requester_email,
                    },
                    "external_id": ticket.marker,
                    "tags": [TAG, "upfront_test"] if ticket.test else [TAG],
                }
            }
            created = await self._call.request("POST", "/api/v2/tickets.json", json=body)
            existing = created.get("ticket") if isinstance(created, dict) else None
            if not isinstance(existing, dict) or "id" not in existing:
                raise PermanentError("Zendesk answered without the ticket it created")
        ref = self._ref(existing)
        await self._note(ref.ticket_id, ticket)
        return ref

    async def _note(self, ticket_id: str, ticket: HelpTicket) -> None:
        # Look before adding: the note of an attempt whose answer was lost is already there.
        found = await self._call.request("GET", f"/api/v2/tickets/{ticket_id}/comments.json")
        comments = found.get("comments", []) if isinstance(found, dict) else []
        if any(ticket.marker in str(comment.get("body", "")) for comment in comments if isinstance(comment, dict)):
            return
        note = {"ticket": {"comment": {"body": "\n".join(ticket.context_lines()), "public": False}}}
        await self._call.request("PUT", f"/api/v2/tickets/{ticket_id}.json", json=note)

    async def status(self, ticket_id: str) -> TicketStatus:
        found = await self._call.request("GET", f"/api/v2/tickets/{ticket_id}.json")
        ticket = found.get("ticket") if isinstance(found, dict) else None
        if not isinstance(ticket, dict):
            raise PermanentError("Zendesk answered without the ticket")
        return zendesk_status(ticket.get("status"))
