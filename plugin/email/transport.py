"""Delivery: SMTP through aiosmtplib (one reused connection per worker), or the dev outbox when no SMTP URL is set.

Failures are classified once, here: a 4xx reply, a refused or dropped connection or a timeout is transient (the
job system retries with backoff); a 5xx reply is permanent and recorded. Authentication failures count as transient:
they are a configuration problem the operator fixes, not a property of the message.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parseaddr
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib

from plugin.keys import ShopRef
from plugin.services import Services

log = logging.getLogger(__name__)

IDLE_CHECK_SECONDS = 5.0  # a connection idle longer than this is checked with NOOP before it carries a message
SMTP_TIMEOUT_SECONDS = 30.0


class DeliveryError(Exception):
    """Sending failed. `code` is the SMTP reply code when the server gave one."""

    retryable = False

    def __init__(self, reason: str, *, code: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientDeliveryError(DeliveryError):
    retryable = True


class PermanentDeliveryError(DeliveryError):
    retryable = False


@dataclass(frozen=True)
class OutgoingMessage:
    """A message ready to go, and whose personal data it carries (so a dev outbox copy can be erased)."""

    shop: ShopRef
    message: EmailMessage
    recipients: tuple[str, ...]
    reference: str  # the message reference (plugin.email.records) or a test-send id
    kind: str  # the stage, "alert" or "test"
    subject_key: str | None = None  # pseudonymous key of the person it is about


class Mailer(Protocol):
    async def deliver(self, services: Services, outgoing: OutgoingMessage) -> None:
        """Hand the message over; raises TransientDeliveryError or PermanentDeliveryError."""
        ...

    async def aclose(self) -> None: ...


@dataclass(frozen=True)
class SmtpTarget:
    hostname: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpTarget:
        parts = urlsplit(url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("an SMTP URL looks like smtp://user:pass@host:port or smtps://...")
        use_tls = parts.scheme == "smtps"
        return cls(
            hostname=parts.hostname,
            port=parts.port or (465 if use_tls else 25),
            use_tls=use_tls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def _classify(exc: Exception) -> DeliveryError:
    if isinstance(exc, aiosmtplib.SMTPRecipientsRefused):
        codes = [refused.code for refused in exc.recipients]
        if codes and all(code >= 500 for code in codes):
            return PermanentDeliveryError(f"recipient refused: {codes[0]}", code=codes[0])
        return TransientDeliveryError(f"recipient deferred: {codes[:1]}", code=codes[0] if codes else None)
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return TransientDeliveryError(f"SMTP authentication failed ({exc.code})", code=exc.code)
    if isinstance(exc, aiosmtplib.SMTPResponseException):
        if 500 <= exc.code < 600:
            return PermanentDeliveryError(f"refused: {exc.code} {exc.message[:200]}", code=exc.code)
        return TransientDeliveryError(f"deferred: {exc.code} {exc.message[:200]}", code=exc.code)
    return TransientDeliveryError(f"connection problem: {type(exc).__name__}")


class SmtpMailer:
    """One SMTP connection per worker (per event loop), reused message after message and reopened when lost."""

    def __init__(self, url: str, *, local_hostname: str | None = None, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
        self.target = SmtpTarget.parse(url)
        self.local_hostname = local_hostname
        self.timeout = timeout
        self.connections_opened = 0
        self._client: aiosmtplib.SMTP | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._lock = asyncio.Lock()
        self._last_used = 0.0

    async def _connection(self) -> aiosmtplib.SMTP:
        client = self._client
        if client is not None and client.is_connected:
            if time.monotonic() - self._last_used <= IDLE_CHECK_SECONDS:
                return client
            try:
                await client.noop()
                return client
            except (aiosmtplib.SMTPException, OSError):
                await self._drop()
        client = aiosmtplib.SMTP(
            hostname=self.target.hostname,
            port=self.target.port,
            username=self.target.username,
            password=self.target.password,
            use_tls=self.target.use_tls,
            local_hostname=self.local_hostname,
            timeout=self.timeout,
        )
        await client.connect()
        self.connections_opened += 1
        self._client = client
        return client

    async def _drop(self) -> None:
        client, self._client = self._client, None
        if client is not None and client.is_connected:
            try:
                client.close()
            except Exception:  # closing a broken connection must not hide why it broke
                log.debug("closing the SMTP connection failed", exc_info=True)

    async def deliver(self, services: Services, outgoing: OutgoingMessage) -> None:
        loop = asyncio.get_running_loop()
        if self._loop is not loop:  # a connection belongs to the loop that opened it
            self._client, self._loop, self._lock = None, loop, asyncio.Lock()
        sender = parseaddr(str(outgoing.message["From"]))[1]
        async with self._lock:
            try:
                client = await self._connection()
                await client.send_message(outgoing.message, sender=sender, recipients=list(outgoing.recipients))
            except (aiosmtplib.SMTPException, OSError, TimeoutError) as exc:
                await self._drop()  # after any failure the session state is unknown: start clean next time
                raise _classify(exc) from exc
            finally:
                self._last_used = time.monotonic()

    async def aclose(self) -> None:
        client = self._client
        self._client = None
        if client is not None and client.is_connected:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
