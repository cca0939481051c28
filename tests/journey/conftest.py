"""Journey fixtures: a real SMTP server on loopback (aiosmtpd), settings pointed at it, and helpers that run the
worker's real consumer and jobs in-process."""

from __future__ import annotations

import time
from typing import Any

import pytest

from plugin.app import build_event_handlers
from plugin.jobs import JobHandler, due_keys, run_due_jobs
from plugin.services import Services
from tests.smtp import Inbox, inbox, smtp_server, smtp_url
from webhooks.consumer import ConsumerOptions, EventConsumer

__all__ = ["Inbox", "inbox", "smtp_server", "smtp_url"]  # the loopback SMTP server, shared with the help tests


@pytest.fixture
def test_env(test_env: dict[str, str], smtp_url: str) -> dict[str, str]:
    test_env["UPFRONT_SMTP_URL"] = smtp_url
    test_env["UPFRONT_MAIL_FROM"] = "Upfront <mail@upfront.test>"
    return test_env


async def drain_events(services: Services) -> int:
    """Read and handle every queued event with the app's real handler registry, as a worker would."""
    # Ask for what was read at once: no other worker here to wait for (webhooks.ownership).
    consumer = EventConsumer(
        services, build_event_handlers(), ConsumerOptions(confirm_collect_s=0), name="journey-test"
    )
    handled = 0
    # One ownership confirmation per shop for each partition's batch, as a worker does.
    while found := await consumer.sweep():
        handled += found
    return handled


async def run_jobs(services: Services, handlers: dict[str, JobHandler], *, fast_forward: bool = False) -> int:
    """Run due jobs; with `fast_forward`, everything scheduled is due now (days pass in a test)."""
    if fast_forward:
        for due in due_keys(services.keys):
            members: Any = await services.redis.zrange(due, 0, -1)
            if members:
                await services.redis.zadd(due, {member: time.time() - 1 for member in members})
    return await run_due_jobs(services, handlers)


async def make_due(services: Services, job_prefix: str) -> int:
    """Only the scheduled jobs whose id starts with `job_prefix` are due now (their time has come in a test);
    returns how many."""
    moved = 0
    for due in due_keys(services.keys):
        members: Any = await services.redis.zrange(due, 0, -1)
        chosen = [m for m in members if (m.decode() if isinstance(m, bytes) else str(m)).startswith(job_prefix)]
        if chosen:
            await services.redis.zadd(due, {member: time.time() - 1 for member in chosen})
            moved += len(chosen)
    return moved
