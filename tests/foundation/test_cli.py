"""The `upfront` command as an operator runs it: real processes, real embedded Redis, real HTTP."""

from __future__ import annotations

import re
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest
import redis

from plugin.devruntime import runtime_file
from plugin.devstore.shopify import DEMO_SHOP
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


DEV_FILLS_IN = ("UPFRONT_SECRET_KEY", "SHOPIFY_API_SECRET", "BIGCOMMERCE_CLIENT_SECRET", "UPFRONT_APP_URL")
MAIN_TRACK = ["confirmed", "shipped", "out_for_delivery", "delivered"]


def _wait_for_runtime_record(env: dict[str, str], process: subprocess.Popen[str]) -> None:
    """`upfront dev` records itself once the demo shops are installed."""
    deadline = time.monotonic() + START_TIMEOUT
    while not runtime_file(env).is_file():
        assert process.poll() is None and time.monotonic() < deadline, output_of(process)
        time.sleep(0.1)


def test_the_dev_walkthrough_ends_with_four_emails_in_the_demo_shops_outbox(tmp_path: Path) -> None:
    """A newcomer's first hour: `upfront dev` on a chosen port, then every command from some other folder."""
    port = free_port()
    env = process_env(tmp_path / "data")
    for name in DEV_FILLS_IN:
        del env[name]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    cli_env = {k: v for k, v in env.items() if k != "UPFRONT_DATA_DIR"}  # only the per-user record leads to the app

    def upfront(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*UPFRONT, *args], cwd=elsewhere, env=cli_env, capture_output=True, text=True)

    with running(["dev", "--port", str(port)], env) as process:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base, process)
        _wait_for_runtime_record(env, process)
        sent = upfront("webhook", "trigger", "--journey")
        assert sent.returncode == 0, sent.stdout + sent.stderr
        assert sent.stdout.count("order #1101") == 4 and "order #1101 (fresh, placed now)" in sent.stdout, sent.stdout
        for stage in MAIN_TRACK:
            assert f"journey: {stage} email sent" in sent.stdout, sent.stdout
        outbox_url = f"{base}/devstore/shopify/{DEMO_SHOP}/admin?page=emails"
        assert outbox_url in sent.stdout
        # The admin the walkthrough opens is the same shop's: its dev outbox holds the four emails.
        token = httpx.post(f"{base}/devstore/shopify/{DEMO_SHOP}/admin/session-token").text
        emails = httpx.get(f"{base}/admin/api/fragments/emails", headers={"Authorization": f"Bearer {token}"})
        rows = re.findall(r"<tr data-kind=\"(\w+)\"><td>[^<]*</td><td>[^<]*</td><td>customer2@", emails.text)
        kinds = [kind for kind in rows if kind in MAIN_TRACK]
        assert sorted(kinds) == sorted(MAIN_TRACK), emails.text[-3000:]
        assert "Thank you for your order #1101" in emails.text
        assert "Your order #1101 has been delivered" in emails.text
        stats = upfront("queue", "stats", "--json")
        assert stats.returncode == 0, stats.stderr
        assert f"embedded Redis in {(tmp_path / 'data').resolve()}" in stats.stderr
        assert f"`upfront dev` running at {base}" in stats.stderr
        assert '"received": 4' in stats.stdout
        checked = upfront("check")
        assert checked.returncode == 0, checked.stdout
        assert f"Dev mode: `upfront dev` is running at {base}" in checked.stdout
        assert "For production, still needed" in checked.stdout
        assert "UPFRONT_SECRET_KEY is not set" in checked.stdout
    output = output_of(process)
    assert process.returncode == 0, output
    # The walkthrough uses the real port; the dev log has one readable line per request.
    assert f"2. admin       {base}/devstore/shopify/{DEMO_SHOP}/admin" in output
    assert f"4. its emails  {outbox_url}" in output
    assert "webhook trigger --journey" in output
    assert f"{base}/devstore/aftership-checkpoint" in output  # the carrier's scan that makes a delay
    assert re.search(r"\d\d:\d\d:\d\d GET /readyz 200 [\d.]+ ms  req [0-9a-f]{16}", output), output
    assert re.search(r"POST /devstore/trigger 200 [\d.]+ ms", output)
    assert not runtime_file(env).exists(), "the record goes when `upfront dev` stops"
    # Started again on the same data, the new dev store (which remembers no tokens) still reaches the demo shop.
    with running(["dev", "--port", str(port)], env) as process:
        wait_ready(base, process)
        _wait_for_runtime_record(env, process)
        again = upfront("webhook", "trigger", "orders/create")
        assert "order #1102 (fresh, placed now)" in again.stdout, again.stdout
        assert "journey: confirmed email sent" in again.stdout, output_of(process)


def test_a_read_only_command_with_no_app_to_find_says_so_and_starts_no_redis(tmp_path: Path) -> None:
    env = process_env(tmp_path / "unused")
    del env["UPFRONT_DATA_DIR"]
    result = subprocess.run([*UPFRONT, "queue", "stats"], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert "No Upfront data found" in result.stderr and "UPFRONT_DATA_DIR=" in result.stderr
    assert "UPFRONT_REDIS_URL=" in result.stderr
    assert not (tmp_path / ".upfront").exists()


def test_a_command_below_an_app_folder_uses_its_data_and_says_which(tmp_path: Path) -> None:
    project = tmp_path / "project"
    with EmbeddedRedis(project / ".upfront"):  # an app's data, as `upfront dev` leaves it
        pass
    below = project / "some" / "folder"
    below.mkdir(parents=True)
    env = process_env(tmp_path / "unused")
    del env["UPFRONT_DATA_DIR"]
    result = subprocess.run([*UPFRONT, "queue", "stats"], cwd=below, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"using embedded Redis in {(project / '.upfront').resolve()}" in result.stderr
    assert "received" in result.stdout


def test_check_next_to_dev_data_lists_what_production_still_needs_and_exits_0(tmp_path: Path) -> None:
    env = process_env(tmp_path / "data")
    for name in DEV_FILLS_IN:
        del env[name]
    without_dev = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert without_dev.returncode == 1
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "dev-secret-key").write_text("kept by upfront dev")
    result = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    assert "holds the data of `upfront dev`" in result.stdout
    assert "For production, still needed (3)" in result.stdout
    for missing in ("UPFRONT_SECRET_KEY", "SHOPIFY_API_SECRET", "BIGCOMMERCE_CLIENT_SECRET"):
        assert f"{missing} is not set" in result.stdout


def test_make_dev_passes_the_port_on() -> None:
    planned = subprocess.run(["make", "-n", "dev", "PORT=8123"], cwd=REPO, capture_output=True, text=True)
    assert "upfront dev --port 8123" in planned.stdout, planned.stdout + planned.stderr


@pytest.mark.parametrize("command", ["--help", "serve --help", "worker --help", "check --help", "dev --help"])
def test_every_command_explains_itself(command: str) -> None:
    result = subprocess.run([*UPFRONT, *command.split()], cwd=REPO, capture_output=True, text=True)
    assert result.returncode == 0
    assert "usage: upfront" in result.stdout


def test_worker_runs_until_sigterm_and_exits_cleanly(tmp_path: Path) -> None:
    with running(["worker"], process_env(tmp_path / "data", UPFRONT_LOG_LEVEL="INFO")) as process:
        deadline = time.monotonic() + START_TIMEOUT
        # A signal before the worker is up ends it the default way: wait until it says it started.
        while '"msg": "worker started"' not in output_of(process) and time.monotonic() < deadline:
            assert process.poll() is None, output_of(process)
            time.sleep(0.1)
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    output = output_of(process)
    assert process.returncode == 0, output
    assert '"msg": "worker started"' in output and '"msg": "worker stopped"' in output
