"""Serving apps for load tests: each in its own uvicorn process on loopback, the same way for app and baseline."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serve(
    factory: str, env: dict[str, str], ready_path: str = "/healthz", *, production: bool = False
) -> Iterator[str]:
    """Run `uvicorn --factory <factory>` in a child process; yields its base URL once it answers.
    `production`: served with `upfront serve`'s server configuration instead (bench.production_server)."""
    port = free_port()
    command = (
        [sys.executable, "-m", "bench.production_server", factory, str(port)]
        if production
        else [
            sys.executable, "-m", "uvicorn", "--factory", factory, "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", "--no-access-log",
        ]
    )  # fmt: skip
    # A production server logs a JSON line per request to stderr: into a file, as a log collector would take them.
    log = tempfile.TemporaryFile() if production else None  # noqa: SIM115 (closed below, after the process)
    process = subprocess.Popen(
        command, cwd=REPO, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=log or None
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + ready_path, timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{factory} did not start")
            time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
        if log is not None:
            log.close()
