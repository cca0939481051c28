from __future__ import annotations

from pathlib import Path

import pytest
import redis

from plugin.embedded_redis import EmbeddedRedis, pid_is_alive


def _client(server: EmbeddedRedis) -> redis.Redis:
    return redis.Redis(unix_socket_path=str(server.socket_path), decode_responses=True)


def test_data_written_before_a_clean_restart_is_there_after_it(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as server:
        _client(server).set("greeting", "hello")
    assert not server.socket_path.exists() or not _client_answers(server)
    with EmbeddedRedis(tmp_path) as server:
        assert _client(server).get("greeting") == "hello"


def test_acknowledged_writes_survive_sigkill(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    server.start()
    client = _client(server)
    for index in range(200):
        client.xadd("events", {"n": str(index)})
    pid = server.pid
    server.kill()
    assert pid is not None and not pid_is_alive(pid)
    with EmbeddedRedis(tmp_path) as restarted:
        assert _client(restarted).xlen("events") == 200


def test_a_second_process_joins_the_running_server_and_leaves_it_running(tmp_path: Path) -> None:
    with EmbeddedRedis(tmp_path) as owner:
        joiner = EmbeddedRedis(tmp_path)
        assert joiner.start() == owner.url
        assert not joiner.owned
        joiner.stop()
        assert _client(owner).ping()


def test_long_data_dirs_still_get_a_usable_socket(tmp_path: Path) -> None:
    deep = tmp_path / ("d" * 60) / ("e" * 60)
    with EmbeddedRedis(deep) as server:
        assert len(str(server.socket_path)) <= 100
        assert _client(server).ping()


def test_a_broken_data_dir_fails_with_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    with pytest.raises(OSError):
        EmbeddedRedis(blocker).start()


def _client_answers(server: EmbeddedRedis) -> bool:
    try:
        return bool(_client(server).ping())
    except redis.ConnectionError:
        return False
