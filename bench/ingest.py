"""Webhook ingest: signed Shopify deliveries at 64 connections, against a bare Starlette endpoint served alike.

Both servers run side by side and take turns under load (`bench/alternating.py`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import tempfile

from bench.alternating import MIN_PAIRS, Paired, alternate
from bench.app_factory import BENCH_SHOP_VARIABLE
from bench.figures import Figure
from bench.load import run_wrk
from bench.servers import serve

SECRET = "bench-shopify-secret-0123456789abcdef"
SHOP = "bench-shop.myshopify.com"


def wrk_script(body: str, signature: str, run_id: str, shop: str = f'"{SHOP}"') -> str:
    """`shop`: a Lua expression for the X-Shopify-Shop-Domain header (the cluster bench names 1,000 shops)."""
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
  headers["X-Shopify-Shop-Domain"] = {shop}
  headers["X-Shopify-API-Version"] = "2026-10"
  headers["X-Shopify-Triggered-At"] = "2026-11-22T10:00:00.000Z"
  headers["X-Shopify-Webhook-Id"] = "{run_id}-" .. tid .. "-" .. counter
  headers["X-Shopify-Event-Id"] = "{run_id}-" .. tid .. "-" .. counter
  return wrk.format("POST", "/webhooks/shopify", headers, body)
end
"""


def signed_body() -> tuple[str, str]:
    """An `orders/updated` body and its X-Shopify-Hmac-Sha256 (the HMAC covers the body only)."""
    payload = {"id": 820982911946154508, "name": "#1001", "updated_at": "2026-11-22T10:00:00Z", "line_items": []}
    body = json.dumps(payload)
    return body, base64.b64encode(hmac.new(SECRET.encode(), body.encode(), hashlib.sha256).digest()).decode()


def measure(seconds: int = 5, connections: int = 64, pairs: int = MIN_PAIRS) -> list[Figure]:
    """The app as production runs it (logs at the default INFO: one JSON line per delivery), and again with logs at
    WARNING (none per delivery), each against the baseline in its own alternating rounds."""
    body, signature = signed_body()
    script = wrk_script(body, signature, secrets.token_hex(4))
    with tempfile.TemporaryDirectory() as info_dir, tempfile.TemporaryDirectory() as warning_dir:
        env = {
            "SHOPIFY_API_SECRET": SECRET,
            "BIGCOMMERCE_CLIENT_SECRET": "bench-bigcommerce-secret",
            "UPFRONT_SECRET_KEY": "bench-" + "k" * 40,
            BENCH_SHOP_VARIABLE: SHOP,  # installed, so every delivery is queued, not ignored
        }
        quiet = {**env, "UPFRONT_DATA_DIR": warning_dir, "UPFRONT_LOG_LEVEL": "WARNING"}
        with (
            serve("bench.app_factory:create", {**env, "UPFRONT_DATA_DIR": info_dir}, production=True) as info_base,
            serve("bench.app_factory:create", quiet, production=True) as warning_base,
            serve("bench.baseline_app:create", {}) as bare_base,
        ):
            urls = [base + "/webhooks/shopify" for base in (info_base, warning_base, bare_base)]
            for url in urls:  # warm every server before the first counted round
                run_wrk(url, script, connections=connections, seconds=2)
            info_url, warning_url, bare_url = urls

            def against_baseline(app_url: str) -> Paired:
                return alternate(
                    lambda: run_wrk(app_url, script, connections=connections, seconds=seconds),
                    lambda: run_wrk(bare_url, script, connections=connections, seconds=seconds),
                    pairs,
                )

            logged, quiet_paired = against_baseline(info_url), against_baseline(warning_url)
    return [_throughput(logged, "INFO"), _latency(logged), _throughput(quiet_paired, "WARNING")]


def _throughput(paired: Paired, level: str) -> Figure:
    return Figure(
        name="webhook ingest throughput" + ("" if level == "INFO" else f", logs at {level}"),
        value=paired.app_rps,
        unit="req/s",
        baseline=paired.baseline_rps,
        baseline_label="bare Starlette",
        ratio=paired.median_ratio,
        goal=">= 0.70",
        detail=f"verified + deduped + fsynced, logs at {level}; {paired.spread()}; errors {paired.errors}",
    )


def _latency(paired: Paired) -> Figure:
    return Figure(
        name="webhook ingest p99",
        value=paired.app_p99_ms,
        unit="ms",
        baseline=paired.baseline_p99_ms,
        baseline_label="bare Starlette p99",
        ratio=paired.app_p99_ms / paired.baseline_p99_ms if paired.baseline_p99_ms else 0.0,
        goal="well under 5 s",
        detail=f"medians over rounds; app p50 {paired.app_p50_ms:.1f} ms at 64 connections",
    )
