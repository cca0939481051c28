"""Benchmark: post-purchase messages rendered and queued per second on one core, against an in-run baseline.

One message = the stage's merchant texts in the sandbox, the layout (HTML + text) with CSS inlined, the MIME message
with its headers, and its hand-off to the dev outbox in a real (embedded) Redis, sealed. The baseline renders a bare
Jinja2 template of the same size as the message's HTML, in the same process and run.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

# Runnable as `python bench/messages.py` from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from jinja2 import Environment  # noqa: E402

from bench.figures import Figure  # noqa: E402
from plugin.app import build_services  # noqa: E402
from plugin.email.compose import MessageLinks, build_email, content_for_order  # noqa: E402
from plugin.email.journey_settings import JourneySettings, StageSettings, TemplateOverride  # noqa: E402
from plugin.email.outbox import OutboxMailer  # noqa: E402
from plugin.email.preview import sample_order  # noqa: E402
from plugin.email.render import render_message  # noqa: E402
from plugin.email.stages import Stage  # noqa: E402
from plugin.email.transport import OutgoingMessage  # noqa: E402
from plugin.embedded_redis import EmbeddedRedis  # noqa: E402
from plugin.keys import ShopRef  # noqa: E402
from plugin.platform import ShopFacts  # noqa: E402
from plugin.settings import load_settings  # noqa: E402
from plugin.storage import connect  # noqa: E402

SHOP = ShopRef("shopify", "bench.myshopify.com")
BATCHES = 15
BATCH_SIZE = 40
STAGES = (Stage.CONFIRMED, Stage.SHIPPED, Stage.DELIVERED, Stage.FEEDBACK)


def _settings() -> JourneySettings:
    override = TemplateOverride(subject="Your order {{ order.name }} from {{ shop.name }} is on its way")
    return JourneySettings(stages={Stage.SHIPPED: StageSettings(overrides={"en": override})})


def _median_per_second(samples: list[float]) -> float:
    return BATCH_SIZE / statistics.median(samples)


async def _run(redis_url: str) -> tuple[float, float, int]:
    env = {"UPFRONT_SECRET_KEY": "bench-secret-" + "k" * 32, "UPFRONT_APP_URL": "https://upfront.bench"}
    settings = replace(load_settings(env), key_prefix="bench" + os.urandom(4).hex())
    redis = connect(redis_url)
    async with httpx.AsyncClient() as http:
        services = build_services(settings, redis, http)
        facts = ShopFacts(SHOP, "Bench Shop", "EUR", "Europe/Berlin", "DE", email="owner@bench.test")
        journey = _settings()
        mailer = OutboxMailer()
        order = sample_order(SHOP, now=datetime(2026, 11, 22, 10, tzinfo=UTC))
        links = MessageLinks("https://upfront.bench/u?t=x", "https://upfront.bench/p?t=x", ((1, "a"), (5, "b")))

        async def one(i: int) -> int:
            stage = STAGES[i % len(STAGES)]
            content = content_for_order(
                order, stage=stage, locale="en" if i % 2 else "de", facts=facts, settings=journey, links=links
            )
            rendered = render_message(content, journey.override(stage, content.locale))
            email = build_email(
                settings,
                shop_name=facts.name,
                to="customer@example.com",
                rendered=rendered,
                message_id=f"<bench{i}@upfront.bench>",
                marketing=stage is Stage.FEEDBACK,
                unsubscribe_url=links.unsubscribe,
            )
            await mailer.deliver(
                services, OutgoingMessage(SHOP, email, ("customer@example.com",), f"r{i}", stage.value)
            )
            return len(rendered.html)

        sizes = [await one(i) for i in range(BATCH_SIZE)]  # warm caches: templates, Babel, css inliner
        samples = []
        for _ in range(BATCHES):
            started = time.perf_counter()
            for i in range(BATCH_SIZE):
                await one(i)
            samples.append(time.perf_counter() - started)
        value = _median_per_second(samples)

        size = int(statistics.mean(sizes))
        bare = Environment(autoescape=True).from_string(
            "<html><body><p>{{ greeting }}</p>" + "<p>{{ text }}</p>" * (size // 40) + "</body></html>"
        )
        baseline_samples = []
        for _ in range(BATCHES):
            started = time.perf_counter()
            for i in range(BATCH_SIZE):
                bare.render(greeting=f"Hi {i}", text="Your order is on its way.")
            baseline_samples.append(time.perf_counter() - started)
        baseline = _median_per_second(baseline_samples)
        keys = [key async for key in redis.scan_iter(match=f"{settings.key_prefix}:*")]
        if keys:
            await redis.delete(*keys)
    await redis.aclose()
    return value, baseline, size


def measure() -> list[Figure]:
    with tempfile.TemporaryDirectory() as data_dir:
        server = EmbeddedRedis(Path(data_dir))
        url = server.start()
        try:
            value, baseline, size = asyncio.run(_run(url))
        finally:
            server.stop()
    return [
        Figure(
            name="messages rendered+queued",
            value=value,
            unit="msg/s/core",
            baseline=baseline,
            baseline_label=f"bare Jinja2 render, {size / 1000:.1f} KB",
            ratio=value / baseline,
            goal="> 200 msg/s/core",
            detail="sandboxed merchant text, HTML+text, CSS inlined, MIME, sealed into Redis",
        )
    ]


if __name__ == "__main__":
    for figure in measure():
        print(figure.line())
