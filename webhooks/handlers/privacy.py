"""Privacy requests from the platforms: data requests export, customer redactions and deletions erase, shop
redactions delete the shop. Each is idempotent: a redelivery or retry redoes the same work."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from plugin.events import PlatformEvent
from plugin.privacy.audit import audit_shop_action
from plugin.privacy.erasure import erase_subject, redact_shop
from plugin.privacy.export import export_id_for, export_subject
from plugin.privacy.export_notice import schedule_export_notice
from plugin.privacy.subjects import DataSubject
from plugin.services import Services
from plugin.storage import as_optional_text

log = logging.getLogger(__name__)

# Shopify sends shop/redact 48 hours after an uninstall; a shop installed again since then keeps its data.
SHOP_REDACT_DELAY = timedelta(hours=48)
SHOP_REDACT_REFUSED = "shop.redact.refused_installed"


def _text(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip() if isinstance(value, int | str) else ""
    return text or None


def data_subject(payload: Mapping[str, Any]) -> DataSubject:
    """The person a request names: Shopify's `customer{id,email,phone}` + `orders_requested`/`orders_to_redact`,
    or BigCommerce's normalized `customer_id` (`data.id`), which carries nothing else."""
    customer = payload.get("customer")
    customer = customer if isinstance(customer, Mapping) else {}
    data = payload.get("data")
    data = data if isinstance(data, Mapping) else {}
    orders: list[str] = []
    for name in ("orders_requested", "orders_to_redact"):
        listed = payload.get(name)
        if isinstance(listed, list):
            orders += [order for order in (_text(item) for item in listed) if order]
    subject = DataSubject(
        customer_id=_text(customer.get("id")) or _text(payload.get("customer_id")) or _text(data.get("id")),
        email=_text(customer.get("email")),
        phone=_text(customer.get("phone")),
        order_ids=tuple(dict.fromkeys(orders)),
    )
    if not subject.identifiers() and not subject.order_ids:
        raise ValueError("privacy request names no customer id, email, phone or order")
    return subject


def _redacted(event: PlatformEvent) -> bool:
    """A request whose payload was itself redacted by an erasure has nothing left to act on."""
    return event.payload.get("redacted") is True


async def customer_data_request(services: Services, event: PlatformEvent) -> None:
    if _redacted(event):
        return
    request = event.payload.get("data_request")
    request_id = _text(request.get("id")) if isinstance(request, Mapping) else None
    result = await export_subject(
        services,
        event.shop,
        data_subject(event.payload),
        export_id=export_id_for(event.shop, event.delivery_id),
        request_id=request_id or event.delivery_id,
    )
    log.info(
        "data request exported", extra={"shop": event.shop.tag, "export": result.export_id, "records": result.records}
    )
    await schedule_export_notice(
        services, event.shop, export_id=result.export_id, request_id=request_id or event.delivery_id,
        records=result.records,
    )  # fmt: skip


async def customer_erasure(services: Services, event: PlatformEvent) -> None:
    """customer.redact (Shopify) and customer.deleted (BigCommerce): erase the person everywhere."""
    if _redacted(event):
        return
    result = await erase_subject(
        services, event.shop, data_subject(event.payload), action=event.type, request_id=event.delivery_id
    )
    log.info("customer erased", extra={"shop": event.shop.tag, "subject": result.subject, "records": result.total})


async def shop_redact(services: Services, event: PlatformEvent) -> None:
    record = await services.redis.hmget(services.keys.shop(event.shop, "shop"), ["status", "installed_at"])
    status, installed_at = (as_optional_text(value) for value in record)
    uninstall_deadline = (event.occurred_at - SHOP_REDACT_DELAY).timestamp()
    if status == "active" and installed_at is not None and float(installed_at) > uninstall_deadline:
        log.warning("shop redact skipped: the shop installed the app again", extra={"shop": event.shop.tag})
        await audit_shop_action(services, event.shop, action="shop.redact.skipped_reinstalled", counts={})
        return
    # A shop we hold as installed is erased only if the platform confirms the app is gone: the request's time
    # and shop headers are not signed, so an old redact body re-sent must not erase a shop that uses the app.
    if status == "active" and not await services.platforms[event.shop.platform].installation_revoked(event.shop):
        log.warning("shop redact refused: the platform still accepts the shop's token", extra={"shop": event.shop.tag})
        await audit_shop_action(services, event.shop, action=SHOP_REDACT_REFUSED, counts={})
        return
    result = await redact_shop(services, event.shop)
    log.info("shop redacted", extra={"shop": event.shop.tag, "keys": result.keys, "events": result.events})
