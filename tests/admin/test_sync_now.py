"""'Sync rates now' in the admin re-reads facts and shipping rates from the platform, for the signed-in shop only."""

from __future__ import annotations

import pytest

from plugin.app import build_job_handlers
from plugin.jobs import run_due_jobs
from plugin.shop_data import load_shipping_setup
from tests.admin.conftest import SHOP_A, STORE_C, AdminClients

pytestmark = pytest.mark.anyio


async def test_sync_now_fetches_the_stores_rates_again(admin: AdminClients) -> None:
    services = admin.services
    await admin.open_bigcommerce()  # store C, installed from the emulator with a real token
    await run_due_jobs(services, build_job_handlers())  # the load's own installation check
    await services.redis.delete(services.keys.shop(STORE_C, "shipping", "setup"))
    headers = {"X-Upfront-CSRF": admin.bigcommerce_csrf}
    first = await admin.http.post("/admin/api/shipping/sync", headers=headers)
    again = await admin.http.post("/admin/api/shipping/sync", headers=headers)
    assert (first.status_code, again.status_code) == (202, 202)
    assert await run_due_jobs(services, build_job_handlers()) == 1, "pressing twice while pending syncs once"
    assert await load_shipping_setup(services.redis, services.keys, STORE_C) is not None
    assert await load_shipping_setup(services.redis, services.keys, SHOP_A) is not None, "other shops untouched"


async def test_sync_now_needs_a_session(admin: AdminClients) -> None:
    admin.http.cookies.clear()
    assert (await admin.http.post("/admin/api/shipping/sync")).status_code == 401
