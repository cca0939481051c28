"""Where a help request goes: into the merchant's helpdesk when one is connected, by email otherwise, and by email
too when the helpdesk refuses it for good. Filing is a durable job retried on 5xx, 429 and timeouts; the helpdesk
adapter looks for the ticket of an earlier attempt first, so a retry never files a second ticket.

While the ticket is open the customer has an open issue (`helpdesk.<request id>`, plugin.email.context), so the
journey sends no review request or promotion to them; when the helpdesk says it is solved (a webhook schedules a
check, and a poll catches what webhooks miss) the issue closes and the request is marked resolved.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from plugin.email.context import mark_open_issue, resolve_issue
from plugin.errors import NotFoundError, PlatformError
from plugin.helpdesk.base import Helpdesk, HelpTicket, OrderContext, OrderLine, TicketStatus
from plugin.helpdesk.connection import Connection, load_connection
from plugin.helpdesk.factory import build_helpdesk
from plugin.helpdesk.tickets import (
    CHECK_JOB,
    FILE_JOB,
    count_attempt,
    load_ticket,
    record_failure,
    record_filed,
    record_state,
    start_filing,
)
from plugin.jobs import MAX_ATTEMPTS, Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.privacy.subjects import normalize_email
from plugin.services import Services
from plugin.shop_data import load_facts
from widgets.help.forward import schedule_forward, subject_line
from widgets.help.requests import StoredRequest, load_request, resolve_request, set_forward_state

log = logging.getLogger(__name__)

POLL_JOB = "helpdesk.poll"
POLL_EVERY_SECONDS = 6 * 3600  # what webhooks miss (or a helpdesk without them) is caught within hours
MAX_POLLS = 4 * 90  # a ticket open for three months stops being polled; a webhook still updates it
# Give up on a helpdesk that keeps failing before the job system does, so the email fallback still goes.
GIVE_UP_AFTER = MAX_ATTEMPTS - 1


def issue_kind(request_id: str) -> str:
    return f"helpdesk.{request_id}"


async def schedule_hand_off(services: Services, shop: ShopRef, stored: StoredRequest) -> None:
    """Send a new help request to the connected helpdesk, or by email when there is none."""
    connection = await load_connection(services, shop)
    if connection is None:
        await schedule_forward(services, shop, stored.id)
        return
    await start_filing(services, shop, stored.id, connection.kind, stored.subject)
    await set_forward_state(services, shop, stored.id, f"being filed in {connection.name}")
    job = Job(FILE_JOB, shop, f"{FILE_JOB}:{shop.tag}:{stored.id}", {"request": stored.id})
    await schedule_job(services.redis, services.keys, job)


async def order_context(services: Services, shop: ShopRef, request: StoredRequest) -> tuple[OrderContext | None, str]:
    """The order the request names, read from the platform, only when it is the requester's own (by email)."""
    if request.order is None or not request.order.get("id"):
        return None, ""
    order_id = request.order["id"]
    try:
        order = await services.platforms[shop.platform].fetch_order(shop, order_id)
    except NotFoundError:
        return None, f"The shopper named order id {order_id}, which the store does not have."
    if not order.email or normalize_email(order.email) != normalize_email(request.email):
        return None, f"The shopper named order id {order_id}, which was placed with another email address."
    shipments = [
        " ".join(part for part in (s.carrier, s.tracking_number) if part) + f": {s.status.replace('_', ' ')}"
        for s in order.shipments
    ]
    context = OrderContext(
        name=order.name,
        status=order.status.replace("_", " "),
        placed_at=order.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        total=str(order.total),
        currency=order.currency,
        lines=tuple(OrderLine(line.title, line.quantity) for line in order.lines),
        shipments=tuple(shipments),
    )
    return context, ""


def _cart_lines(request: StoredRequest) -> list[str]:
    cart = request.cart or {}
    lines = [
        f"{line['quantity']} x {line['title']}" + (f" at {line['price']}" if line.get("price") else "")
        for line in cart.get("lines", [])
    ]
    if lines and cart.get("total"):
        lines.append(f"Total: {cart['total']} {cart.get('currency') or ''}".rstrip())
    return lines


async def help_ticket(services: Services, shop: ShopRef, request: StoredRequest) -> HelpTicket:
    facts = await load_facts(services.redis, services.keys, shop)
    order, note = await order_context(services, shop, request)
    return HelpTicket(
        request_id=request.id,
        requester_email=request.email,
        subject=subject_line(request.question),
        message=request.question,
        shop_name=facts.name if facts else shop.id,
        page=request.page,
        order=order,
        cart_lines=tuple(_cart_lines(request)),
        notes=(note,) if note else (),
    )


async def _fall_back_to_email(
    services: Services, shop: ShopRef, request_id: str, connection: Connection, why: str
) -> None:
    log.warning("help request not filed in the helpdesk", extra={"shop": shop.tag, "request": request_id})
    await record_failure(services, shop, request_id, f"{connection.name}: {why}")
    await set_forward_state(services, shop, request_id, "pending")
    await schedule_forward(services, shop, request_id)


async def apply_status(
    services: Services, shop: ShopRef, request_id: str, subject: str, status: TicketStatus, reference: str
) -> None:
    """Open: the customer has an open issue (marketing held). Resolved: it closes, and so does the help request."""
    if status is TicketStatus.OPEN:
        await mark_open_issue(services, shop, subject, issue_kind(request_id), reference=reference)
        await record_state(services, shop, request_id, "open")
        return
    await resolve_issue(services, shop, subject, issue_kind(request_id))
    await record_state(services, shop, request_id, "resolved")
    await resolve_request(services, shop, request_id, replied_at=datetime.now(UTC), hours=None, measure=False)


async def _schedule_poll(services: Services, shop: ShopRef, request_id: str, count: int) -> None:
    # A new id per poll: the running job's id is deleted when it finishes, so it cannot reschedule itself.
    job = Job(POLL_JOB, shop, f"{POLL_JOB}:{shop.tag}:{request_id}:{count}", {"request": request_id, "count": count})
    await schedule_job(services.redis, services.keys, job, delay_seconds=POLL_EVERY_SECONDS)


async def file_ticket(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    request_id = str(args.get("request", ""))
    request = await load_request(services, shop, request_id)
    record = await load_ticket(services, shop, request_id)
    if request is None or record is None or record.state in ("open", "resolved", "failed"):
        return  # erased, expired, or already filed (or given up on)
    connection = await load_connection(services, shop)
    if connection is None:  # disconnected since the request came in: email it
        await set_forward_state(services, shop, request_id, "pending")
        await schedule_forward(services, shop, request_id)
        return
    helpdesk: Helpdesk = build_helpdesk(services.settings, services.http, connection)
    attempt = await count_attempt(services, shop, request_id)
    try:
        ticket = await help_ticket(services, shop, request)
        ref = await helpdesk.file(ticket)
    except PlatformError as exc:
        if exc.retryable and attempt < GIVE_UP_AFTER:
            raise  # the job system retries with backoff; the next attempt finds the ticket if this one made it
        await _fall_back_to_email(services, shop, request_id, connection, str(exc))
        return
    await record_filed(services, shop, request_id, connection.kind, ref.ticket_id, ref.url, ref.status.value)
    await set_forward_state(services, shop, request_id, f"filed in {connection.name} as ticket #{ref.ticket_id}")
    await apply_status(services, shop, request_id, request.subject, ref.status, f"{connection.kind}:{ref.ticket_id}")
    if ref.status is TicketStatus.OPEN:
        await _schedule_poll(services, shop, request_id, 1)
    log.info("help request filed in the helpdesk", extra={"shop": shop.tag, "request": request_id})


async def check_ticket(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> TicketStatus | None:
    """Read the ticket's status from the helpdesk and apply it; None when there is nothing to check."""
    request_id = str(args.get("request", ""))
    record = await load_ticket(services, shop, request_id)
    if record is None or record.ticket_id is None or record.state not in ("open", "resolved"):
        return None
    connection = await load_connection(services, shop)
    if connection is None or connection.kind != record.kind:
        # The merchant disconnected that helpdesk: its tickets no longer hold marketing; the request stays in
        # Upfront's inbox (open until resolved there, which holds marketing as any help request does).
        await resolve_issue(services, shop, record.subject, issue_kind(request_id))
        await record_state(services, shop, request_id, "detached")
        return None
    try:
        status = await build_helpdesk(services.settings, services.http, connection).status(record.ticket_id)
    except NotFoundError:
        status = TicketStatus.RESOLVED  # deleted in the helpdesk: nothing is open there any more
    if status.value != record.state:
        await apply_status(services, shop, request_id, record.subject, status, f"{record.kind}:{record.ticket_id}")
    return status


async def check_job(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    await check_ticket(services, shop, args)


async def poll_job(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
    count = int(args.get("count", 1))
    if await check_ticket(services, shop, args) is TicketStatus.OPEN and count < MAX_POLLS:
        await _schedule_poll(services, shop, str(args.get("request", "")), count + 1)


def helpdesk_job_handlers() -> dict[str, JobHandler]:
    return {FILE_JOB: file_ticket, CHECK_JOB: check_job, POLL_JOB: poll_job}
