"""Chatwoot: a conversation per help request in the merchant's API inbox
(`POST /api/v1/accounts/{account}/conversations`) for the shopper's contact (searched, else created), with the context
as custom attributes and as a private note. Before creating, the contact's conversations are searched for our marker,
so a retry never opens a second one. Auth: the `api_access_token` header."""

from __future__ import annotations

from typing import Any

from plugin.errors import PermanentError
from plugin.helpdesk.base import HelpdeskCall, HelpTicket, TicketRef, TicketStatus

MARKER_ATTRIBUTE = "upfront_request"


def chatwoot_auth(api_access_token: str) -> dict[str, str]:
    return {"api_access_token": api_access_token}


def chatwoot_status(value: object) -> TicketStatus:
    return TicketStatus.RESOLVED if str(value).lower() == "resolved" else TicketStatus.OPEN


def _payload(found: Any) -> Any:
    return found.get("payload") if isinstance(found, dict) else None


class ChatwootHelpdesk:
    kind = "chatwoot"

    def __init__(self, call: HelpdeskCall, account_id: str, inbox_id: str) -> None:
        self._call = call
        self._account = f"/api/v1/accounts/{account_id}"
        self._inbox_id = int(inbox_id)

    def _ref(self, conversation: dict[str, Any]) -> TicketRef:
        conversation_id = str(conversation["id"])
        url = f"{self._call.origin}/app{self._account.removeprefix('/api/v1')}/conversations/{conversation_id}"
        return TicketRef(conversation_id, chatwoot_status(conversation.get("status")), url)

    async def _contact(self, ticket: HelpTicket) -> int:
        found = _payload(
            await self._call.request("GET", f"{self._account}/contacts/search", params={"q": ticket.requester_email})
        )
        for contact in found if isinstance(found, list) else []:
            if isinstance(contact, dict) and str(contact.get("email", "")).lower() == ticket.requester_email.lower():
                return int(contact["id"])
        body = {
            "inbox_id": self._inbox_id,
            "email": ticket.requester_email,
            "name": ticket.requester_name or ticket.requester_email,
        }
        created = _payload(await self._call.request("POST", f"{self._account}/contacts", json=body))
        contact = created.get("contact") if isinstance(created, dict) else None
        if not isinstance(contact, dict) or "id" not in contact:
            raise PermanentError("Chatwoot answered without the contact it created")
        return int(contact["id"])

    async def file(self, ticket: HelpTicket) -> TicketRef:
        contact_id = await self._contact(ticket)
        listed = _payload(await self._call.request("GET", f"{self._account}/contacts/{contact_id}/conversations"))
        existing = next(
            (
                item
                for item in (listed if isinstance(listed, list) else [])
                if isinstance(item, dict)
                and isinstance(item.get("custom_attributes"), dict)
                and item["custom_attributes"].get(MARKER_ATTRIBUTE) == ticket.request_id
            ),
            None,
        )
        if existing is None:
            body = {
                "inbox_id": self._inbox_id,
                "contact_id": contact_id,
                "status": "open",
                "custom_attributes": ticket.fields(),
                "additional_attributes": {"upfront_marker": ticket.marker},
                "message": {"content": f"{ticket.subject}\n\n{ticket.message}"},
            }
            existing = await self._call.request("POST", f"{self._account}/conversations", json=body)
            if not isinstance(existing, dict) or "id" not in existing:
                raise PermanentError("Chatwoot answered without the conversation it created")
        ref = self._ref(existing)
        await self._note(ref.ticket_id, ticket)
        return ref

    async def _note(self, conversation_id: str, ticket: HelpTicket) -> None:
        path = f"{self._account}/conversations/{conversation_id}/messages"
        listed = _payload(await self._call.request("GET", path))
        if any(isinstance(m, dict) and ticket.marker in str(m.get("content", "")) for m in listed or []):
            return  # an attempt whose answer was lost already added it
        note = {"content": "\n".join(ticket.context_lines()), "message_type": "outgoing", "private": True}
        await self._call.request("POST", path, json=note)

    async def status(self, ticket_id: str) -> TicketStatus:
        found = await self._call.request("GET", f"{self._account}/conversations/{ticket_id}")
        if not isinstance(found, dict) or "status" not in found:
            raise PermanentError("Chatwoot answered without the conversation")
        return chatwoot_status(found["status"])
