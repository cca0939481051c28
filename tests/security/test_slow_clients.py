"""Slow and oversized clients against a real `upfront serve`: huge or too many headers are refused 431 without the
process growing, clients that trickle their head or body are answered 408 and cut off, a client that leaves
mid-body is one INFO line, and the app keeps serving everyone else throughout.

The deadlines are shortened through UPFRONT_HEAD_TIMEOUT / UPFRONT_BODY_TIMEOUT (seconds), as an operator may.
"""

from __future__ import annotations

import json
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.processes import free_port, output_of, process_env, running, wait_ready

pytestmark = pytest.mark.slow
SLOW_CLIENTS = 100
READ_TIMEOUT = 30.0  # generous: a bound on a hung test, not a measurement


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    port = free_port()
    env = process_env(tmp_path_factory.mktemp("data"), UPFRONT_HEAD_TIMEOUT="1", UPFRONT_BODY_TIMEOUT="1")
    with running(["serve", "--port", str(port)], env) as process:
        wait_ready(f"http://127.0.0.1:{port}", process)
        yield port, process


def connect(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=READ_TIMEOUT)


def read_until_closed(sock: socket.socket) -> bytes:
    answer = b""
    while chunk := sock.recv(65536):
        answer += chunk
    return answer


def exchange(port: int, request: bytes) -> bytes:
    with connect(port) as sock:
        sock.sendall(request)
        return read_until_closed(sock)


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def log_lines(process: subprocess.Popen[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in output_of(process).splitlines() if line.startswith("{")]


def test_a_64_kib_header_is_refused_431(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    answer = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 65536 + b"\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert answer.endswith(b"the header fields are larger than 16 KiB")


def test_150_headers_are_refused_431(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    fields = b"".join(b"X-Field-%d: v\r\n" % number for number in range(150))
    answer = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert answer.endswith(b"more than 100 header fields")


def test_a_url_over_8_kib_is_refused_414(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    answer = exchange(port, b"GET /healthz?q=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 414 "), answer[:200]


def test_100_headers_of_normal_size_are_served(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    fields = b"".join(b"X-Field-%d: %s\r\n" % (number, b"v" * 100) for number in range(98))
    answer = exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + fields + b"\r\n")
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]


def test_a_64_mib_header_is_cut_off_without_the_process_growing(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, process = server
    before = rss_mib(process.pid)
    with connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ")
        try:
            for _ in range(64):
                sock.sendall(b"a" * (1024 * 1024))
        except OSError:
            pass  # the server closed the connection while we were still sending: also a refusal
        try:
            answer = read_until_closed(sock)
        except ConnectionResetError:
            answer = b""
    grown = rss_mib(process.pid) - before
    assert answer == b"" or answer.startswith(b"HTTP/1.1 431 "), answer[:200]
    assert grown < 16, f"the server grew by {grown:.0f} MiB for one header (before: ~200 MiB for 64 MiB)"
    assert httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200


def test_a_client_trickling_its_head_gets_408_and_is_closed(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    with connect(port) as sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        answer = b""
        for _ in range(int(READ_TIMEOUT / 0.2)):  # one byte every 0.2 s, for as long as the server listens
            try:
                sock.sendall(b"a")
            except OSError:
                break
            sock.settimeout(0.2)
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                continue
            answer += chunk
            if not chunk or answer.endswith(b"in time"):
                break
        sock.settimeout(READ_TIMEOUT)
        answer += read_until_closed(sock)
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert answer.endswith(b"the request head did not arrive in time")


def test_a_connection_that_sends_nothing_is_closed(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    with connect(port) as sock:
        assert read_until_closed(sock) == b""


def test_a_body_that_stops_arriving_gets_408(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = server
    answer = exchange(port, b"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:200]
    assert answer.endswith(b"the request body did not arrive in time")


def test_a_client_leaving_mid_body_is_one_info_line(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, process = server
    path = "/webhooks/bigcommerce"
    with connect(port) as sock:
        sock.sendall(f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n".encode() + b'{"scope"')
        time.sleep(0.3)  # the endpoint is waiting for the rest
    deadline = time.monotonic() + READ_TIMEOUT
    while not (lines := [line for line in log_lines(process) if line.get("path") == path]):
        assert time.monotonic() < deadline, "the request was never logged"
        time.sleep(0.1)
    assert [(line["level"], line["status"]) for line in lines] == [("info", 499)]
    errors = [line for line in log_lines(process) if line["level"] in ("error", "critical")]
    assert errors == [], errors
    assert "Traceback" not in output_of(process)


def test_nested_json_to_a_webhook_route_is_400(server: tuple[int, subprocess.Popen[str]]) -> None:
    """The BigCommerce route reads the store from the body before it can check the secret header: anyone's input."""
    port, _ = server
    nested = b"[" * 10_000 + b"]" * 10_000
    answer = httpx.post(
        f"http://127.0.0.1:{port}/webhooks/bigcommerce", content=nested, headers={"X-Upfront-Webhook-Secret": "x"}
    )
    assert answer.status_code == 400 and answer.json() == {"error": "the JSON nests deeper than 32 levels"}


def test_the_app_keeps_serving_while_many_clients_trickle(server: tuple[int, subprocess.Popen[str]]) -> None:
    port, process = server
    base = f"http://127.0.0.1:{port}"
    slow: list[socket.socket] = []
    try:
        for index in range(SLOW_CLIENTS):
            sock = connect(port)
            if index % 2:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # headers never finish
            else:
                sock.sendall(b"POST /webhooks/shopify HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{")
            slow.append(sock)
        with httpx.Client(base_url=base, timeout=10) as client:
            answers = [client.get("/healthz").status_code for _ in range(20)]
            ready = client.get("/readyz").status_code
        # Then every one of them is answered 408 and closed by the server, none left open.
        closed = [read_until_closed(sock) for sock in slow]
    finally:
        for sock in slow:
            sock.close()
    assert answers == [200] * 20 and ready == 200
    assert all(answer.startswith(b"HTTP/1.1 408 ") for answer in closed), {answer[:40] for answer in closed}
    assert process.poll() is None, "the server is still up"


def test_upfront_dev_has_the_same_limits_and_refuses_nested_json_on_public_routes(tmp_path: Path) -> None:
    """`upfront dev` builds its server from the same configuration; its demo shops make the storefront routes
    reachable, so nested JSON meets their parser in a real process."""
    port = free_port()
    env = process_env(tmp_path / "data", UPFRONT_HEAD_TIMEOUT="1")
    for name in ("UPFRONT_SECRET_KEY", "SHOPIFY_API_SECRET", "BIGCOMMERCE_CLIENT_SECRET", "UPFRONT_APP_URL"):
        del env[name]  # dev fills in development credentials by itself
    routes = [
        "/storefront/shopify/upfront-demo.myshopify.com/events",
        "/storefront/shopify/upfront-demo.myshopify.com/help/requests",
        "/storefront/shopify/upfront-demo.myshopify.com/help/events",
        "/storefront/bigcommerce/demo123/cart-variant",
        "/webhooks/bigcommerce",
    ]
    with running(["dev", "--port", str(port)], env) as process:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process)
        fields = b"".join(b"X-Field-%d: v\r\n" % number for number in range(150))
        assert exchange(port, b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + fields + b"\r\n").startswith(b"HTTP/1.1 431 ")
        with connect(port) as sock:
            assert read_until_closed(sock) == b"", "an idle connection is closed after UPFRONT_HEAD_TIMEOUT"
        with httpx.Client(base_url=base, timeout=10, headers={"X-Upfront-Webhook-Secret": "x"}) as client:
            for path in routes:
                issue = client.post(path, content=b"[" * 1000 + b"]" * 1000)  # the 2 KB of the original report
                assert issue.status_code in (400, 413), f"{path}: {issue.status_code} {issue.text}"
                small = client.post(path, content=b"[" * 200 + b"]" * 200)  # within every route's size limit
                assert small.status_code == 400, f"{path}: {small.status_code} {small.text}"
                assert small.json()["error"] == "the JSON nests deeper than 32 levels", path
    assert "Traceback" not in output_of(process).split("Stopped")[0]
