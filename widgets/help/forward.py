"""Forwarding a help request to the merchant's support address: a durable job, so a request stored is never lost to
an SMTP hiccup. The email comes from the app's sender with Reply-To set to the shopper, so the merchant's reply
goes straight to them. The job carries only the request id; a request erased before the job runs is not sent."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Any
from urllib.parse import urlsplit

from plugin.email.transport import Mailer, OutgoingMessage, PermanentDeliveryError
from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.platform import ShopFacts
from plugin.services import Services
from plugin.shop_data import load_facts
from widgets.help.requests import StoredRequest, load_request, set_forward_state
from widgets.help.settings import HelpSettings, default_help_settings, load_help_settings

log = logging.getLogger(__name__)

FORWARD_JOB = "help.forward"
SUBJECT_EXCERPT = 60


async def schedule_forward(services: Services, shop: ShopRef, request_id: str) -> None:
    job = Job(FORWARD_JOB, shop, f"{FORWARD_JOB}:{shop.tag}:{request_id}", {"request": request_id})
    await schedule_job(services.redis, services.keys, job)


def support_address(settings: HelpSettings, facts: ShopFacts | None) -> str | None:
    return settings.support_email or (facts.email if facts else None)


def _excerpt(question: str) -> str:
    line = " ".join(question.split())
    return line if len(line) <= SUBJECT_EXCERPT else line[: SUBJECT_EXCERPT - 1].rstrip() + "…"


def subject_line(question: str) -> str:
    """The subject of the email, or of the helpdesk ticket, for a question."""
    return f"Help request: {_excerpt(question)}"


def forward_message(
    services: Services, shop: ShopRef, request: StoredRequest, to: str, facts: ShopFacts | None
) -> EmailMessage:
    shop_name = facts.name if facts else shop.id
    message = EmailMessage()
    message["From"] = services.settings.mail_from
    message["To"] = to
    message["Reply-To"] = request.email
    message["Subject"] = subject_line(request.question)
    message["Date"] = formatdate(localtime=False)
    domain = urlsplit(services.settings.app_url).hostname or "upfront.invalid"
    message["Message-ID"] = make_msgid(idstring=f"help.{request.id}", domain=domain)
    lines = [
        f"A shopper asked for help on {shop_name}'s storefront. Reply to this email to answer them directly.",
        "",
        f"From: {request.email}",
        f"Received: {request.created_at.isoformat(timespec='minutes')}",
    ]
    if request.page:
        lines.append(f"Page: {request.page}")
    if request.order and request.order.get("source") == "status_page":  # signed: plugin.order_status
        lines.append(f"Order: {request.order.get('name')} (sent from its order-status page)")
    elif request.order:  # named by the shopper: an id only, not checked here
        lines.append(f"Order id (named by the shopper): {request.order.get('id')}")
    lines += ["", "Question:", request.question, ""]
    cart = request.cart
    if cart:
        lines.append("Cart (shared with the shopper's consent):")
        for line in cart.get("lines", []):
            price = f" at {line['price']}" if line.get("price") else ""
            lines.append(f"  {line['quantity']} x {line['title']}{price}")
        if cart.get("total"):
            lines.append(f"  Total: {cart['total']} {cart.get('currency') or ''}".rstrip())
        lines.append("")
    lines.append(f"Reference: {request.id}. Mark it resolved in the Upfront admin once you have replied.")
    message.set_content("\n".join(lines))
    return message


def help_job_handlers(mailer: Mailer) -> dict[str, JobHandler]:
    async def forward(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        request_id = str(args.get("request", ""))
        request = await load_request(services, shop, request_id)
        if request is None or request.forward == "sent":
            return  # erased, expired or already sent
        facts = await load_facts(services.redis, services.keys, shop)
        defaults = default_help_settings(services.settings.manifest.widgets)
        timezone = facts.timezone if facts else "UTC"
        settings = await load_help_settings(services.redis, services.keys, shop, defaults, timezone)
        to = support_address(settings, facts)
        if to is None:
            await set_forward_state(services, shop, request_id, "no_address")
            return
        outgoing = OutgoingMessage(
            shop=shop,
            message=forward_message(services, shop, request, to, facts),
            recipients=(to,),
            reference=request_id,
            kind="help_request",
            subject_key=request.subject,
        )
        try:
            await mailer.deliver(services, outgoing)
        except PermanentDeliveryError as exc:
            log.warning("help request not forwarded", extra={"shop": shop.tag, "request": request_id})
            await set_forward_state(services, shop, request_id, f"failed: {exc.reason}")
            return
        await set_forward_state(services, shop, request_id, "sent")
        log.info("help request forwarded", extra={"shop": shop.tag, "request": request_id})

    return {FORWARD_JOB: forward}
