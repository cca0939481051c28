"""The `upfront` command as an operator runs it: real processes, real embedded Redis, real HTTP."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import redis

from plugin.embedded_redis import EmbeddedRedis
from tests.conftest import BIGCOMMERCE_SECRET, SHOPIFY_SECRET, TEST_SECRET_KEY
from tests.processes import (
    REPO,
    START_TIMEOUT,
    UPFRONT,
    free_port,
    metric,
    output_of,
    process_env,
    running,
    wait_for_metric,
    wait_ready,
)


def test_check_names_a_missing_shopify_secret_and_exits_1(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    del env["SHOPIFY_API_SECRET"]
    result = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "SHOPIFY_API_SECRET is not set" in result.stdout


def test_check_summarises_a_complete_setup_without_printing_secrets(tmp_path: Path) -> None:
    result = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=process_env(tmp_path), capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "ready to run" in result.stdout
    assert "embedded" in result.stdout
    for secret in (TEST_SECRET_KEY, SHOPIFY_SECRET, BIGCOMMERCE_SECRET):
        assert secret not in result.stdout


def test_check_reports_an_unreachable_redis(tmp_path: Path) -> None:
    env = process_env(tmp_path, UPFRONT_REDIS_URL=f"unix://{tmp_path}/nothing-here.sock")
    result = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "UPFRONT_REDIS_URL does not answer" in result.stdout


def test_serve_refuses_to_start_without_secrets(tmp_path: Path) -> None:
    env = process_env(tmp_path)
    del env["UPFRONT_SECRET_KEY"]
    result = subprocess.run([*UPFRONT, "serve"], cwd=REPO, env=env, capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert "UPFRONT_SECRET_KEY is not set" in result.stderr


def test_serve_without_a_redis_url_uses_embedded_redis_and_data_survives_a_restart(tmp_path: Path) -> None:
    port = free_port()
    env = process_env(tmp_path / "data")
    socket_path = EmbeddedRedis(tmp_path / "data").socket_path
    with running(["serve", "--port", str(port)], env) as process:
        assert wait_ready(f"http://127.0.0.1:{port}", process).json()["redis"] == "up"
        redis.Redis(unix_socket_path=str(socket_path)).set("survives", "yes")
    assert process.returncode == 0 or process.returncode == -signal.SIGINT
    assert not socket_path.exists(), "the embedded Redis must shut down with the server"
    with running(["serve", "--port", str(port)], env) as process:
        wait_ready(f"http://127.0.0.1:{port}", process)
        assert redis.Redis(unix_socket_path=str(socket_path)).get("survives") == b"yes"


def test_dev_serves_health_and_readiness_and_stops_cleanly(tmp_path: Path) -> None:
    port = free_port()
    env = process_env(tmp_path / "data")
    for name in ("UPFRONT_SECRET_KEY", "SHOPIFY_API_SECRET", "BIGCOMMERCE_CLIENT_SECRET", "UPFRONT_APP_URL"):
        del env[name]  # dev fills in development credentials by itself
    with running(["dev", "--port", str(port)], env) as process:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process)
        assert httpx.get(f"{base}/healthz").json() == {"status": "ok"}
        # The demo shops are installed from the dev store; signed sample webhooks reach them end to end.
        wait_for_metric(base, "upfront_jobs_scheduled", 0)
        for topic in ("orders/create", "store/order/created"):
            sent = subprocess.run(
                [*UPFRONT, "webhook", "trigger", topic, "--url", base],
                cwd=REPO,
                env=env,
                capture_output=True,
                text=True,
            )
            assert sent.returncode == 0 and '{"status":"queued"}' in sent.stdout, sent.stdout
        wait_for_metric(base, "upfront_events_handled_total", 2)
        assert metric(base, "upfront_events_dead") == 0
        # The demo shop uninstalls the app in the dev store (its token revoked, as Shopify does): the worker
        # confirms the delivery with the dev store, and the storefront stops.
        badges = f"{base}/storefront/shopify/upfront-demo.myshopify.com/widgets/badges?placement=product"
        assert httpx.get(badges).status_code == 200
        uninstall = [*UPFRONT, "webhook", "trigger", "app/uninstalled", "--url", base]
        sent = subprocess.run(uninstall, cwd=REPO, env=env, capture_output=True, text=True)
        assert sent.returncode == 0 and '{"status":"queued"}' in sent.stdout, sent.stdout
        wait_for_metric(base, "upfront_events_handled_total", 3)
        assert httpx.get(badges).status_code == 404
    output = output_of(process)
    assert process.returncode == 0, output
    assert "Demo shops installed: Shopify upfront-demo.myshopify.com, BigCommerce store demo123" in output
    assert "starting embedded Redis ... ok" in output
    assert "Stopped; embedded Redis shut down cleanly." in output
    assert not (tmp_path / "data" / "redis.sock").exists()


@pytest.mark.parametrize("command", ["--help", "serve --help", "worker --help", "check --help", "dev --help"])
def test_every_command_explains_itself(command: str) -> None:
    result = subprocess.run([*UPFRONT, *command.split()], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: upfront" in result.stdout


def test_worker_runs_until_sigterm_and_exits_cleanly(tmp_path: Path) -> None:
    with running(["worker"], process_env(tmp_path / "data", UPFRONT_LOG_LEVEL="INFO")) as process:
        deadline = time.monotonic() + START_TIMEOUT
        socket_path = EmbeddedRedis(tmp_path / "data").socket_path
        while not socket_path.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    output = output_of(process)
    assert process.returncode == 0, output
    assert '"msg": "worker started"' in output and '"msg": "worker stopped"' in output
