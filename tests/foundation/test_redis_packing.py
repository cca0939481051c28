"""Commands packed in C must be the very bytes redis-py would send, and refuse what redis-py refuses."""

from __future__ import annotations

from typing import Any

import pytest
from redis.asyncio.connection import Connection, SSLConnection, UnixDomainSocketConnection
from redis.exceptions import DataError

from plugin.redis_packing import (
    PackedConnection,
    PackedSSLConnection,
    PackedUnixDomainSocketConnection,
)
from plugin.storage import connect

COMMANDS: list[tuple[Any, ...]] = [
    ("SET", "key", "value"),
    ("EVAL", "return redis.call('GET', KEYS[1])", 1, "up:{events}:x", 604800, "ünïcödé", b"\x00\xffraw"),
    ("ZADD", "due", 1795347155.4288628, "member", -0.1, "other", 1e20, "big"),
    ("SET", "key", 10**30),
    ("SET", "key", float("inf")),
    ("SET", "key", memoryview(b"viewed")),
    ("CONFIG GET", "maxmemory"),  # two words on the wire
    (b"CLIENT SETNAME", b"upfront"),
    ("SET", "big", "x" * 100_000),  # over redis-py's chunking cutoff
]


def _wire(parts: list[bytes] | list[bytes | memoryview]) -> bytes:
    return b"".join(bytes(part) for part in parts)


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: str(command[0]))
def test_the_same_bytes_as_redis_py(command: tuple[Any, ...]) -> None:
    assert _wire(PackedConnection().pack_command(*command)) == _wire(Connection().pack_command(*command))


@pytest.mark.parametrize("value", [None, True, [1], {"a": 1}])
def test_what_redis_py_refuses_is_refused_the_same_way(value: object) -> None:
    with pytest.raises(DataError):
        PackedConnection().pack_command("SET", "key", value)


def test_pipelines_pack_through_the_same_path() -> None:
    commands = [("SET", "a", "1"), ("GET", "a"), ("CONFIG GET", "maxmemory")]
    expected = _wire(Connection().pack_commands(commands))
    assert _wire(PackedConnection().pack_commands(commands)) == expected


@pytest.mark.parametrize(
    ("url", "plain", "packed"),
    [
        ("redis://localhost:6379/0", Connection, PackedConnection),
        ("rediss://localhost:6380/0", SSLConnection, PackedSSLConnection),
        ("unix:///tmp/redis.sock", UnixDomainSocketConnection, PackedUnixDomainSocketConnection),
    ],
)
def test_every_kind_of_url_gets_the_c_packing_variant_of_its_connection(
    url: str, plain: type[Connection], packed: type[Connection]
) -> None:
    connection_class = connect(url).connection_pool.connection_class
    assert connection_class is packed
    assert issubclass(connection_class, plain)
