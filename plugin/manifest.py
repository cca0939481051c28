"""The app manifest (app.toml): parsed into typed, validated sections."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

SHOPIFY_API_VERSION = re.compile(r"^\d{4}-(01|04|07|10)$")
SHOPIFY_TOPIC = re.compile(r"^[a-z_]+/[a-z_]+$")
SHOPIFY_COMPLIANCE_TOPICS = frozenset({"customers/data_request", "customers/redact", "shop/redact"})
BIGCOMMERCE_SCOPE = re.compile(r"^store/[a-zA-Z_]+(/[a-zA-Z_*]+)*$")
CONSENT_CATEGORIES = frozenset({"essential", "functional", "analytics", "targeting"})


class ManifestError(Exception):
    """app.toml is missing, unreadable or invalid; `problems` lists each fault in plain words."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        super().__init__(f"{path}: " + "; ".join(problems))


@dataclass(frozen=True)
class ShopifyManifest:
    client_id: str
    embedded: bool
    api_version: str
    scopes: tuple[str, ...]
    webhook_topics: tuple[str, ...]
    compliance_topics: tuple[str, ...]
    app_proxy_prefix: str
    app_proxy_subpath: str


@dataclass(frozen=True)
class BigCommerceManifest:
    client_id: str
    scopes: tuple[str, ...]
    webhook_scopes: tuple[str, ...]
    script_consent_category: str


@dataclass(frozen=True)
class Manifest:
    path: Path
    name: str
    handle: str
    application_url: str
    shopify: ShopifyManifest
    bigcommerce: BigCommerceManifest
    widgets: Mapping[str, Any] = field(default_factory=dict)


class _Reader:
    """Pulls typed values out of nested TOML tables, collecting every problem instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def table(self, data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
        value = data.get(key)
        if not isinstance(value, Mapping):
            self.problems.append(f"[{where}{key}] section is missing")
            return {}
        return value

    def text(self, data: Mapping[str, Any], key: str, where: str, default: str | None = None) -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or not value.strip():
            self.problems.append(f"{where}{key} must be a non-empty string")
            return ""
        return value

    def flag(self, data: Mapping[str, Any], key: str, where: str, default: bool) -> bool:
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.problems.append(f"{where}{key} must be true or false")
            return default
        return value

    def texts(self, data: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = data.get(key)
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.problems.append(f"{where}{key} must be a list of strings")
            return ()
        return tuple(value)


def parse_manifest(data: Mapping[str, Any], path: Path) -> Manifest:
    read = _Reader()
    name = read.text(data, "name", "")
    handle = read.text(data, "handle", "", default="upfront")
    application_url = read.text(data, "application_url", "")
    if application_url and urlsplit(application_url).scheme not in ("http", "https"):
        read.problems.append("application_url must be an http(s) URL")

    shop = read.table(data, "shopify", "")
    proxy = read.table(shop, "app_proxy", "shopify.") if shop else {}
    shopify = ShopifyManifest(
        client_id=read.text(shop, "client_id", "shopify."),
        embedded=read.flag(shop, "embedded", "shopify.", default=True),
        api_version=read.text(shop, "api_version", "shopify."),
        scopes=read.texts(shop, "scopes", "shopify."),
        webhook_topics=read.texts(shop, "webhook_topics", "shopify."),
        compliance_topics=read.texts(shop, "compliance_topics", "shopify."),
        app_proxy_prefix=read.text(proxy, "prefix", "shopify.app_proxy."),
        app_proxy_subpath=read.text(proxy, "subpath", "shopify.app_proxy."),
    )
    if shopify.api_version and not SHOPIFY_API_VERSION.match(shopify.api_version):
        read.problems.append(f"shopify.api_version {shopify.api_version!r} is not a quarterly version like 2026-10")
    for topic in shopify.webhook_topics:
        if not SHOPIFY_TOPIC.match(topic):
            read.problems.append(f"shopify.webhook_topics: {topic!r} is not a topic like orders/create")
        if topic in SHOPIFY_COMPLIANCE_TOPICS:
            read.problems.append(f"shopify.webhook_topics: {topic!r} belongs in compliance_topics")
    missing_compliance = SHOPIFY_COMPLIANCE_TOPICS - set(shopify.compliance_topics)
    if shop and missing_compliance:
        read.problems.append("shopify.compliance_topics must declare " + ", ".join(sorted(missing_compliance)))
    if shopify.app_proxy_prefix and shopify.app_proxy_prefix not in ("apps", "a", "community", "tools"):
        read.problems.append("shopify.app_proxy.prefix must be one of apps, a, community, tools")

    big = read.table(data, "bigcommerce", "")
    bigcommerce = BigCommerceManifest(
        client_id=read.text(big, "client_id", "bigcommerce."),
        scopes=read.texts(big, "scopes", "bigcommerce."),
        webhook_scopes=read.texts(big, "webhook_scopes", "bigcommerce."),
        script_consent_category=read.text(big, "script_consent_category", "bigcommerce."),
    )
    for scope in bigcommerce.webhook_scopes:
        if not BIGCOMMERCE_SCOPE.match(scope):
            read.problems.append(f"bigcommerce.webhook_scopes: {scope!r} is not a scope like store/order/created")
    category = bigcommerce.script_consent_category
    if category and category not in CONSENT_CATEGORIES:
        read.problems.append(
            "bigcommerce.script_consent_category must be one of " + ", ".join(sorted(CONSENT_CATEGORIES))
        )

    widgets = data.get("widgets", {})
    if not isinstance(widgets, Mapping):
        read.problems.append("[widgets] must be a table")
        widgets = {}
    if read.problems:
        raise ManifestError(path, read.problems)
    return Manifest(
        path=path,
        name=name,
        handle=handle,
        application_url=application_url.rstrip("/"),
        shopify=shopify,
        bigcommerce=bigcommerce,
        widgets=widgets,
    )


def load_manifest(path: Path) -> Manifest:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ManifestError(path, ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(path, [f"not valid TOML ({exc})"]) from None
    return parse_manifest(data, path)
