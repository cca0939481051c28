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
ACCOUNT_SID = re.compile(r"^AC[0-9a-fA-F]{32}$")
SERVICE_SID = re.compile(r"^MG[0-9a-fA-F]{32}$")
COUNTRY = re.compile(r"^[A-Z]{2}$")
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


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{name}: must be text")
    return (value or "").strip()


def _flag(form: Mapping[str, Any], name: str) -> bool:
    """A checkbox: JSON true, or a form's "on"/"1"/"true"."""
    value = form.get(name)
    return value is True or (isinstance(value, str) and value.strip().lower() in ("1", "on", "true"))


def parse_config(form: Mapping[str, Any], current: SmsConfig) -> SmsConfig:
    """The settings a form asks for, checked whole before anything is stored. An empty token field keeps the
    stored token (the admin never shows it back); `clear_credentials` removes both."""
    if _flag(form, "clear_credentials"):
        account_sid, token = "", ""
    else:
        account_sid = _text(form, "account_sid")
        token = _text(form, "auth_token") or (current.auth_token if account_sid == current.account_sid else "")
        if account_sid and not ACCOUNT_SID.match(account_sid):
            raise ConfigError("account_sid: a Twilio Account SID is AC followed by 32 hex digits")
        if account_sid and not token:
            raise ConfigError("auth_token: required with a new Account SID")
        if token and not account_sid:
            raise ConfigError("account_sid: required with an auth token")
    service = _text(form, "messaging_service_sid")
    if service and not SERVICE_SID.match(service):
        raise ConfigError("messaging_service_sid: a Messaging Service SID is MG followed by 32 hex digits")
    sender = _text(form, "sender")
    if sender and sender_kind(sender, None) is None:
        raise ConfigError("sender: an E.164 number (+14155550100) or an alphanumeric ID of 1-11 letters/digits")
    countries = {c.strip().upper() for c in _text(form, "registered_countries").split(",") if c.strip()}
    if bad := sorted(c for c in countries if not COUNTRY.match(c)):
        raise ConfigError(f"registered_countries: not ISO country codes: {', '.join(bad)}")
    help_text = _text(form, "help_text")
    if len(help_text) > MAX_HELP:
        raise ConfigError(f"help_text: at most {MAX_HELP} characters")
    return SmsConfig(
        account_sid=account_sid,
        auth_token=token,
        sender=sender,
        messaging_service_sid=service,
        registered_countries=frozenset(countries),
        help_text=help_text,
        enabled=_flag(form, "enabled"),
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
