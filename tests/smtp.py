"""A real SMTP server on loopback (aiosmtpd) that keeps what it accepts, for the suites that send mail."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Inbox:
    """An aiosmtpd handler that keeps what it accepts and can defer (4xx) or refuse (5xx) on demand. The journey suite
    defers once (`defer_next`) and refuses recipients (`refused`); the help suite refuses every message
    (`refuse_with`)."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.defer_next: list[str] = []  # DATA replies to give instead of accepting, e.g. "451 4.3.0 busy"
        self.refuse_with: str | None = None  # a DATA reply instead of accepting every time, e.g. "550 5.7.1 no"
        self.refused: set[str] = set()
        self.sessions = 0
        self._lock = threading.Lock()

    def reset(self) -> None:
        """Forget what earlier tests received and asked for (the session count keeps running)."""
        self.messages.clear()
        self.defer_next.clear()
        self.refuse_with = None
        self.refused.clear()

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
        envelope.rcpt_options.extend(options)  # what aiosmtpd does when a handler has no RCPT hook
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self._lock:
            if self.defer_next:
                return self.defer_next.pop(0)
            if self.refuse_with:
                return self.refuse_with
            parsed = message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)
            assert isinstance(parsed, EmailMessage)
            self.messages.append(parsed)
        return "250 2.0.0 accepted"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if address in str(message["To"])]


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Inbox, int]]:
    # The test's own mail server narrates every SMTP command at INFO; the app's logs are what the tests are about.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def inbox(smtp_server: tuple[Inbox, int]) -> Inbox:
    smtp_server[0].reset()
    return smtp_server[0]


@pytest.fixture
def smtp_url(smtp_server: tuple[Inbox, int]) -> str:
    return f"smtp://127.0.0.1:{smtp_server[1]}"
