"""The AfterShip Tracking API adapter: create trackings, test a key, verify and read tracking webhooks.

Wire facts (AfterShip Tracking API, version pinned below): requests carry the key in the `as-api-key` header;
answers are `{"meta": {"code", "message"}, "data": {...}}`; meta code 4003 means the tracking exists already.
Webhooks are JSON `{"event", "event_id", "ts", "msg": <the tracking, checkpoints included>}`, signed in the
`aftership-hmac-sha256` header: base64 of HMAC-SHA256 over the raw body with the account's webhook secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from plugin.errors import AuthError, PermanentError, PlatformError, RetryableError, ThrottledError
from plugin.json_body import JsonBodyError, parse_json_object
from plugin.platform import WebhookRejected
from plugin.tracking.model import CarrierStage, Checkpoint, Credentials, Tracker, TrackerRequest, TrackingUpdate
from plugin.tracking.provider import Delivery

API_VERSION = "2025-04"
DEFAULT_ORIGIN = "https://api.aftership.com"
SIGNATURE_HEADER = "aftership-hmac-sha256"
UPDATE_EVENT = "tracking_update"
ALREADY_EXISTS = 4003
MAX_BODY = 256 * 1024  # the app's request limit outside /webhooks/ (plugin.middleware.body_limit)
MAX_CHECKPOINTS = 100  # a parcel's scans; more than this is a carrier loop, not information

TAG_STAGES: dict[str, CarrierStage] = {
    "Pending": CarrierStage.PENDING,
    "InfoReceived": CarrierStage.SHIPPED,
    "InTransit": CarrierStage.SHIPPED,
    "OutForDelivery": CarrierStage.OUT_FOR_DELIVERY,
    "AvailableForPickup": CarrierStage.AVAILABLE_FOR_PICKUP,
    "Delivered": CarrierStage.DELIVERED,
    "AttemptFail": CarrierStage.EXCEPTION,
    "Exception": CarrierStage.EXCEPTION,
    "Expired": CarrierStage.EXCEPTION,
}


def stage_of(tag: object) -> CarrierStage:
    return TAG_STAGES.get(str(tag or ""), CarrierStage.PENDING)


def sign(secret: str, body: bytes) -> str:
    """The `aftership-hmac-sha256` value for `body` (the dev store signs its webhooks with this too)."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def _moment(value: object) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None


def _text(value: object, limit: int = 300) -> str:
    return value.strip()[:limit] if isinstance(value, str) else ""


def read_checkpoint(raw: Mapping[str, Any]) -> Checkpoint:
    """A scan as we keep it: the carrier's time and words, and only city, region and country as the place."""
    country = raw.get("country_region_name") or raw.get("country_name") or raw.get("country_region")
    place = [_text(raw.get(name), 80) for name in ("city", "state")] + [_text(country, 80)]
    return Checkpoint(
        at=_moment(raw.get("checkpoint_time")),
        stage=stage_of(raw.get("tag")),
        message=_text(raw.get("message")),
        location=", ".join(part for part in place if part),
    )


def read_update(event_id: str, sent_at: datetime, tracking: Mapping[str, Any]) -> TrackingUpdate:
    number = _text(tracking.get("tracking_number"), 100)
    if not number:
        raise ValueError("the tracking has no tracking_number")
    raw_checkpoints = tracking.get("checkpoints") or []
    if not isinstance(raw_checkpoints, list):
        raise ValueError("checkpoints must be a list")
    checkpoints = tuple(read_checkpoint(c) for c in raw_checkpoints[-MAX_CHECKPOINTS:] if isinstance(c, Mapping))
    return TrackingUpdate(
        event_id=event_id,
        tracking_number=number,
        carrier=_text(tracking.get("slug"), 100),
        stage=stage_of(tracking.get("tag")),
        checkpoints=checkpoints,
        occurred_at=sent_at,
    )


def _meta(response: httpx.Response) -> tuple[int | None, str]:
    try:
        meta = response.json().get("meta") or {}
        return int(meta["code"]), str(meta.get("message") or "")
    except (ValueError, TypeError, AttributeError, KeyError):
        return None, ""


def _failure(response: httpx.Response) -> PlatformError:
    code, message = _meta(response)
    status = response.status_code
    reason = f"AfterShip answered {status}" + (f" ({code}: {message})" if code else "")
    if status == 429:
        reset = response.headers.get("x-ratelimit-reset", "")
        wait = max(1.0, float(reset) - time.time()) if reset.isdigit() else None
        return ThrottledError(reason, status=status, retry_after=wait)
    if status >= 500:
        return RetryableError(reason, status=status)
    if status in (401, 403):
        return AuthError(reason, status=status)
    return PermanentError(reason, status=status)


class AfterShipTracking:
    """`TrackingProvider` over AfterShip's REST API; `http` is the app's shared client (or one on the dev store)."""

    name = "aftership"

    def __init__(self, http: httpx.AsyncClient, origin: str = DEFAULT_ORIGIN) -> None:
        self.http = http
        self.base = f"{origin.rstrip('/')}/tracking/{API_VERSION}"

    async def _call(self, method: str, path: str, credentials: Credentials, body: Any = None) -> httpx.Response:
        try:
            return await self.http.request(
                method,
                self.base + path,
                headers={"as-api-key": credentials.api_key, "Content-Type": "application/json"},
                content=None if body is None else json.dumps(body),
            )
        except httpx.TransportError as exc:
            raise RetryableError(f"AfterShip unreachable: {type(exc).__name__}") from exc

    async def create_tracker(self, credentials: Credentials, request: TrackerRequest) -> Tracker:
        body: dict[str, str] = {"tracking_number": request.tracking_number, "order_id": request.order_id}
        if request.order_name:
            body["order_number"] = request.order_name
            body["title"] = request.order_name
        if request.carrier:
            body["slug"] = request.carrier
        response = await self._call("POST", "/trackings", credentials, body)
        code, _ = _meta(response)
        if not response.is_success and code != ALREADY_EXISTS:
            raise _failure(response)
        try:
            data = response.json().get("data") or {}
        except (ValueError, AttributeError):
            data = {}
        data = data if isinstance(data, Mapping) else {}
        return Tracker(
            id=str(data.get("id") or ""),
            tracking_number=str(data.get("tracking_number") or request.tracking_number),
            carrier=str(data.get("slug") or request.carrier or ""),
        )

    async def check_connection(self, credentials: Credentials) -> None:
        response = await self._call("GET", "/couriers", credentials)
        if not response.is_success:
            raise _failure(response)

    def verify_webhook(self, secret: str, headers: Mapping[str, str], body: bytes) -> Delivery:
        given = headers.get(SIGNATURE_HEADER, "")
        if not given or not secret:
            raise WebhookRejected(401, "missing aftership-hmac-sha256 signature")
        if not hmac.compare_digest(sign(secret, body).encode(), given.strip().encode()):
            raise WebhookRejected(401, "invalid aftership-hmac-sha256 signature")
        try:
            document = parse_json_object(body, max_bytes=MAX_BODY)
        except JsonBodyError as exc:
            raise WebhookRejected(exc.status, exc.reason) from None
        event_id = document.get("event_id")
        if not isinstance(event_id, str) or not event_id or len(event_id) > 100:
            raise WebhookRejected(400, "event_id missing")
        if document.get("event") != UPDATE_EVENT:
            return Delivery(event_id, None)
        ts = document.get("ts")
        sent_at = datetime.fromtimestamp(ts, UTC) if isinstance(ts, int | float) else datetime.now(UTC)
        message = document.get("msg")
        if not isinstance(message, Mapping):
            raise WebhookRejected(400, "msg must be the tracking object")
        try:
            return Delivery(event_id, read_update(event_id, sent_at, message))
        except ValueError as exc:
            raise WebhookRejected(400, str(exc)) from None
