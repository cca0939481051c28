"""Reading a whole body straight from `receive`: the same bytes Starlette would give, however they arrive."""

from __future__ import annotations

import pytest
from starlette.requests import ClientDisconnect, Request
from starlette.types import Message

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
