"""`UPFRONT_REDIS_URL=redis+cluster://host:port[,host:port...]`: refused in plain words when malformed, and
`upfront check` connects to a real cluster through it."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from plugin.devruntime import redacted
from plugin.manifest import load_manifest
from plugin.settings import load_settings
from tests.processes import REPO, UPFRONT, free_port, process_env

MANIFEST = load_manifest(REPO / "app.toml")


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param("memcached://cache:11211", "must start with redis://, rediss://, unix:// or redis+cluster://",
                     id="unknown-scheme"),
        pytest.param("redis+cluster://", "'(empty)' is not host:port", id="no-nodes"),
        pytest.param("redis+cluster://10.0.0.1", "'10.0.0.1' is not host:port", id="no-port"),
        pytest.param("redis+cluster://10.0.0.1:7000,10.0.0.2:x", "'10.0.0.2:x' is not host:port", id="bad-port"),
        pytest.param("redis+cluster://10.0.0.1:7000/2", "a Redis Cluster has only database 0", id="database"),
    ],
)  # fmt: skip
def test_a_malformed_cluster_url_is_refused_with_the_reason(url: str, expected: str) -> None:
    problems = load_settings({"UPFRONT_REDIS_URL": url}, manifest=MANIFEST).problems()
    assert any(expected in problem for problem in problems), problems


@pytest.mark.parametrize(
    "url", ["redis+cluster://10.0.0.1:7000", "redis+cluster://user:pw@a.example:7000,b.example:7001", "redis://r:6379"]
)
def test_well_formed_urls_pass(url: str) -> None:
    assert not [p for p in load_settings({"UPFRONT_REDIS_URL": url}, manifest=MANIFEST).problems() if "REDIS" in p]


def test_check_connects_to_a_real_cluster_and_names_its_nodes(tmp_path: Path, redis_url: str) -> None:
    assert redis_url.startswith("redis+cluster://")
    env = process_env(tmp_path, UPFRONT_REDIS_URL=redis_url)
    result = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    nodes = redis_url.removeprefix("redis+cluster://").replace(",", ", ")
    assert f"Redis Cluster redis+cluster://, startup nodes {nodes}" in result.stdout


def test_check_reports_a_cluster_that_does_not_answer(tmp_path: Path) -> None:
    env = process_env(tmp_path, UPFRONT_REDIS_URL=f"redis+cluster://127.0.0.1:{free_port()}")
    result = subprocess.run([*UPFRONT, "check"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert "UPFRONT_REDIS_URL does not answer" in result.stdout


def test_a_cluster_url_prints_without_its_password() -> None:
    shown = redacted("redis+cluster://app:s3cret@10.0.0.1:7000,10.0.0.2:7001")
    assert shown == "redis+cluster://app:***@10.0.0.1:7000,10.0.0.2:7001"
