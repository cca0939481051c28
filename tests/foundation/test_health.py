from __future__ import annotations

from pathlib import Path

import pytest

from plugin.app import create_app
from plugin.settings import Settings
from plugin.storage import connect
from tests.conftest import AppClientFactory, serve_in_process

pytestmark = pytest.mark.anyio


async def test_healthz_answers_ok(app_client: AppClientFactory) -> None:
    async with app_client() as client:
        response = await client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_readyz_reports_redis_up(app_client: AppClientFactory) -> None:
    async with app_client() as client:
        response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["redis"] == "up"


async def test_every_response_carries_a_request_id_and_keeps_a_sane_incoming_one(
    app_client: AppClientFactory,
) -> None:
    async with app_client() as client:
        minted = await client.get("/healthz")
        kept = await client.get("/healthz", headers={"X-Request-ID": "req-abcdef123"})
        refused = await client.get("/healthz", headers={"X-Request-ID": "bad id\twith spaces"})
    assert len(minted.headers["x-request-id"]) == 16
    assert kept.headers["x-request-id"] == "req-abcdef123"
    assert refused.headers["x-request-id"] != "bad id\twith spaces"


async def test_readyz_answers_503_when_redis_is_down(settings: Settings, tmp_path: Path) -> None:
    dead = connect(f"unix://{tmp_path}/no-redis.sock")
    async with serve_in_process(create_app(settings, redis=dead)) as client:
        response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "redis": "down"}
