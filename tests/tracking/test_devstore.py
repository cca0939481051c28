"""`upfront dev`'s AfterShip stand-in: mounted under a prefix like the platforms' emulators, and its checkpoint
trigger sends the signed webhook to the app, which queues and handles it like AfterShip's own."""

from __future__ import annotations

import httpx
import pytest
from redis.asyncio import Redis
from starlette.routing import Mount

from plugin.app import create_app
from plugin.devstore.aftership import CHECKPOINT_PATH, Account, AfterShipEmulator, checkpoint_routes
from plugin.devstore.server import AFTERSHIP_MOUNT, devstore_environment
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.settings import Settings
from plugin.tracking.model import CarrierStage
from plugin.tracking.store import note_parcel, order_checkpoints
from plugin.tracking.webhook_url import webhook_url
from tests.conftest import serve_in_process
from tests.journey.conftest import drain_events

pytestmark = pytest.mark.anyio


def test_the_dev_store_points_the_adapter_at_its_stand_in() -> None:
    assert devstore_environment("http://127.0.0.1:8000")["UPFRONT_AFTERSHIP_API_ORIGIN"] == (
        "http://127.0.0.1:8000" + AFTERSHIP_MOUNT
    )


async def test_a_dev_checkpoint_reaches_the_app_signed(
    services: Services,
    settings: Settings,
    redis: Redis,
    connected: ShopRef,
    aftership: AfterShipEmulator,
    account: Account,
) -> None:
    await note_parcel(services, connected, "JJD000390007", "1001", "shipment-1")
    account.trackings["JJD000390007"] = {"tracking_number": "JJD000390007", "slug": "dhl", "checkpoints": []}
    account.webhook_url = webhook_url(services, connected)
    itself: list[httpx.AsyncClient] = []
    routes = [*checkpoint_routes(aftership, lambda request: itself[0]), Mount(AFTERSHIP_MOUNT, app=aftership)]
    async with serve_in_process(create_app(settings, redis=redis, extra_routes=routes)) as client:
        itself.append(client)
        couriers = await client.get(
            AFTERSHIP_MOUNT + "/tracking/2025-04/couriers", headers={"as-api-key": account.api_key}
        )
        assert couriers.json()["meta"]["code"] == 200
        unknown = await client.post(CHECKPOINT_PATH, json={"tracking_number": "NOPE0000", "tag": "InTransit"})
        assert unknown.status_code == 404
        sent = await client.post(CHECKPOINT_PATH, json={"tracking_number": "JJD000390007", "tag": "InTransit"})
        assert sent.status_code == 200 and sent.json()["status"] == 200 and "queued" in sent.json()["answer"]
    assert await drain_events(services) == 1
    (shipment,) = await order_checkpoints(services, connected, "1001")
    assert shipment.stage is CarrierStage.SHIPPED
