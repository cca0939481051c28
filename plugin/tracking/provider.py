"""The `TrackingProvider` interface: what the app needs from a multi-carrier tracking service.

Calls raise `plugin.errors.PlatformError` (retryable or permanent), so the job system decides retries the same way
for a provider as for a platform. Webhook checks raise `plugin.platform.WebhookRejected` with the HTTP answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from plugin.tracking.model import Credentials, Tracker, TrackerRequest, TrackingUpdate


@dataclass(frozen=True)
class Delivery:
    """A verified webhook delivery: the update it carries, or None for an event the app does not act on."""

    event_id: str
    update: TrackingUpdate | None


class TrackingProvider(Protocol):
    name: str

    async def create_tracker(self, credentials: Credentials, request: TrackerRequest) -> Tracker:
        """Start following a parcel; a parcel the account follows already is not an error."""
        ...

    async def check_connection(self, credentials: Credentials) -> None:
        """One cheap authenticated call: returns when the key works, raises otherwise."""
        ...

    def verify_webhook(self, secret: str, headers: Mapping[str, str], body: bytes) -> Delivery:
        """Check the raw bytes' signature with the merchant's webhook secret, then read them."""
        ...
