"""The `Helpdesk` interface every adapter implements, the ticket it files, and the one place HTTP failures become
retryable or permanent errors (plugin.errors), so the job system retries 5xx/429/timeouts and never a 4xx."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol

import httpx

from plugin.errors import NotFoundError, PermanentError, RetryableError, ThrottledError

# Our marker on every ticket: the helpdesk's external id (where it has one) and a tag, so a retry after a timeout
# finds the ticket the lost answer created instead of filing a second one.
MARKER_PREFIX = "upfront-help-"
TAG = "upfront"
MAX_ERROR_TEXT = 300


class TicketStatus(StrEnum):
    OPEN = "open"  # anything the team still has to act on: new, open, pending, on hold, snoozed
    RESOLVED = "resolved"  # solved, closed, resolved


@dataclass(frozen=True)
class OrderLine:
    title: str
    quantity: int


@dataclass(frozen=True)
class OrderContext:
    """What the agent needs about the order the customer asks about (no address: the helpdesk's own store
    integration shows that to those allowed to see it)."""

    name: str
    status: str
    placed_at: str
    total: str
    currency: str
    lines: Sequence[OrderLine] = ()
    shipments: Sequence[str] = ()  # "DHL 00340434161234567890: in transit"


@dataclass(frozen=True)
class HelpTicket:
    """One help request as a ticket: who asks, about what, and the context the agent sees as a note or fields."""

    request_id: str
    requester_email: str
    subject: str
    message: str
    shop_name: str
    page: str | None = None
    order: OrderContext | None = None
    cart_lines: Sequence[str] = ()  # shared with the shopper's consent: "2 x Linen shirt at 49.00"
    notes: Sequence[str] = ()  # anything else the agent should know, e.g. an order the shopper named but not theirs
    requester_name: str | None = None
    test: bool = False

    @property
    def marker(self) -> str:
        return MARKER_PREFIX + self.request_id

    def context_lines(self) -> list[str]:
        """The internal note: the order, the page and the cart, in plain text."""
        lines = [f"Help request from {self.shop_name}'s storefront, sent by Upfront (reference {self.marker})."]
        if self.page:
            lines.append(f"Page: {self.page}")
        if self.order is not None:
            order = self.order
            lines.append(
                f"Order {order.name}: {order.status}, placed {order.placed_at}, {order.total} {order.currency}"
            )
            lines += [f"  {line.quantity} x {line.title}" for line in order.lines]
            lines += [f"  Shipment: {shipment}" for shipment in order.shipments]
        if self.cart_lines:
            lines.append("Cart (shared with the shopper's consent):")
            lines += [f"  {line}" for line in self.cart_lines]
        lines += list(self.notes)
        return lines

    def fields(self) -> dict[str, str]:
        """The same context as flat fields, for helpdesks with custom attributes."""
        found = {"upfront_request": self.request_id}
        if self.page:
            found["page"] = self.page
        if self.order is not None:
            found["order"] = self.order.name
            found["order_status"] = self.order.status
        return found


@dataclass(frozen=True)
class TicketRef:
    ticket_id: str
    status: TicketStatus
    url: str | None = None


@dataclass(frozen=True)
class HelpdeskCall:
    """How one adapter reaches its helpdesk: the shared client, the origin and the auth headers."""

    http: httpx.AsyncClient
    origin: str
    headers: Mapping[str, str] = field(default_factory=dict)

    async def request(
        self, method: str, path: str, *, json: Any = None, params: Mapping[str, str] | None = None
    ) -> Any:
        """The decoded JSON answer, or a PlatformError: 429 throttled, 5xx/timeouts retryable, other 4xx permanent
        with the helpdesk's own words."""
        try:
            response = await self.http.request(
                method,
                self.origin + path,
                json=json,
                params=params,
                headers={**self.headers, "Accept": "application/json"},
            )
        except httpx.TimeoutException as exc:
            raise RetryableError(f"the helpdesk did not answer in time ({type(exc).__name__})") from exc
        except httpx.HTTPError as exc:
            raise RetryableError(f"cannot reach the helpdesk ({type(exc).__name__})") from exc
        if response.status_code == 429:
            raise ThrottledError("the helpdesk's rate limit was hit", status=429, retry_after=_retry_after(response))
        if response.status_code >= 500:
            raise RetryableError(f"the helpdesk answered {response.status_code}", status=response.status_code)
        if response.status_code == 404:
            raise NotFoundError(f"the helpdesk has no such record: {_reason(response)}", status=404)
        if response.status_code >= 400:
            raise PermanentError(
                f"the helpdesk refused ({response.status_code}): {_reason(response)}", status=response.status_code
            )
        if not response.content:
            return {}
        try:
            return response.json()
        except ValueError as exc:
            raise PermanentError("the helpdesk answered with something that is not JSON") from exc


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def _reason(response: httpx.Response) -> str:
    """The helpdesk's error message, short: its JSON error fields when it sends them, else the start of the body."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:MAX_ERROR_TEXT] or response.reason_phrase
    if isinstance(body, dict):
        parts = [_words(body[key]) for key in ("error", "message", "description", "details") if body.get(key)]
        if parts:
            return "; ".join(parts)[:MAX_ERROR_TEXT]
    return str(body)[:MAX_ERROR_TEXT]


def _words(value: object) -> str:
    # Gorgias nests its message ({"error": {"msg": ...}}); the others send text.
    if isinstance(value, dict):
        return str(value.get("msg") or value.get("message") or value)
    return str(value)


class Helpdesk(Protocol):
    """A helpdesk the merchant's team works in. `file` is idempotent per `ticket.marker`: it returns the ticket a
    previous attempt created when there is one."""

    kind: str

    async def file(self, ticket: HelpTicket) -> TicketRef: ...

    async def status(self, ticket_id: str) -> TicketStatus: ...
