"""What sending a text means to the rest of the app: the `SmsTransport` interface and its one error hierarchy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from plugin.errors import RetryableError
from plugin.keys import ShopRef


@dataclass(frozen=True)
class OutgoingSms:
    shop: ShopRef
    to: str  # E.164
    body: str
    reference: str  # the message record's ref
    stage: str
    subject_key: str | None = None
    status_callback: str | None = None  # where the provider reports delivered/failed


@dataclass(frozen=True)
class SentSms:
    provider_id: str  # Twilio's Message SID (SM...), or the dev outbox's id
    status: str  # the provider's first status (queued, accepted, ...)


class TransientSmsError(RetryableError):
    """5xx, throttling (429) or no connection: nothing was accepted, the same send may succeed later."""


class PermanentSmsError(Exception):
    """The provider refused the text (4xx: bad number, unsubscribed recipient, bad credentials): never retried."""

    def __init__(self, reason: str, *, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class UncertainSmsError(Exception):
    """The request may have reached the provider but no answer came back: sending again could text twice."""


class SmsTransport(Protocol):
    async def send(self, sms: OutgoingSms) -> SentSms: ...
