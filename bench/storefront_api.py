"""The estimate endpoint on a cache hit, at 64 connections, against a bare Starlette endpoint served alike."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
import httpx

from bench.alternating import MIN_PAIRS, alternate
from bench.figures import Figure
from bench.load import run_wrk
from bench.servers import serve
from plugin.app import build_services
from plugin.devstore.shopify import DEMO_SHOP
from plugin.devstore.storefront import seed_demo_shop
from plugin.embedded_redis import EmbeddedRedis
from plugin.settings import load_settings
from plugin.storage import connect

ESTIMATE_PATH = f"/storefront/shopify/{DEMO_SHOP}/estimate?country=DE&postcode=10115&subtotal=24.90&currency=EUR"
# What a product page sends: a cross-origin GET from the shop's storefront (so CORS is checked every time).
ORIGIN = f"https://{DEMO_SHOP}"
GET_SCRIPT = f"""-- the same URL again and again: every answer after the first is a cache hit
wrk.headers["Origin"] = "{ORIGIN}"
"""


async def _seed(env: dict[str, str], data_dir: str) -> None:
    # The app process started the embedded Redis in data_dir; join it to seed the demo shop.
    settings = load_settings({**env, "UPFRONT_REDIS_URL": EmbeddedRedis(Path(data_dir)).url})
    redis = connect(str(settings.redis_url))
    async with httpx.AsyncClient() as http:
        await seed_demo_shop(build_services(settings, redis, http), install=True)
    await redis.aclose()


def measure(seconds: int = 5, connections: int = 64, pairs: int = MIN_PAIRS) -> list[Figure]:
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            "SHOPIFY_API_SECRET": "bench-shopify-secret-0123456789abcdef",
            "BIGCOMMERCE_CLIENT_SECRET": "bench-bigcommerce-secret-0123456789abcdef",
            "UPFRONT_SECRET_KEY": "bench-" + "k" * 40,
            "UPFRONT_DATA_DIR": data_dir,
        }
        with (
            serve("bench.app_factory:create", env, production=True) as base,
            serve("bench.baseline_app:create", {}) as bare_base,
        ):
            anyio.run(_seed, env, data_dir)
            first = httpx.get(base + ESTIMATE_PATH, headers={"Origin": ORIGIN}, timeout=10)
            first.raise_for_status()
            if first.headers.get("access-control-allow-origin") != ORIGIN:
                raise RuntimeError("the demo storefront's origin was not allowed: the load would measure refusals")
            app_url, bare_url = base + ESTIMATE_PATH, bare_base + ESTIMATE_PATH
            for url in (app_url, bare_url):  # warm both before the first counted round
                run_wrk(url, GET_SCRIPT, connections=connections, seconds=2)
            paired = alternate(
                lambda: run_wrk(app_url, GET_SCRIPT, connections=connections, seconds=seconds),
                lambda: run_wrk(bare_url, GET_SCRIPT, connections=connections, seconds=seconds),
                pairs,
            )
    return [
        Figure(
            name="estimate endpoint (cached)",
            value=paired.app_rps,
            unit="req/s",
            baseline=paired.baseline_rps,
            baseline_label="bare Starlette",
            ratio=paired.median_ratio,
            goal=">= 0.80",
            detail=(
                f"p50 {paired.app_p50_ms:.1f} ms, p99 {paired.app_p99_ms:.1f} ms; {paired.spread()}; "
                f"errors {paired.errors}"
            ),
        )
    ]
