"""Request-head limits and slow-client deadlines, enforced while uvicorn's httptools parser reads the bytes.

They have to live here, not in ASGI middleware: the parser buffers a header until it is complete and only then
hands the request to the app, so a middleware would first hold a 64 MB header in memory and could never see a
client that trickles its headers. Here a head over the limits is answered 431 (414 for the URL) as soon as it
crosses them, and a connection that does not finish its head or body in time is answered 408 and closed.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from enum import Enum
from typing import ClassVar

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger("upfront.http")

# After refusing a head, keep reading (and dropping) what the client still sends for a moment, so that closing does
# not reset the connection before the client has read the answer.
LINGER_SECONDS = 2.0


@dataclass(frozen=True)
class HeadLimits:
    max_fields: int = 100
    max_field_bytes: int = 16 * 1024  # every header name and value together
    max_url_bytes: int = 8 * 1024
    # The raw head as it arrives, request line and separators included: what the parser may buffer at most.
    max_head_bytes: int = 32 * 1024
    head_timeout: float = 10.0  # from the connection (or the request's first byte) to the end of its head
    body_timeout: float = 30.0  # from the end of the head to the end of the body


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class _Phase(Enum):
    IDLE = 0  # between requests (uvicorn's keep-alive timeout applies) or not yet started
    HEAD = 1
    BODY = 2


_REASON_PHRASES = {408: "Request Timeout", 414: "URI Too Long", 431: "Request Header Fields Too Large"}


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with head limits and head/body deadlines (see `limited_protocol`)."""

    limits: ClassVar[HeadLimits] = HeadLimits()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        self._phase = _Phase.IDLE
        self._head_bytes = 0  # of the unfinished head, counted between chunks
        self._chunk_bytes = 0  # of the chunk being parsed
        self._refused = False
        self._deadline: asyncio.TimerHandle | None = None
        super().connection_made(transport)
        # A connection that never sends a whole request is closed too, not kept forever.
        self._arm(self.limits.head_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return  # answered already: what the client still sends is dropped until it leaves
        self._unset_keepalive_if_required()
        self._chunk_bytes = len(data)
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as exc:
            if isinstance(exc.__context__, _Refused):
                self._refuse(exc.__context__.status, exc.__context__.reason)
            else:
                self._invalid()
            return
        except httptools.HttpParserError:
            self._invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        if self._phase is _Phase.HEAD:
            # The parser holds an unfinished header value whole: bound what it may hold.
            self._head_bytes += len(data)
            if self._head_bytes > self.limits.max_head_bytes:
                self._refuse(431, f"the request head is larger than {self.limits.max_head_bytes // 1024} KiB")
            elif self._deadline is None:
                self._arm(self.limits.head_timeout)
        elif self._phase is _Phase.BODY and self._deadline is None:
            self._arm(self.limits.body_timeout)  # only a body that does not arrive with its head needs a deadline

    # Parser callbacks

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._phase = _Phase.HEAD
        self._head_bytes = 0

    def on_headers_complete(self) -> None:
        # Checked once the head is whole (memory is bounded meanwhile by the raw count in `data_received`); a head
        # that arrived in fewer bytes than the URL and field limits cannot exceed them: most requests skip the sums.
        limits = self.limits
        if len(self.headers) > limits.max_fields:
            raise _Refused(431, f"more than {limits.max_fields} header fields")
        if self._head_bytes + self._chunk_bytes > min(limits.max_url_bytes, limits.max_field_bytes):
            if len(self.url) > limits.max_url_bytes:
                raise _Refused(414, f"the URL is longer than {limits.max_url_bytes // 1024} KiB")
            if sum(len(name) + len(value) for name, value in self.headers) > limits.max_field_bytes:
                raise _Refused(431, f"the header fields are larger than {limits.max_field_bytes // 1024} KiB")
        self._phase = _Phase.BODY
        self._disarm()
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        self._phase = _Phase.IDLE
        self._disarm()
        super().on_message_complete()

    # Deadlines and refusals

    def _arm(self, seconds: float) -> None:
        self._deadline = self.loop.call_later(seconds, self._timed_out)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _timed_out(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self._phase is _Phase.IDLE:
            self.transport.close()  # nothing of a request arrived: there is no one to answer
            return
        cycle = self.cycle if self._phase is _Phase.BODY else None
        what = "head" if cycle is None else "body"
        log.info("slow client cut off", extra={"phase": what, "client": _client(self.client)})
        if cycle is not None:
            # The app is waiting for the rest of the body: it sees a disconnect, and can no longer answer.
            started = cycle.response_started
            cycle.disconnected = True
            cycle.message_event.set()
            if started:
                self.transport.close()
                return
        self._answer(408, f"the request {what} did not arrive in time")
        self.transport.close()

    def _refuse(self, status: int, reason: str) -> None:
        self._refused = True
        self._disarm()
        log.info("request head refused", extra={"status": status, "reason": reason, "client": _client(self.client)})
        self._answer(status, reason)
        if self.transport.can_write_eof():
            self.transport.write_eof()
        self.loop.call_later(LINGER_SECONDS, self.transport.close)

    def _invalid(self) -> None:
        self.logger.warning("Invalid HTTP request received.")
        self.send_400_response("Invalid HTTP request received.")

    def _answer(self, status: int, reason: str) -> None:
        body = reason.encode()
        self.transport.write(
            b"HTTP/1.1 %d %s\r\n" % (status, _REASON_PHRASES[status].encode())
            + b"content-type: text/plain; charset=utf-8\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body)
            + body
        )


def _client(address: tuple[str, int] | None) -> str:
    return f"{address[0]}:{address[1]}" if address else "-"


def limited_protocol(limits: HeadLimits) -> type[LimitedHttpToolsProtocol]:
    """The protocol class for uvicorn's `http=` setting, carrying `limits` (uvicorn builds it with fixed arguments)."""
    return type("LimitedHttpToolsProtocol", (LimitedHttpToolsProtocol,), {"limits": limits})
