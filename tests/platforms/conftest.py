"""Both platforms behind one interface: each test here runs once per adapter, against its dev store emulator."""

from __future__ import annotations

from dataclasses import dataclass

import anyio
import httpx
import pytest

from plugin.app import build_event_handlers, build_job_handlers
from plugin.devstore.bigcommerce import DEMO_STORE_HASH
from plugin.devstore.shopify import DEMO_SHOP
from plugin.jobs import run_due_jobs
from plugin.keys import ShopRef
from plugin.services import Services
from tests.devstores import DevStores, devstore_http, services, stores, test_env
from webhooks.consumer import ConsumerOptions, EventConsumer
from webhooks.stats import collect_stats

__all__ = ["devstore_http", "services", "stores", "test_env"]  # shared with the admin tests


@dataclass
class Platform:
    """What a test needs to drive one platform the way the platform itself would."""

    name: str
    shop: ShopRef
    order_created_topic: str
    known_order_id: str
    stores: DevStores

    async def install(self, client: httpx.AsyncClient) -> None:
        if self.name == "shopify":
            # Shopify's managed install: the embedded admin's session token is exchanged for an offline token.
            token = self.stores.shopify.session_token(DEMO_SHOP)
            response = await client.get("/admin/api/session", headers={"Authorization": f"Bearer {token}"})
        else:
            response = await client.get("/bigcommerce/auth", params=self.stores.bigcommerce.authorize(DEMO_STORE_HASH))
        assert response.status_code == 200, response.text

    async def uninstall(self, client: httpx.AsyncClient) -> None:
        """As the platform does it: Shopify's webhook (acted on once the worker confirms it), BigCommerce's
        signed callback (acted on at once)."""
        if self.name == "shopify":
            headers, body = self.stores.shopify.uninstall_app(DEMO_SHOP)  # revokes the token, then delivers
            response = await client.post("/webhooks/shopify", headers=headers, content=body)
        else:
            jwt = self.stores.bigcommerce.signed_payload_jwt(DEMO_STORE_HASH)
            response = await client.get("/bigcommerce/uninstall", params={"signed_payload_jwt": jwt})
        assert response.status_code == 200, response.text

    def order_webhook(self, *, forged: bool = False) -> tuple[dict[str, str], bytes]:
        if self.name == "shopify":
            return self.stores.shopify.webhook(
                self.order_created_topic, DEMO_SHOP, secret="forged-secret" if forged else None
            )
        return self.stores.bigcommerce.webhook_delivery(
            self.order_created_topic, DEMO_STORE_HASH, secret="forged-secret" if forged else None
        )

    @property
    def webhook_path(self) -> str:
        return f"/webhooks/{self.name}"


@pytest.fixture(
    params=[
        ("shopify", ShopRef("shopify", DEMO_SHOP), "orders/create", "450789470"),
        ("bigcommerce", ShopRef("bigcommerce", DEMO_STORE_HASH), "store/order/created", "100"),
    ],
    ids=["shopify", "bigcommerce"],
)
def platform(request: pytest.FixtureRequest, stores: DevStores) -> Platform:
    name, shop, topic, order_id = request.param
    return Platform(name, shop, topic, order_id, stores)


async def run_worker_until_idle(services: Services, seconds: float = 5.0) -> None:
    """The production consumer and job runner, in-process, until nothing is left to do."""
    stop = anyio.Event()
    consumer = EventConsumer(services, build_event_handlers(), ConsumerOptions(block_ms=20, retry_base_s=0.01))
    async with anyio.create_task_group() as tasks:
        tasks.start_soon(consumer.run, stop)
        with anyio.move_on_after(seconds):
            while True:
                await run_due_jobs(services, build_job_handlers())
                stats = await collect_stats(services.redis, services.keys)
                if stats.pending == stats.processing == stats.retrying == stats.scheduled_jobs == 0:
                    break
                await anyio.sleep(0.02)
        stop.set()
