"""Storefront weight and speed: gzipped bytes the app adds before the shopper interacts (script + the fragments it
fetches on the demo product page) against the 10 KB budget, and Lighthouse's performance score of that page with
the app against the same page without it (`?app=off`), when `npx lighthouse` and Debian chromium are available.

Both run against the real app plus the dev storefront in a uvicorn child process with its own embedded Redis.
"""

from __future__ import annotations

import gzip
import json
import os
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.routing import Mount

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure  # noqa: E402
from bench.servers import serve  # noqa: E402
from plugin.app import create_app  # noqa: E402
from plugin.devstore.storefront import seed_demo_shop, storefront_routes  # noqa: E402
from plugin.settings import load_settings  # noqa: E402

BUDGET_KB = 10.0
GOAL_KB = 5.0
PRODUCT_PAGE = "/devstore/products/canvas-tote"
LIGHTHOUSE = "lighthouse@12"
LIGHTHOUSE_RUNS = 3
CHROMIUM = "/usr/bin/chromium"
CHROME_FLAGS = (
    "--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update "
    "--disable-sync --no-first-run --disable-quic"
)


def create_demo_app() -> Starlette:
    """`uvicorn --factory bench.storefront:create_demo_app`: the app, the dev storefront, the demo shop seeded."""
    app = create_app(load_settings())
    app.router.routes.append(Mount("/devstore", routes=storefront_routes()))
    opened = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(started: Starlette) -> AsyncIterator[Any]:
        async with opened(started) as state:
            assert state is not None, "the app's lifespan yields its services"
            await seed_demo_shop(state["services"], install=True)
            yield state

    app.router.lifespan_context = lifespan
    return app


class _PageParts(HTMLParser):
    """The app embed's script tag and the reserved slots, as the storefront script would find them."""

    def __init__(self) -> None:
        super().__init__()
        self.script: dict[str, str] = {}
        self.slots: list[dict[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "script" and "data-upfront-proxy" in found:
            self.script = found
        if "data-upfront-slot" in found:
            self.slots.append(found)


def _fragment_requests(parts: _PageParts) -> list[tuple[str, dict[str, str]]]:
    proxy = parts.script["data-upfront-proxy"]
    requests = []
    for slot in parts.slots:
        kind = slot["data-upfront-slot"]
        params = {"locale": parts.script.get("data-upfront-locale", "en"), "bucket": "99"}
        params["placement"] = slot.get("data-upfront-placement", "product")
        if kind == "estimate":
            params["country"] = parts.script.get("data-upfront-country", "")
            for attribute, name in (
                ("data-upfront-subtotal", "subtotal"),
                ("data-upfront-weight-g", "weight_g"),
                ("data-upfront-item-count", "item_count"),
                ("data-upfront-currency", "currency"),
            ):
                if slot.get(attribute):
                    params[name] = slot[attribute]
        requests.append((f"{proxy}/widgets/{kind}", params))
    return requests


def bytes_before_interaction(base: str) -> Figure:
    with httpx.Client(base_url=base, timeout=10) as client:
        parts = _PageParts()
        parts.feed(client.get(PRODUCT_PAGE).text)
        script = client.get(parts.script["src"], headers={"Accept-Encoding": "gzip"})
        script_bytes = script.num_bytes_downloaded
        fragment_bytes = 0
        for path, params in _fragment_requests(parts):
            body = client.get(path, params=params).content
            fragment_bytes += len(gzip.compress(body, compresslevel=6, mtime=0))  # as any compressing proxy sends it
    total_kb = (script_bytes + fragment_bytes) / 1024
    return Figure(
        name="storefront bytes (gz)",
        value=total_kb,
        unit="KB",
        baseline=BUDGET_KB,
        baseline_label="budget",
        ratio=total_kb / BUDGET_KB,
        goal=f"ratio <= 1.00 (aim {GOAL_KB:.0f} KB)",
        detail=f"script {script_bytes / 1024:.2f} KB + {len(parts.slots)} fragments {fragment_bytes / 1024:.2f} KB",
    )


def _lighthouse_score(url: str, npx: str) -> float:
    completed = subprocess.run(
        [
            npx,
            "--yes",
            LIGHTHOUSE,
            url,
            "--only-categories=performance",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
        ],
        env={**os.environ, "CHROME_PATH": CHROMIUM},
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if completed.returncode != 0:
        raise RuntimeError((completed.stderr.strip().splitlines() or ["no output"])[-1])
    report = json.loads(completed.stdout)
    score = report["categories"]["performance"]["score"]
    if score is None:
        raise RuntimeError("Lighthouse gave no performance score: " + str(report.get("runtimeError")))
    return float(score) * 100


def lighthouse_unavailable() -> str | None:
    if shutil.which("npx") is None:
        return "npx is not installed (Node.js and npm)"
    if not Path(CHROMIUM).is_file():
        return f"Debian chromium is not at {CHROMIUM} (apt-get install chromium)"
    return None


def lighthouse(base: str) -> Figure:
    npx = str(shutil.which("npx"))
    with_app, without_app = [], []
    for _ in range(LIGHTHOUSE_RUNS):  # alternate, so drift on the machine hits both alike
        with_app.append(_lighthouse_score(base + PRODUCT_PAGE, npx))
        without_app.append(_lighthouse_score(base + PRODUCT_PAGE + "?app=off", npx))
    score, baseline = statistics.median(with_app), statistics.median(without_app)
    return Figure(
        name="lighthouse product page",
        value=score,
        unit="score",
        baseline=baseline,
        baseline_label="without the app",
        ratio=score / baseline if baseline else 0.0,
        goal="drop <= 10 points",
        detail=f"drop {baseline - score:.0f} points; median of {LIGHTHOUSE_RUNS} runs each",
    )


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory(prefix="upfront-bench-storefront-") as data_dir:
        env = {
            "UPFRONT_REDIS_URL": "",
            "UPFRONT_DATA_DIR": data_dir,
            "UPFRONT_SECRET_KEY": secrets.token_urlsafe(48),
            "SHOPIFY_API_SECRET": "bench-shopify-secret",
            "BIGCOMMERCE_CLIENT_SECRET": "bench-bigcommerce-secret",
            "UPFRONT_LOG_LEVEL": "WARNING",
        }
        with serve("bench.storefront:create_demo_app", env, ready_path=PRODUCT_PAGE) as base:
            figures = [bytes_before_interaction(base)]
            reason = lighthouse_unavailable()
            if reason is None:
                try:
                    figures.append(lighthouse(base))
                except (RuntimeError, subprocess.TimeoutExpired, ValueError, KeyError) as exc:
                    reason = f"Lighthouse could not run: {exc}"
            if reason is not None:
                print(f"storefront lighthouse: skipped: {reason}", file=sys.stderr, flush=True)
    return figures


if __name__ == "__main__":
    for figure in measure():
        print(figure.line())
