"""Webhook ingest: signed Shopify deliveries at 64 connections, against a bare Starlette endpoint served alike."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import tempfile

from bench.app_factory import BENCH_SHOP_VARIABLE
from bench.figures import Figure
from bench.load import LoadResult, run_wrk
from bench.servers import serve

SECRET = "bench-shopify-secret-0123456789abcdef"
SHOP = "bench-shop.myshopify.com"


def _script(body: str, signature: str, run_id: str) -> str:
    # Each wrk thread numbers its own requests: every delivery has a fresh event id, so none is a duplicate.
    return f"""
local made = 0
function setup(thread) made = made + 1; thread:set("tid", made) end
local counter = 0
local body = {json.dumps(body)}
function request()
  counter = counter + 1
  local headers = {{}}
  headers["Content-Type"] = "application/json"
  headers["X-Shopify-Topic"] = "orders/updated"
  headers["X-Shopify-Hmac-Sha256"] = "{signature}"
  headers["X-Shopify-Shop-Domain"] = "{SHOP}"
  headers["X-Shopify-API-Version"] = "2026-10"
  headers["X-Shopify-Triggered-At"] = "2026-11-22T10:00:00.000Z"
  headers["X-Shopify-Webhook-Id"] = "{run_id}-" .. tid .. "-" .. counter
  headers["X-Shopify-Event-Id"] = "{run_id}-" .. tid .. "-" .. counter
  return wrk.format("POST", "/webhooks/shopify", headers, body)
end
"""


def measure(seconds: int = 10, connections: int = 64) -> list[Figure]:
    payload = {"id": 820982911946154508, "name": "#1001", "updated_at": "2026-11-22T10:00:00Z", "line_items": []}
    body = json.dumps(payload)
    signature = base64.b64encode(hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest()).decode()
    script = _script(body, signature, secrets.token_hex(4))
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            "SHOPIFY_API_SECRET": SECRET,
            "BIGCOMMERCE_CLIENT_SECRET": "bench-bigcommerce-secret",
            "UPFRONT_SECRET_KEY": "bench-" + "k" * 40,
            "UPFRONT_DATA_DIR": data_dir,
            "UPFRONT_LOG_LEVEL": "WARNING",
            BENCH_SHOP_VARIABLE: SHOP,  # installed, so every delivery is queued, not ignored
        }
        with serve("bench.app_factory:create", env) as base:
            app = run_wrk(base + "/webhooks/shopify", script, connections=connections, seconds=seconds)
    with serve("bench.baseline_app:create", {}) as base:
        bare = run_wrk(base + "/webhooks/shopify", script, connections=connections, seconds=seconds)
    return [_throughput(app, bare), _latency(app, bare)]


def _throughput(app: LoadResult, bare: LoadResult) -> Figure:
    return Figure(
        name="webhook ingest throughput",
        value=app.requests_per_s,
        unit="req/s",
        baseline=bare.requests_per_s,
        baseline_label="bare Starlette",
        ratio=app.requests_per_s / bare.requests_per_s,
        goal=">= 0.70",
        detail=f"verified + deduped + fsynced; errors {app.errors}",
    )


def _latency(app: LoadResult, bare: LoadResult) -> Figure:
    return Figure(
        name="webhook ingest p99",
        value=app.p99_ms,
        unit="ms",
        baseline=bare.p99_ms,
        baseline_label="bare Starlette p99",
        ratio=app.p99_ms / bare.p99_ms if bare.p99_ms else 0.0,
        goal="well under 5 s",
        detail=f"p50 {app.p50_ms:.1f} ms vs {bare.p50_ms:.1f} ms at 64 connections",
    )
