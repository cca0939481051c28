from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import redis

from plugin.embedded_redis import EmbeddedRedis, pid_is_alive

REPO = Path(__file__).resolve().parents[2]


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


# A stand-in for `upfront dev`: owns the embedded Redis of the data dir given, then sleeps until killed.
_OWNER = """
import sys, time
from pathlib import Path
from plugin.embedded_redis import EmbeddedRedis
server = EmbeddedRedis(Path(sys.argv[1]))
server.start()
print(server.pid, flush=True)
time.sleep(3600)
"""


@contextmanager
def _owner_process(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """An app process that started the embedded Redis; yields it and the redis-server's pid."""
    process = subprocess.Popen(
        [sys.executable, "-c", _OWNER, str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        yield process, int(process.stdout.readline())
    finally:
        process.kill()
        process.wait()


def _wait_gone(pid: int) -> bool:
    deadline = time.monotonic() + 20
    while pid_is_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not pid_is_alive(pid)


def test_a_server_orphaned_by_a_kill_9_is_adopted_and_shut_down_by_the_next_start(tmp_path: Path) -> None:
    with _owner_process(tmp_path) as (owner, redis_pid):
        owner.send_signal(signal.SIGKILL)
        owner.wait()
    assert pid_is_alive(redis_pid), "the redis-server outlives its killed owner"

    restarted = EmbeddedRedis(tmp_path)
    restarted.start()
    assert restarted.owned and restarted.pid == redis_pid
    assert restarted.start_summary == f"adopted the embedded Redis left running by a previous run (pid {redis_pid})"
    _client(restarted).set("after-adoption", "kept")
    restarted.stop()
    assert _wait_gone(redis_pid), "the adopter shuts the orphan down"
    assert restarted.stop_summary is not None and "shut down cleanly" in restarted.stop_summary
    assert not (tmp_path / "redis.pid").exists()
    with EmbeddedRedis(tmp_path) as fresh:
        assert fresh.pid != redis_pid and _client(fresh).get("after-adoption") == "kept"


def test_a_joiner_leaves_a_live_owners_server_running_and_says_so(tmp_path: Path) -> None:
    with _owner_process(tmp_path) as (owner, redis_pid):
        joiner = EmbeddedRedis(tmp_path)
        joiner.start()
        assert not joiner.owned and joiner.pid == redis_pid
        joiner.stop()
        assert joiner.stop_summary == f"embedded Redis left running for process {owner.pid}"
        assert pid_is_alive(redis_pid) and _client(joiner).ping()
        owner.send_signal(signal.SIGKILL)
    adopter = EmbeddedRedis(tmp_path)
    adopter.start()  # cleans up after the killed owner, so the test leaves no server behind
    adopter.stop()
    assert _wait_gone(redis_pid)


def test_a_stale_pidfile_whose_server_is_dead_is_replaced(tmp_path: Path) -> None:
    server = EmbeddedRedis(tmp_path)
    server.start()
    old_pid = server.pid
    server.kill()
    pidfile = json.loads((tmp_path / "redis.pid").read_text())
    assert pidfile["redis"]["pid"] == old_pid, "a crash leaves the pidfile behind"

    with EmbeddedRedis(tmp_path) as restarted:
        assert restarted.owned and restarted.pid != old_pid
        assert restarted.start_summary == f"started the embedded Redis (pid {restarted.pid})"
        assert json.loads((tmp_path / "redis.pid").read_text())["redis"]["pid"] == restarted.pid


def test_a_pidfile_that_is_not_a_record_does_not_stop_a_start(tmp_path: Path) -> None:
    (tmp_path / "redis.pid").write_text("12345\n")  # a bare pid, as redis-server itself writes one
    with EmbeddedRedis(tmp_path) as server:
        assert server.owned and _client(server).ping()
    assert server.stop_summary == "embedded Redis shut down cleanly"
