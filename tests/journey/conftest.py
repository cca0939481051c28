"""Journey fixtures: a real SMTP server on loopback (aiosmtpd), settings pointed at it, and helpers that run the
worker's real consumer and jobs in-process."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from plugin.app import build_event_handlers
from plugin.jobs import JobHandler, due_key, run_due_jobs
from plugin.services import Services
from webhooks import stream
from webhooks.consumer import EventConsumer
from webhooks.stream import StreamKeys


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and can defer (4xx) or refuse (5xx) on demand."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.defer_next: list[str] = []  # DATA replies to give instead of accepting, e.g. "451 4.3.0 busy"
        self.refused: set[str] = set()
        self.sessions = 0
        self._lock = threading.Lock()

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.sessions += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refused:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.defer_next:
                return self.defer_next.pop(0)
            parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in str(message["To"])]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Iterator[Inbox]:
    inbox = smtp_server[0]
    inbox.messages.clear()
    inbox.defer_next.clear()
    inbox.refused.clear()
    yield inbox


@pytest.fixture
def smtp_url(smtp_server: tuple[Inbox, int]) -> str:
    return f"smtp://127.0.0.1:{smtp_server[1]}"


@pytest.fixture
def test_env(test_env: dict[str, str], smtp_url: str) -> dict[str, str]:
    test_env["UPFRONT_SMTP_URL"] = smtp_url
    test_env["UPFRONT_MAIL_FROM"] = "Upfront <mail@upfront.test>"
    return test_env


async def drain_events(services: Services) -> int:
    """Read and handle every queued event with the app's real handler registry, as a worker would."""
    consumer = EventConsumer(services, build_event_handlers(), name="journey-test")
    keys = StreamKeys.of(services.keys)
    await stream.ensure_group(services.redis, keys)
    handled = 0
    while entries := await stream.read_new(services.redis, keys, consumer.name, count=100, block_ms=10):
        for entry in entries:
            await consumer.handle(entry)
            handled += 1
    return handled


async def run_jobs(services: Services, handlers: dict[str, JobHandler], *, fast_forward: bool = False) -> int:
    """Run due jobs; with `fast_forward`, everything scheduled is due now (days pass in a test)."""
    if fast_forward:
        due = due_key(services.keys)
        members: Any = await services.redis.zrange(due, 0, -1)
        if members:
            await services.redis.zadd(due, {member: time.time() - 1 for member in members})
    return await run_due_jobs(services, handlers)
