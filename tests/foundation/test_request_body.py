"""Reading a whole body straight from `receive`: the same bytes Starlette would give, however they arrive; a client
that leaves mid-body is a disconnect, logged as one INFO line whichever reader noticed it."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message, Receive, Scope, Send

from plugin.middleware.request_id import RequestIdMiddleware
from plugin.request_body import read_body

pytestmark = pytest.mark.anyio


def request_from(*messages: Message) -> Request:
    pending = list(messages)

    async def receive() -> Message:
        return pending.pop(0)

    return Request({"type": "http", "method": "POST", "headers": []}, receive)


@pytest.mark.parametrize(
    "chunks",
    [[b'{"id": 1}'], [b'{"id"', b": ", b"1}"], [b"", b'{"id": 1}'], [b'{"id": 1}', b""], [b""]],
    ids=["one message", "three messages", "empty first", "empty last", "no body"],
)
async def test_the_body_is_every_chunk_in_order(chunks: list[bytes]) -> None:
    messages: list[Message] = [
        {"type": "http.request", "body": chunk, "more_body": index < len(chunks) - 1}
        for index, chunk in enumerate(chunks)
    ]
    assert await read_body(request_from(*messages)) == b"".join(chunks)
    assert await request_from(*messages).body() == b"".join(chunks), "the same as Starlette's own reader"


async def test_a_client_that_leaves_mid_body_is_a_disconnect() -> None:
    request = request_from({"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"})
    with pytest.raises(ClientDisconnect):
        await read_body(request)


async def _read_body(request: Request) -> bytes:
    return await read_body(request)


async def _starlette_body(request: Request) -> bytes:
    return await request.body()


async def _stream(request: Request) -> bytes:
    return b"".join([chunk async for chunk in request.stream()])


@pytest.mark.parametrize("reader", [_read_body, _starlette_body, _stream], ids=["read_body", "body()", "stream()"])
async def test_a_client_leaving_mid_body_is_one_info_line_whichever_reader_noticed(
    reader: Callable[[Request], Awaitable[bytes]], caplog: pytest.LogCaptureFixture
) -> None:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        await reader(Request(scope, receive))
        raise AssertionError("unreachable: the body never completes")

    pending: list[Message] = [{"type": "http.request", "body": b"{", "more_body": True}, {"type": "http.disconnect"}]

    async def receive() -> Message:
        return pending.pop(0)

    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": "http", "method": "POST", "path": "/webhooks/shopify", "headers": []}
    with caplog.at_level(logging.INFO):
        await RequestIdMiddleware(endpoint)(scope, receive, send)
    records = [(record.name, record.levelname, getattr(record, "status", None)) for record in caplog.records]
    assert records == [("upfront.access", "INFO", 499)]
    assert sent == [], "no answer: nobody is there to read it"


@pytest.mark.parametrize(
    ("method", "path", "status", "level"),
    [
        ("GET", "/storefront/shopify/demo.myshopify.com/estimate", 200, "DEBUG"),  # a shopper's read
        ("OPTIONS", "/storefront/shopify/demo.myshopify.com/estimate", 204, "DEBUG"),
        ("GET", "/storefront/shopify/demo.myshopify.com/estimate", 400, "INFO"),  # a failure is told
        ("POST", "/storefront/shopify/demo.myshopify.com/events", 202, "INFO"),  # a write is told
        ("GET", "/admin/", 200, "INFO"),
        ("POST", "/webhooks/shopify", 200, "INFO"),
    ],
)
async def test_a_shoppers_successful_storefront_read_is_logged_at_debug_everything_else_at_info(
    method: str, path: str, status: int, level: str, caplog: pytest.LogCaptureFixture
) -> None:
    async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        pass

    with caplog.at_level(logging.DEBUG):
        await RequestIdMiddleware(endpoint)(
            {"type": "http", "method": method, "path": path, "headers": []}, receive, send
        )
    assert [(record.name, record.levelname) for record in caplog.records] == [("upfront.access", level)]
