"""Settings: the manifest plus the environment (the environment wins; secrets only come from it)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit

from starlette.datastructures import Secret

from plugin.manifest import Manifest, load_manifest
from plugin.partitions import DEFAULT_PARTITIONS, MAX_PARTITIONS, valid_count
from plugin.redis_url import redis_url_problem
from plugin.retention import DEFAULT_RETENTION_DAYS, MIN_RETENTION_DAYS

PACKAGE_ROOT = Path(__file__).resolve().parent
MIN_SECRET_KEY_LENGTH = 32


def default_manifest_path(environ: Mapping[str, str]) -> Path:
    """app.toml from UPFRONT_APP_TOML, else the working directory, else the copy shipped with the package."""
    if configured := environ.get("UPFRONT_APP_TOML"):
        return Path(configured)
    for candidate in (
        Path.cwd() / "app.toml",
        PACKAGE_ROOT.parent / "app.toml",
        PACKAGE_ROOT / "_bundled" / "app.toml",
    ):
        if candidate.is_file():
            return candidate
    return Path.cwd() / "app.toml"


def _secret(environ: Mapping[str, str], name: str) -> Secret | None:
    value = environ.get(name, "")
    return Secret(value) if value else None


def _optional_int(environ: Mapping[str, str], name: str) -> int | None:
    value = environ.get(name, "").strip()
    return int(value) if value.isdigit() else None


def _whole(environ: Mapping[str, str], name: str, default: int) -> int:
    """A whole number; anything else gives -1, which `problems()` names."""
    value = environ.get(name, "").strip()
    if not value:
        return default
    return int(value) if value.isdigit() else -1


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    try:
        value = float(environ.get(name, ""))
    except ValueError:
        return default
    return value if 0 < value < 3600 else default


@dataclass(frozen=True)
class Settings:
    manifest: Manifest
    app_url: str
    secret_key: Secret | None
    secret_key_previous: Secret | None
    redis_url: str | None
    data_dir: Path
    smtp_url: Secret | None
    mail_from: str
    shopify_api_key: str
    shopify_api_secret: Secret | None
    shopify_api_secret_previous: Secret | None
    bigcommerce_client_id: str
    bigcommerce_client_secret: Secret | None
    shopify_origin: str
    bigcommerce_api_origin: str
    bigcommerce_login_origin: str
    key_prefix: str = "up"
    redis_waitaof_replicas: int | None = None
    retention_days: int = DEFAULT_RETENTION_DAYS
    log_level: str = "INFO"
    head_timeout_s: float = 10.0  # a request's line and headers must arrive within this
    body_timeout_s: float = 30.0  # and its body within this after them
    # Partitions of the webhook events and scheduled jobs when Redis records none yet (plugin.partitions).
    event_partitions: int = DEFAULT_PARTITIONS
    # Where the AfterShip adapter calls (plugin.tracking); the dev store points it at its emulator.
    aftership_api_origin: str = "https://api.aftership.com"
    twilio_api_origin: str = "https://api.twilio.com"  # the dev store points it at its Twilio stand-in
    # Where the helpdesk adapters call (plugin.helpdesk.factory); the dev store points them at its stand-ins.
    zendesk_origin: str = "https://{subdomain}.zendesk.com"
    gorgias_origin: str = "https://{domain}.gorgias.com"
    chatwoot_origin: str = "{base_url}"

    def with_overrides(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]

    def secret_keys(self) -> list[str]:
        """Current key first, then the previous one (rotation); empty when unset."""
        return [str(key) for key in (self.secret_key, self.secret_key_previous) if key is not None]

    def problems(self) -> list[str]:
        """Everything that stops the app from serving real merchants, in plain words."""
        found: list[str] = []
        if self.secret_key is None:
            found.append("UPFRONT_SECRET_KEY is not set (it signs cookies and links and encrypts tokens)")
        elif len(str(self.secret_key)) < MIN_SECRET_KEY_LENGTH:
            found.append(f"UPFRONT_SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters")
        if self.shopify_api_secret is None:
            found.append("SHOPIFY_API_SECRET is not set (Shopify installs and webhooks cannot be verified)")
        if self.bigcommerce_client_secret is None:
            found.append("BIGCOMMERCE_CLIENT_SECRET is not set (BigCommerce installs and callbacks cannot be verified)")
        if urlsplit(self.app_url).scheme not in ("http", "https") or not urlsplit(self.app_url).netloc:
            found.append(f"UPFRONT_APP_URL {self.app_url!r} is not an http(s) URL")
        if self.redis_url and (problem := redis_url_problem(self.redis_url)):
            found.append(problem)
        if self.smtp_url and urlsplit(str(self.smtp_url)).scheme not in ("smtp", "smtps"):
            found.append("UPFRONT_SMTP_URL must start with smtp:// or smtps://")
        if self.retention_days < MIN_RETENTION_DAYS:
            found.append(f"UPFRONT_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS} (journeys wait that long)")
        if not valid_count(self.event_partitions):
            found.append(f"UPFRONT_EVENT_PARTITIONS must be a whole number from 1 to {MAX_PARTITIONS}")
        if "{shop}" not in self.shopify_origin:
            found.append("UPFRONT_SHOPIFY_ORIGIN must contain {shop}, e.g. https://{shop}")
        return found

    def warnings(self) -> list[str]:
        found: list[str] = []
        if urlsplit(self.app_url).scheme != "https":
            found.append("UPFRONT_APP_URL is not https: platforms only call https apps in production")
        if self.redis_url is None:
            found.append(f"UPFRONT_REDIS_URL is not set: using embedded Redis in {self.data_dir}")
        if self.smtp_url is None:
            found.append("UPFRONT_SMTP_URL is not set: emails go to the dev outbox, not to customers")
        return found


def load_settings(environ: Mapping[str, str] | None = None, manifest: Manifest | None = None) -> Settings:
    env = os.environ if environ is None else environ
    manifest = manifest or load_manifest(default_manifest_path(env))
    return Settings(
        manifest=manifest,
        app_url=env.get("UPFRONT_APP_URL", manifest.application_url).rstrip("/"),
        secret_key=_secret(env, "UPFRONT_SECRET_KEY"),
        secret_key_previous=_secret(env, "UPFRONT_SECRET_KEY_PREVIOUS"),
        redis_url=env.get("UPFRONT_REDIS_URL") or None,
        data_dir=Path(env.get("UPFRONT_DATA_DIR", ".upfront")),
        smtp_url=_secret(env, "UPFRONT_SMTP_URL"),
        mail_from=env.get(
            "UPFRONT_MAIL_FROM", f"{manifest.name} <no-reply@{urlsplit(manifest.application_url).hostname}>"
        ),
        shopify_api_key=env.get("SHOPIFY_API_KEY", manifest.shopify.client_id),
        shopify_api_secret=_secret(env, "SHOPIFY_API_SECRET"),
        shopify_api_secret_previous=_secret(env, "SHOPIFY_API_SECRET_PREVIOUS"),
        bigcommerce_client_id=env.get("BIGCOMMERCE_CLIENT_ID", manifest.bigcommerce.client_id),
        bigcommerce_client_secret=_secret(env, "BIGCOMMERCE_CLIENT_SECRET"),
        shopify_origin=env.get("UPFRONT_SHOPIFY_ORIGIN", "https://{shop}"),
        bigcommerce_api_origin=env.get("UPFRONT_BIGCOMMERCE_API_ORIGIN", "https://api.bigcommerce.com").rstrip("/"),
        bigcommerce_login_origin=env.get("UPFRONT_BIGCOMMERCE_LOGIN_ORIGIN", "https://login.bigcommerce.com").rstrip(
            "/"
        ),
        key_prefix=env.get("UPFRONT_KEY_PREFIX", "up"),
        redis_waitaof_replicas=_optional_int(env, "UPFRONT_REDIS_WAITAOF"),
        retention_days=_optional_int(env, "UPFRONT_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS,
        log_level=env.get("UPFRONT_LOG_LEVEL", "INFO").upper(),
        head_timeout_s=_seconds(env, "UPFRONT_HEAD_TIMEOUT", 10.0),
        body_timeout_s=_seconds(env, "UPFRONT_BODY_TIMEOUT", 30.0),
        event_partitions=_whole(env, "UPFRONT_EVENT_PARTITIONS", DEFAULT_PARTITIONS),
        aftership_api_origin=env.get("UPFRONT_AFTERSHIP_API_ORIGIN", "https://api.aftership.com").rstrip("/"),
        twilio_api_origin=env.get("UPFRONT_TWILIO_API_ORIGIN", "https://api.twilio.com").rstrip("/"),
        zendesk_origin=env.get("UPFRONT_ZENDESK_ORIGIN", "https://{subdomain}.zendesk.com"),
        gorgias_origin=env.get("UPFRONT_GORGIAS_ORIGIN", "https://{domain}.gorgias.com"),
        chatwoot_origin=env.get("UPFRONT_CHATWOOT_ORIGIN", "{base_url}"),
    )
