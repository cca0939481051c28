"""`upfront shopify-config` writes a shopify.app.toml that Shopify CLI can deploy."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from plugin.cli import main
from plugin.storefront_script import served_script
from tests.conftest import APP_URL, SHOPIFY_API_KEY
from tests.processes import REPO


def test_shopify_config_writes_the_app_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in test_env.items():
        monkeypatch.setenv(name, value)
    output = tmp_path / "shopify.app.toml"
    extension = tmp_path / "upfront-embed"

    assert main(["shopify-config", "--output", str(output), "--extension", str(extension)]) == 0

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


def test_the_app_embed_ships_the_one_storefront_script(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, test_env: dict[str, str]
) -> None:
    for name, value in test_env.items():
        monkeypatch.setenv(name, value)
    extension = tmp_path / "upfront-embed"
    assert main(["shopify-config", "--output", str(tmp_path / "app.toml"), "--extension", str(extension)]) == 0
    embed = (REPO / "extensions" / "upfront-embed" / "blocks" / "app-embed.liquid").read_text()
    asset = re.search(r"\{\{ '([^']+)' \| asset_url \}\}", embed)
    assert asset is not None and "defer" in embed
    assert (extension / "assets" / asset.group(1)).read_bytes() == served_script()
