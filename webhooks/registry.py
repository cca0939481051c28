"""Event handlers as data: internal event type -> handler. The same mapping tells adapters what to subscribe to."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from plugin.events import PlatformEvent
from plugin.services import Services

EventHandler = Callable[[Services, PlatformEvent], Awaitable[None]]
EventRegistry = Mapping[str, EventHandler]


def handled_event_types(registry: EventRegistry) -> frozenset[str]:
    return frozenset(registry)
