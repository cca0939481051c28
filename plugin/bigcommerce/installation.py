"""What an installed store must have: our webhooks (active, with our secret) and our storefront script."""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from plugin.bigcommerce.rest import StoreApi
from plugin.bigcommerce.webhook_auth import SECRET_HEADER, webhook_secret_for
from plugin.settings import Settings
from plugin.storefront_script import SCRIPT_SOURCE, served_script

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/webhooks/bigcommerce"
SCRIPT_PATH = "/static/upfront.js"
# Next to `plugin/` both in the source tree and in an installed wheel (the `widgets` package ships it).


@dataclass(frozen=True)
class InstallTarget:
    """Everything the checks compare against, derived from settings once."""

    app_url: str
    client_secret: str
    webhook_scopes: tuple[str, ...]
    script_name: str
    consent_category: str
    script_file: Path = SCRIPT_SOURCE

    @classmethod
    def from_settings(cls, settings: Settings, client_secret: str, webhook_scopes: tuple[str, ...]) -> InstallTarget:
        return cls(
            app_url=settings.app_url,
            client_secret=client_secret,
            webhook_scopes=webhook_scopes,
            script_name=settings.manifest.name,
            consent_category=settings.manifest.bigcommerce.script_consent_category,
        )

    @property
    def destination(self) -> str:
        return self.app_url + WEBHOOK_PATH

    def script_src(self, store_hash: str) -> str:
        """The script names its store, so it never has to guess it from the theme's markup."""
        return f"{self.app_url}{SCRIPT_PATH}?{urlencode({'platform': 'bigcommerce', 'shop': store_hash})}"


def script_integrity(path: Path) -> str | None:
    """sha384 SRI of the storefront script as served; None while the file does not exist (then no SRI is sent)."""
    if not path.is_file():
        return None
    return "sha384-" + base64.b64encode(hashlib.sha384(served_script(path)).digest()).decode()


def _hook_body(target: InstallTarget, store_hash: str, scope: str) -> dict[str, Any]:
    return {
        "scope": scope,
        "destination": target.destination,
        "is_active": True,
        "headers": {SECRET_HEADER: webhook_secret_for(store_hash, target.client_secret)},
    }


def _hook_is_healthy(hook: Mapping[str, Any], wanted: Mapping[str, Any]) -> bool:
    headers = hook.get("headers")
    return hook.get("is_active") is True and isinstance(headers, Mapping) and headers == wanted["headers"]


async def ensure_webhooks(api: StoreApi, target: InstallTarget) -> list[str]:
    """Create missing hooks; reactivate ours that BigCommerce deactivated or that carry a stale secret."""
    existing = [hook for hook in await api.v3_list("/v3/hooks") if hook.get("destination") == target.destination]
    by_scope = {str(hook.get("scope")): hook for hook in existing}
    repaired: list[str] = []
    for scope in target.webhook_scopes:
        wanted = _hook_body(target, api.store_hash, scope)
        found = by_scope.get(scope)
        if found is None:
            await api.v3_data("POST", "/v3/hooks", wanted)
            repaired.append(f"webhook {scope} created")
        elif not _hook_is_healthy(found, wanted):
            await api.v3_data("PUT", f"/v3/hooks/{found['id']}", wanted)
            repaired.append(f"webhook {scope} reactivated")
    return repaired


def _script_body(target: InstallTarget, store_hash: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "name": target.script_name,
        "description": f"{target.script_name}: shipping costs, delivery dates and help, up front",
        "kind": "src",
        "src": target.script_src(store_hash),
        "load_method": "defer",
        "location": "footer",
        "visibility": "storefront",
        "auto_uninstall": True,
        "consent_category": target.consent_category,
        "enabled": True,
    }
    integrity = script_integrity(target.script_file)
    if integrity is not None:
        body["integrity_hashes"] = [{"hash": integrity}]
    return body


def _is_ours(script: Mapping[str, Any], target: InstallTarget, store_hash: str) -> bool:
    return script.get("src") == target.script_src(store_hash) or script.get("name") == target.script_name


def _stale_fields(script: Mapping[str, Any], wanted: Mapping[str, Any]) -> Sequence[str]:
    fields = ("src", "consent_category", "load_method", "location", "visibility", "enabled")
    stale = [field for field in fields if script.get(field) != wanted[field]]
    # A changed script with an old SRI hash would be blocked by every browser: keep the hash current.
    hashes = [entry.get("hash") for entry in script.get("integrity_hashes") or () if isinstance(entry, Mapping)]
    wanted_hashes = [entry["hash"] for entry in wanted.get("integrity_hashes", ())]
    if hashes != wanted_hashes:
        stale.append("integrity_hashes")
    return stale


async def ensure_script(api: StoreApi, target: InstallTarget) -> list[str]:
    wanted = _script_body(target, api.store_hash)
    scripts = await api.v3_list("/v3/content/scripts")
    ours = [script for script in scripts if _is_ours(script, target, api.store_hash)]
    if not ours:
        await api.v3_data("POST", "/v3/content/scripts", wanted)
        return ["storefront script created"]
    stale = _stale_fields(ours[0], wanted)
    if stale:
        await api.v3_data("PUT", f"/v3/content/scripts/{ours[0]['uuid']}", wanted)
        return [f"storefront script updated ({', '.join(stale)})"]
    return []


async def ensure_installation(api: StoreApi, target: InstallTarget) -> list[str]:
    repaired = await ensure_webhooks(api, target) + await ensure_script(api, target)
    if repaired:
        log.info("bigcommerce installation repaired", extra={"store": api.store_hash, "repaired": repaired})
    return repaired
