"""The merchant's SMS settings: Twilio credentials (the auth token encrypted at rest), sender, registered countries
and the HELP answer. Without credentials, texts go to the dev outbox.

One hash per shop (``sms:config``). The auth token is sealed with the app cipher, bound to the shop and this key,
and never leaves this module in full: the admin sees `masked_token`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from plugin.keys import ShopRef
from plugin.privacy.sealing import seal, unseal
from plugin.services import Services
from plugin.sms.rules import SenderKind, sender_kind
from plugin.storage import as_text

SMS_FAMILY = "sms"
MAX_HELP = 300


class ConfigError(ValueError):
    """A setting the merchant entered cannot be used; the message says which and why."""


@dataclass(frozen=True)
class SmsConfig:
    account_sid: str = ""
    auth_token: str = field(default="", repr=False)
    sender: str = ""
    messaging_service_sid: str = ""
    registered_countries: frozenset[str] = frozenset()
    help_text: str = ""
    enabled: bool = False  # the merchant switched SMS service updates on

    @property
    def connected(self) -> bool:
        """Twilio credentials are set: texts go to Twilio, not to the dev outbox."""
        return bool(self.account_sid and self.auth_token)

    @property
    def kind(self) -> SenderKind | None:
        return sender_kind(self.sender, self.messaging_service_sid)

    def masked_token(self) -> str:
        return "••••" + self.auth_token[-4:] if self.auth_token else ""


def config_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, SMS_FAMILY, "config")


async def load_sms_config(services: Services, shop: ShopRef) -> SmsConfig:
    raw = {as_text(k): as_text(v) for k, v in (await services.redis.hgetall(config_key(services, shop))).items()}
    sealed = raw.get("auth_token")
    return SmsConfig(
        account_sid=raw.get("account_sid", ""),
        auth_token=unseal(services, sealed, shop, SMS_FAMILY, "config") if sealed else "",
        sender=raw.get("sender", ""),
        messaging_service_sid=raw.get("messaging_service_sid", ""),
        registered_countries=frozenset(c for c in raw.get("registered_countries", "").split(",") if c),
        help_text=raw.get("help_text", ""),
        enabled=raw.get("enabled") == "1",
    )


# One set of rules for the server and the OpenAPI schema (checked with `re.search`, as JSON Schema's `pattern`).
PATTERNS = {
    "account_sid": r"^(AC[0-9a-fA-F]{32})?$",
    "auth_token": r"^[!-~]{0,64}$",  # printable ASCII, no blanks
    "messaging_service_sid": r"^(MG[0-9a-fA-F]{32})?$",
    "sender": r"^(\+[1-9][0-9]{1,14}|(?=[0-9 ]*[A-Za-z])[A-Za-z0-9 ]{1,11})?$",
    "registered_countries": r"^([A-Za-z]{2}( ?, ?[A-Za-z]{2})*)?$",
}
MAX_COUNTRIES_TEXT = 200
WHAT = {
    "account_sid": "a Twilio Account SID is AC followed by 32 hex digits",
    "auth_token": "an auth token is up to 64 characters without blanks",
    "messaging_service_sid": "a Messaging Service SID is MG followed by 32 hex digits",
    "sender": "an E.164 number (+14155550100) or an alphanumeric ID of 1-11 letters/digits",
    "registered_countries": "ISO country codes separated by commas, e.g. US, CA",
}
SETTINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "enabled": {"type": "boolean"},
        "clear_credentials": {"type": "boolean"},
        **{name: {"type": "string", "pattern": pattern} for name, pattern in PATTERNS.items()},
        "help_text": {"type": "string", "maxLength": MAX_HELP},
    },
}
SETTINGS_SCHEMA["properties"]["registered_countries"]["maxLength"] = MAX_COUNTRIES_TEXT


def _text(form: Mapping[str, Any], name: str, current: str) -> str:
    """The field's new value (the current one when the request leaves it out), checked against its rule."""
    if name not in form:
        return current
    value = form[name]
    if not isinstance(value, str):
        raise ConfigError(f"{name}: must be text")
    if name in PATTERNS and not re.search(PATTERNS[name], value):
        raise ConfigError(f"{name}: {WHAT[name]}")
    return value


def _flag(form: Mapping[str, Any], name: str, current: bool) -> bool:
    if name not in form:
        return current
    if not isinstance(form[name], bool):
        raise ConfigError(f"{name}: must be true or false")
    return bool(form[name])


def parse_config(form: Mapping[str, Any], current: SmsConfig) -> SmsConfig:
    """The settings a request asks for, checked whole before anything is stored; fields left out keep their value.
    An empty token keeps the stored one for the same Account SID (the admin never shows it back); an empty
    Account SID or `clear_credentials` disconnects Twilio."""
    clear = _flag(form, "clear_credentials", False)
    account_sid = _text(form, "account_sid", current.account_sid)
    token = _text(form, "auth_token", "") or (current.auth_token if account_sid == current.account_sid else "")
    if clear or not account_sid:
        account_sid, token = "", ""
    countries = _text(form, "registered_countries", ",".join(sorted(current.registered_countries)))
    if len(countries) > MAX_COUNTRIES_TEXT:
        raise ConfigError(f"registered_countries: at most {MAX_COUNTRIES_TEXT} characters")
    help_text = _text(form, "help_text", current.help_text)
    if len(help_text) > MAX_HELP:
        raise ConfigError(f"help_text: at most {MAX_HELP} characters")
    return SmsConfig(
        account_sid=account_sid,
        auth_token=token,
        sender=_text(form, "sender", current.sender),
        messaging_service_sid=_text(form, "messaging_service_sid", current.messaging_service_sid),
        registered_countries=frozenset(c.strip().upper() for c in countries.split(",") if c.strip()),
        help_text=help_text.strip(),
        enabled=_flag(form, "enabled", current.enabled),
    )


async def save_sms_config(services: Services, shop: ShopRef, config: SmsConfig) -> None:
    fields = {
        "account_sid": config.account_sid,
        "auth_token": seal(services, config.auth_token, shop, SMS_FAMILY, "config") if config.auth_token else "",
        "sender": config.sender,
        "messaging_service_sid": config.messaging_service_sid,
        "registered_countries": ",".join(sorted(config.registered_countries)),
        "help_text": config.help_text,
        "enabled": "1" if config.enabled else "0",
    }
    await services.redis.hset(config_key(services, shop), mapping=fields)  # type: ignore[arg-type]
