"""Slow clients (slowloris-style trickled headers and bodies) never stop the app from serving everyone else."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, process_env, running, wait_ready

pytestmark = pytest.mark.slow
SLOW_CLIENTS = 100


def test_the_app_keeps_serving_while_many_clients_trickle(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with running(["serve", "--port", str(port)], process_env(tmp_path / "data")) as process:
        wait_ready(base, process)
        slow: list[socket.socket] = []
        try:
            for index in range(SLOW_CLIENTS):
                sock = socket.create_connection(("127.0.0.1", port), timeout=5)
                if index % 2:
                    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # headers never finish
                else:
                    sock.sendall(b"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
                slow.append(sock)
            with httpx.Client(base_url=base, timeout=10) as client:
                answers = [client.get("/healthz").status_code for _ in range(20)]
                ready = client.get("/readyz").status_code
        finally:
            for sock in slow:
                sock.close()
        assert answers == [200] * 20 and ready == 200
        assert process.poll() is None, "the server is still up"
