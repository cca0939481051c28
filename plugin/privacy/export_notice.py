"""Telling the merchant a customer data export is ready: a service email with where to download it, and no
personal data in it (the export itself stays behind the admin's sign-in)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any
from urllib.parse import urlsplit

from plugin.email.transport import Mailer, OutgoingMessage, PermanentDeliveryError
from plugin.jobs import Job, JobHandler, schedule_job
from plugin.keys import ShopRef
from plugin.privacy.exports import EXPORT_TTL_SECONDS
from plugin.services import Services
from plugin.shop_data import load_facts

log = logging.getLogger(__name__)

EXPORT_NOTICE_JOB = "privacy.export_notice"


async def schedule_export_notice(
    services: Services, shop: ShopRef, *, export_id: str, request_id: str, records: int
) -> None:
    args = {"export": export_id, "request": request_id, "records": records}
    await schedule_job(
        services.redis, services.keys, Job(EXPORT_NOTICE_JOB, shop, f"{EXPORT_NOTICE_JOB}:{export_id}", args)
    )


def export_notice(services: Services, shop_name: str, to: str, args: Mapping[str, Any]) -> EmailMessage:
    days = EXPORT_TTL_SECONDS // 86400
    message = EmailMessage()
    message["Subject"] = "A customer data request is ready to download"
    message["From"] = services.settings.mail_from
    message["To"] = to
    message["Message-ID"] = make_msgid(domain=urlsplit(services.settings.app_url).hostname or "upfront")
    message.set_content(
        "\n".join(
            [
                f"Hello {shop_name},",
                "",
                f"A customer data request (reference {args.get('request')}) reached Upfront. We exported everything",
                f"we hold about that customer: {args.get('records')} records.",
                "",
                f"Download the export in the Upfront admin under Privacy (export {args.get('export')}):",
                f"{services.settings.app_url}/admin/privacy",
                "",
                f"It is kept for {days} days. Send it to the customer as your privacy policy describes.",
            ]
        )
    )
    return message


def export_notice_jobs(mailer: Mailer) -> dict[str, JobHandler]:
    async def notify(services: Services, shop: ShopRef, args: Mapping[str, Any]) -> None:
        facts = await load_facts(services.redis, services.keys, shop)
        if facts is None or not facts.email:
            log.warning("export ready, but the shop has no email address to tell", extra={"shop": shop.tag})
            return
        outgoing = OutgoingMessage(
            shop=shop,
            message=export_notice(services, facts.name, facts.email, args),
            recipients=(facts.email,),
            reference=str(args.get("export", "")),
            kind="alert",
        )
        try:
            await mailer.deliver(services, outgoing)
        except PermanentDeliveryError as exc:
            log.warning("export notice refused", extra={"shop": shop.tag, "reason": exc.reason})

    return {EXPORT_NOTICE_JOB: notify}
