"""The AfterShip adapter's reading of webhooks: the signature over the raw bytes, and tags to our stages."""

from __future__ import annotations

import json

import httpx
import pytest

from plugin.devstore.aftership import create_aftership_emulator
from plugin.errors import PermanentError, PlatformError, RetryableError, ThrottledError
from plugin.platform import WebhookRejected
from plugin.tracking.aftership import AfterShipTracking, sign
from plugin.tracking.model import SHIPMENT_STATUS, CarrierStage, Credentials, TrackerRequest

SECRET = "merchant-webhook-secret"


def _adapter() -> AfterShipTracking:
    return AfterShipTracking(httpx.AsyncClient(), "http://aftership.test")


@pytest.mark.parametrize(
    ("tag", "stage", "status"),
    [
        ("InfoReceived", CarrierStage.SHIPPED, "in_transit"),
        ("InTransit", CarrierStage.SHIPPED, "in_transit"),
        ("OutForDelivery", CarrierStage.OUT_FOR_DELIVERY, "out_for_delivery"),
        ("AvailableForPickup", CarrierStage.AVAILABLE_FOR_PICKUP, "out_for_delivery"),
        ("Delivered", CarrierStage.DELIVERED, "delivered"),
        ("AttemptFail", CarrierStage.EXCEPTION, "failed"),
        ("Exception", CarrierStage.EXCEPTION, "failed"),
        ("Expired", CarrierStage.EXCEPTION, "failed"),
        ("Pending", CarrierStage.PENDING, None),
    ],
    ids=lambda value: str(value),
)
def test_each_aftership_tag_maps_to_our_stage(tag: str, stage: CarrierStage, status: str | None) -> None:
    emulator = create_aftership_emulator()
    account = emulator.add_account(webhook_secret=SECRET)
    account.trackings["1Z999AA10123456784"] = {
        "tracking_number": "1Z999AA10123456784",
        "slug": "ups",
        "checkpoints": [],
    }
    headers, body = emulator.checkpoint_delivery(
        account.api_key, "1Z999AA10123456784", tag, city="Lyon", country="France"
    )
    delivery = _adapter().verify_webhook(SECRET, {k.lower(): v for k, v in headers.items()}, body)
    assert delivery.update is not None
    assert delivery.update.stage is stage and delivery.update.carrier == "ups"
    assert SHIPMENT_STATUS.get(stage) == status
    (checkpoint,) = delivery.update.checkpoints
    assert checkpoint.stage is stage and checkpoint.location == "Lyon, France"


def test_other_events_are_verified_then_ignored() -> None:
    body = json.dumps({"event": "edd_revise", "event_id": "e-1", "ts": 1, "msg": {}}).encode()
    delivery = _adapter().verify_webhook(SECRET, {"aftership-hmac-sha256": sign(SECRET, body)}, body)
    assert delivery.event_id == "e-1" and delivery.update is None


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(b"not json", 400, id="not-json"),
        pytest.param(b'{"event": "tracking_update", "msg": {}}', 400, id="no-event-id"),
        pytest.param(b'{"event": "tracking_update", "event_id": "e", "msg": {"checkpoints": []}}', 400, id="no-number"),
    ],
)
def test_signed_but_malformed_bodies_get_400(body: bytes, status: int) -> None:
    with pytest.raises(WebhookRejected) as refused:
        _adapter().verify_webhook(SECRET, {"aftership-hmac-sha256": sign(SECRET, body)}, body)
    assert refused.value.status == status


@pytest.mark.anyio
async def test_a_number_aftership_follows_already_counts_as_followed() -> None:
    emulator = create_aftership_emulator()
    account = emulator.add_account()
    credentials = Credentials(account.api_key, account.webhook_secret)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator)) as http:
        adapter = AfterShipTracking(http, "http://aftership.test")
        first = await adapter.create_tracker(credentials, TrackerRequest("1Z999AA10123456784", "1001", "#1001"))
        again = await adapter.create_tracker(credentials, TrackerRequest("1Z999AA10123456784", "1001", "#1001"))
    assert first.id == account.trackings["1Z999AA10123456784"]["id"]
    assert again.tracking_number == "1Z999AA10123456784" and emulator.create_calls == 2


@pytest.mark.anyio
@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        (500, RetryableError, True),
        (503, RetryableError, True),
        (429, ThrottledError, True),
        (400, PermanentError, False),
    ],
    ids=["500", "503", "429", "400"],
)
async def test_failures_are_classified_for_the_job_system(status: int, error: type[Exception], retryable: bool) -> None:
    emulator = create_aftership_emulator()
    account = emulator.add_account()
    emulator.fail_next(1, status=status)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=emulator)) as http:
        adapter = AfterShipTracking(http, "http://aftership.test")
        with pytest.raises(error) as failed:
            await adapter.create_tracker(Credentials(account.api_key, "s"), TrackerRequest("1Z999AA10123456784", "1"))
    assert isinstance(failed.value, PlatformError) and failed.value.retryable is retryable
