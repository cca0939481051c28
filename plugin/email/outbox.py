"""The dev outbox: without UPFRONT_SMTP_URL, messages land in Redis instead of an SMTP server, for the admin to show.

One capped list per shop (``email:outbox``, newest first, at most OUTBOX_MAX entries, expiring OUTBOX_TTL_SECONDS
after the last write). Each entry is sealed whole with the app cipher (bound to the outbox key): the message and the
pseudonymous subject key of the person it is about, which erasure matches after unsealing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_string, policy
from email.message import EmailMessage
from typing import Any

from plugin.email.transport import OutgoingMessage
from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.services import Services
from plugin.storage import as_text

OUTBOX_MAX = 200
OUTBOX_TTL_SECONDS = 7 * 24 * 3600
OUTBOX_FAMILY = "email"


@dataclass(frozen=True)
class OutboxEntry:
    at: str
    kind: str
    reference: str
    subject_key: str | None
    to: str
    sender: str
    subject: str
    headers: dict[str, str]
    text: str
    html: str
    raw: str


def outbox_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, OUTBOX_FAMILY, "outbox")


def _body(message: EmailMessage, subtype: str) -> str:
    part = message.get_body(preferencelist=(subtype,))
    return str(part.get_content()) if part is not None else ""


def _open(services: Services, shop: ShopRef, raw_item: str) -> dict[str, Any]:
    item: dict[str, Any] = json.loads(unseal(services, raw_item, shop, OUTBOX_FAMILY, "outbox"))
    return item


def _entry(services: Services, shop: ShopRef, raw_item: str) -> OutboxEntry:
    item = _open(services, shop, raw_item)
    raw = str(item["raw"])
    parsed = message_from_string(raw, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return OutboxEntry(
        at=str(item["at"]),
        kind=str(item["kind"]),
        reference=str(item["reference"]),
        subject_key=item.get("subject_key"),
        to=str(parsed["To"] or ""),
        sender=str(parsed["From"] or ""),
        subject=str(parsed["Subject"] or ""),
        headers={name: str(value) for name, value in parsed.items()},
        text=_body(parsed, "plain"),
        html=_body(parsed, "html"),
        raw=raw,
    )


async def list_outbox(services: Services, shop: ShopRef, *, limit: int = 50) -> list[OutboxEntry]:
    """The shop's most recent dev-outbox messages, newest first."""
    items = await services.redis.lrange(outbox_key(services, shop), 0, max(0, limit - 1))
    return [_entry(services, shop, as_text(item)) for item in items]


async def outbox_items(services: Services, shop: ShopRef) -> list[tuple[str, dict[str, Any]]]:
    """(raw list item, its unsealed fields) for every entry: what privacy erasure and export walk."""
    items = await services.redis.lrange(outbox_key(services, shop), 0, -1)
    return [(as_text(item), _open(services, shop, as_text(item))) for item in items]


class OutboxMailer:
    """The Mailer used when no SMTP server is configured."""

    async def deliver(self, services: Services, outgoing: OutgoingMessage) -> None:
        key = outbox_key(services, outgoing.shop)
        item = {
            "at": datetime.now(UTC).isoformat(),
            "kind": outgoing.kind,
            "reference": outgoing.reference,
            "subject_key": outgoing.subject_key,
            "raw": outgoing.message.as_string(),
        }
        sealed = seal(services, json.dumps(item, separators=(",", ":")), outgoing.shop, OUTBOX_FAMILY, "outbox")
        async with services.redis.pipeline(transaction=True) as pipe:
            pipe.lpush(key, sealed)
            pipe.ltrim(key, 0, OUTBOX_MAX - 1)
            pipe.expire(key, OUTBOX_TTL_SECONDS)
            await pipe.execute()

    async def aclose(self) -> None:
        return None
