from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from plugin.manifest import ManifestError, load_manifest, parse_manifest
from plugin.settings import load_settings

REPO_MANIFEST = Path(__file__).resolve().parents[2] / "app.toml"


def _manifest_data() -> dict[str, Any]:
    with REPO_MANIFEST.open("rb") as handle:
        return tomllib.load(handle)


def test_the_shipped_manifest_is_valid() -> None:
    manifest = load_manifest(REPO_MANIFEST)
    assert manifest.shopify.api_version == "2026-10"
    assert set(manifest.shopify.compliance_topics) == {"customers/data_request", "customers/redact", "shop/redact"}
    assert "store/order/created" in manifest.bigcommerce.webhook_scopes


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda d: d.pop("name"), "name must be a non-empty string"),
        (lambda d: d["shopify"].update(api_version="2026-11"), "not a quarterly version"),
        (lambda d: d["shopify"].update(compliance_topics=["shop/redact"]), "must declare customers/data_request"),
        (lambda d: d["shopify"]["webhook_topics"].append("customers/redact"), "belongs in compliance_topics"),
        (lambda d: d["shopify"]["webhook_topics"].append("Orders Create"), "is not a topic"),
        (lambda d: d["bigcommerce"].update(script_consent_category="ads"), "script_consent_category must be"),
        (lambda d: d["bigcommerce"]["webhook_scopes"].append("order created"), "is not a scope"),
        (lambda d: d.pop("bigcommerce"), "[bigcommerce] section is missing"),
        (lambda d: d.update(application_url="ftp://x"), "application_url must be an http(s) URL"),
    ],
    ids=[
        "no-name",
        "non-quarterly-version",
        "missing-compliance",
        "compliance-as-webhook",
        "malformed-topic",
        "bad-consent-category",
        "malformed-scope",
        "no-bigcommerce",
        "non-http-url",
    ],
)
def test_invalid_manifests_are_refused_in_plain_words(mutate: Any, expected: str) -> None:
    data = _manifest_data()
    mutate(data)
    with pytest.raises(ManifestError) as raised:
        parse_manifest(data, REPO_MANIFEST)
    assert any(expected in problem for problem in raised.value.problems), raised.value.problems


def test_unparseable_and_missing_files_are_reported(tmp_path: Path) -> None:
    broken = tmp_path / "app.toml"
    broken.write_text("name = ")
    with pytest.raises(ManifestError, match="not valid TOML"):
        load_manifest(broken)
    with pytest.raises(ManifestError, match="file not found"):
        load_manifest(tmp_path / "missing.toml")


def test_environment_wins_over_the_manifest_and_secrets_never_print() -> None:
    settings = load_settings(
        {
            "UPFRONT_APP_URL": "https://app.example.org/",
            "SHOPIFY_API_KEY": "from-env",
            "SHOPIFY_API_SECRET": "shpss_very_secret",
            "UPFRONT_SECRET_KEY": "s" * 40,
        },
        manifest=load_manifest(REPO_MANIFEST),
    )
    assert settings.app_url == "https://app.example.org"
    assert settings.shopify_api_key == "from-env"
    assert "shpss_very_secret" not in repr(settings)
    assert "s" * 40 not in repr(settings)
    assert str(settings.shopify_api_secret) == "shpss_very_secret"


def test_problems_name_each_missing_secret() -> None:
    settings = load_settings({"UPFRONT_SECRET_KEY": "short"}, manifest=load_manifest(REPO_MANIFEST))
    problems = "\n".join(settings.problems())
    assert "UPFRONT_SECRET_KEY is shorter than 32" in problems
    assert "SHOPIFY_API_SECRET is not set" in problems
    assert "BIGCOMMERCE_CLIENT_SECRET is not set" in problems


def test_a_retention_shorter_than_a_journey_is_refused() -> None:
    manifest = load_manifest(REPO_MANIFEST)
    assert load_settings({}, manifest=manifest).retention_days == 365
    short = load_settings({"UPFRONT_RETENTION_DAYS": "30"}, manifest=manifest)
    assert any("UPFRONT_RETENTION_DAYS must be at least 60" in problem for problem in short.problems())


@pytest.mark.parametrize(
    ("value", "count", "refused"),
    [("", 16, False), ("32", 32, False), ("0", 0, True), ("2000", 2000, True), ("many", -1, True)],
    ids=["unset", "32", "zero", "too-many", "not-a-number"],
)
def test_the_event_partition_count_is_a_whole_number_from_1_to_1024(value: str, count: int, refused: bool) -> None:
    settings = load_settings({"UPFRONT_EVENT_PARTITIONS": value}, manifest=load_manifest(REPO_MANIFEST))
    assert settings.event_partitions == count
    named = [problem for problem in settings.problems() if "UPFRONT_EVENT_PARTITIONS" in problem]
    assert bool(named) == refused
