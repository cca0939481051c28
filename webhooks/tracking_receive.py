"""The tracking provider's webhook endpoint: find the shop from the signed path, check the provider's signature over
the raw bytes with the shop's webhook secret, and queue the update durably like a platform delivery (deduped on the
provider's event id, answered only once stored). Nothing is queued for a refused delivery."""

from __future__ import annotations

import logging

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from plugin import events
from plugin.events import PlatformEvent
from plugin.openapi import documented
from plugin.platform import WebhookRejected
from plugin.request_body import read_body
from plugin.services import services
from plugin.storage import STORE_UNAVAILABLE
from plugin.tracking.connection import load_credentials, provider_for
from plugin.tracking.model import update_to_payload
from plugin.tracking.store import load_parcel
from plugin.tracking.webhook_url import shop_of_token
from webhooks.admission import refusal
from webhooks.ingest import enqueue_event
from webhooks.receive import DUPLICATE, IGNORED, NOT_INSTALLED_ANSWER, QUEUED

log = logging.getLogger(__name__)

SOURCE_TOPIC = "aftership/tracking_update"


def _refused(status: int, reason: str) -> JSONResponse:
    return JSONResponse({"error": reason}, status_code=status)


@documented(
    "AfterShip tracking webhook of one shop (the address shown in the admin's carrier tracking section)",
    {
        200: "queued, duplicate, or ignored (another event, or a tracking number that is not the shop's)",
        400: "signed, but not a tracking webhook",
        401: "signature missing or wrong, or tracking not connected for this shop",
        404: "no such webhook address",
        503: "storage unavailable: not acknowledged, AfterShip retries",
    },
    tag="webhooks",
    request_body="AfterShip webhook JSON {event, event_id, ts, msg}, signed in aftership-hmac-sha256",
)
async def aftership_webhook(request: Request) -> Response:
    svc = services(request)
    shop = shop_of_token(svc, request.path_params["token"])
    if shop is None:
        return _refused(404, "no such webhook address")
    body = await read_body(request)
    headers = {name.decode("latin-1"): value.decode("latin-1") for name, value in request.scope["headers"]}
    try:
        credentials = await load_credentials(svc, shop)
        if credentials is None:
            return _refused(401, "carrier tracking is not connected for this shop")
        delivery = provider_for(svc).verify_webhook(credentials.webhook_secret, headers, body)
        if delivery.update is None:
            return IGNORED.response()
        parcel = await load_parcel(svc, shop, delivery.update.tracking_number)
        if parcel is None:
            return IGNORED.response()
        event = PlatformEvent(
            shop=shop,
            type=events.TRACKING_UPDATED,
            delivery_id=f"aftership:{delivery.event_id}",
            occurred_at=delivery.update.occurred_at,
            source_topic=SOURCE_TOPIC,
            payload=update_to_payload(delivery.update, parcel.order_id),
        )
        if await refusal(svc, event) is not None:
            return NOT_INSTALLED_ANSWER.response()
        entry = await enqueue_event(
            svc.pipelined, svc.keys, event, waitaof_replicas=svc.settings.redis_waitaof_replicas
        )
    except WebhookRejected as rejected:
        log.info("tracking webhook rejected", extra={"shop": shop.tag, "reason": rejected.reason})
        return _refused(rejected.status, rejected.reason)
    except STORE_UNAVAILABLE as exc:
        log.error("tracking webhook not stored", extra={"shop": shop.tag, "error": type(exc).__name__})
        return _refused(503, "storage unavailable, retry later")
    log.info("tracking webhook accepted" if entry else "tracking webhook duplicate", extra={"shop": shop.tag})
    return QUEUED.response() if entry else DUPLICATE.response()
