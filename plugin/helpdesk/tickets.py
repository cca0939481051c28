"""Which helpdesk ticket each help request became, and what state it is in: the record that makes filing
idempotent on our side, finds the request again from a webhook's ticket id, and shows dead letters to the merchant.

Keys (under the shop's hash tag, family ``helpdesk``), all kept for the shop's retention period:

    helpdesk:ticket:<request id>        hash: kind, ticket_id, url, state (filing, open, resolved, failed), error,
                                        attempts, subject (pseudonymous key), updated_at
    helpdesk:by_ticket:<kind>:<ticket>  the request id a helpdesk ticket belongs to
    helpdesk:subject:<subject key>      set of the person's request ids with a ticket (export and erasure)
    helpdesk:failed                     sorted set of request ids that could not be filed, by time (dead letters)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from redis.typing import EncodableT, FieldT

from plugin.keys import ShopRef
from plugin.retention import retain
from plugin.services import Services
from plugin.storage import as_text

FAMILY = "helpdesk"
FILE_JOB = "helpdesk.file"
CHECK_JOB = "helpdesk.check"  # look up a ticket's status now (a webhook said it changed, or a poll is due)
FAILED_SHOWN = 50


@dataclass(frozen=True)
class TicketRecord:
    request_id: str
    kind: str
    state: str
    subject: str
    ticket_id: str | None = None
    url: str | None = None
    error: str | None = None
    attempts: int = 0
    updated_at: str | None = None

    def to_admin(self) -> dict[str, Any]:
        return {
            "request": self.request_id,
            "helpdesk": self.kind,
            "state": self.state,
            "ticket_id": self.ticket_id,
            "url": self.url,
            "error": self.error,
            "updated_at": self.updated_at,
        }


def ticket_key(services: Services, shop: ShopRef, request_id: str) -> str:
    return services.keys.shop(shop, FAMILY, "ticket", request_id)


def by_ticket_key(services: Services, shop: ShopRef, kind: str, ticket_id: str) -> str:
    return services.keys.shop(shop, FAMILY, "by_ticket", kind, ticket_id)


def subject_tickets_key(services: Services, shop: ShopRef, subject: str) -> str:
    return services.keys.shop(shop, FAMILY, "subject", subject)


def failed_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, FAMILY, "failed")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


async def load_ticket(services: Services, shop: ShopRef, request_id: str) -> TicketRecord | None:
    raw = {
        as_text(k): as_text(v)
        for k, v in (await services.redis.hgetall(ticket_key(services, shop, request_id))).items()
    }
    if "kind" not in raw:
        return None
    return TicketRecord(
        request_id=request_id,
        kind=raw["kind"],
        state=raw.get("state", "filing"),
        subject=raw.get("subject", ""),
        ticket_id=raw.get("ticket_id") or None,
        url=raw.get("url") or None,
        error=raw.get("error") or None,
        attempts=int(raw.get("attempts", "0")),
        updated_at=raw.get("updated_at"),
    )


async def start_filing(services: Services, shop: ShopRef, request_id: str, kind: str, subject: str) -> None:
    key = ticket_key(services, shop, request_id)
    await services.redis.hset(key, mapping={"kind": kind, "state": "filing", "subject": subject, "updated_at": _now()})
    await services.redis.sadd(subject_tickets_key(services, shop, subject), request_id)
    await retain(services, key, subject_tickets_key(services, shop, subject))


async def count_attempt(services: Services, shop: ShopRef, request_id: str) -> int:
    return int(await services.redis.hincrby(ticket_key(services, shop, request_id), "attempts", 1))


async def record_filed(
    services: Services, shop: ShopRef, request_id: str, kind: str, ticket_id: str, url: str | None, state: str
) -> None:
    key = ticket_key(services, shop, request_id)
    fields: dict[FieldT, EncodableT] = {
        "kind": kind,
        "ticket_id": ticket_id,
        "url": url or "",
        "state": state,
        "error": "",
        "updated_at": _now(),
    }
    await services.redis.hset(key, mapping=fields)
    await services.redis.set(by_ticket_key(services, shop, kind, ticket_id), request_id)
    await services.redis.zrem(failed_key(services, shop), request_id)
    await retain(services, key, by_ticket_key(services, shop, kind, ticket_id))


async def record_state(services: Services, shop: ShopRef, request_id: str, state: str) -> None:
    await services.redis.hset(ticket_key(services, shop, request_id), mapping={"state": state, "updated_at": _now()})


async def record_failure(services: Services, shop: ShopRef, request_id: str, error: str) -> None:
    """A dead letter: the merchant sees it with the helpdesk's own words, and the request went by email instead."""
    key = ticket_key(services, shop, request_id)
    await services.redis.hset(key, mapping={"state": "failed", "error": error[:300], "updated_at": _now()})
    await services.redis.zadd(failed_key(services, shop), {request_id: datetime.now(UTC).timestamp()})
    await retain(services, key, failed_key(services, shop))


async def request_of_ticket(services: Services, shop: ShopRef, kind: str, ticket_id: str) -> str | None:
    raw = await services.redis.get(by_ticket_key(services, shop, kind, ticket_id))
    return None if raw is None else as_text(raw)


async def failed_tickets(services: Services, shop: ShopRef) -> list[TicketRecord]:
    """Dead letters, newest first; those expired with their request drop out of the list as they are found."""
    found: list[TicketRecord] = []
    members: Any = await services.redis.zrevrange(failed_key(services, shop), 0, FAILED_SHOWN - 1)
    for member in members:
        request_id = as_text(member)
        record = await load_ticket(services, shop, request_id)
        if record is None or record.state != "failed":
            await services.redis.zrem(failed_key(services, shop), request_id)
            continue
        found.append(record)
    return found


async def forget_ticket(services: Services, shop: ShopRef, request_id: str) -> int:
    """Erase our record of a request's ticket (the ticket itself lives in the merchant's helpdesk)."""
    record = await load_ticket(services, shop, request_id)
    if record is None:
        return 0
    keys = [ticket_key(services, shop, request_id)]
    if record.ticket_id:
        keys.append(by_ticket_key(services, shop, record.kind, record.ticket_id))
    async with services.redis.pipeline(transaction=True) as pipe:
        pipe.delete(*keys)
        pipe.zrem(failed_key(services, shop), request_id)
        pipe.srem(subject_tickets_key(services, shop, record.subject), request_id)
        await pipe.execute()
    return 1
