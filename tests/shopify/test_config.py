"""`upfront shopify-config` writes a shopify.app.toml that Shopify CLI can deploy."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from plugin.cli import main
from tests.conftest import APP_URL, SHOPIFY_API_KEY


def test_shopify_config_writes_the_app_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in test_env.items():
        monkeypatch.setenv(name, value)
    output = tmp_path / "shopify.app.toml"

    assert main(["shopify-config", "--output", str(output)]) == 0

    config = tomllib.loads(output.read_text())
    assert config["client_id"] == SHOPIFY_API_KEY
    assert config["name"] == "Upfront"
    assert config["application_url"] == f"{APP_URL}/shopify/install"
    assert config["embedded"] is True
    assert set(config["access_scopes"]["scopes"].split(",")) >= {"read_orders", "read_shipping"}
    assert config["auth"]["redirect_urls"] == [f"{APP_URL}/shopify/callback"]
    assert config["webhooks"]["api_version"] == "2026-10"
    topics, compliance = config["webhooks"]["subscriptions"]
    assert "orders/create" in topics["topics"] and topics["uri"] == f"{APP_URL}/webhooks/shopify"
    assert compliance["compliance_topics"] == ["customers/data_request", "customers/redact", "shop/redact"]
    assert config["app_proxy"] == {"url": f"{APP_URL}/proxy", "subpath": "upfront", "prefix": "apps"}
    assert str(output) in capsys.readouterr().out
