"""Which platform topics to subscribe to: those declared in app.toml whose internal event has a handler.

The event handler registry is the one source of truth: a topic nobody handles is not subscribed (and `upfront
check` says so), so the platform never delivers what would only be acknowledged and dropped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def subscribed_topics(
    declared: Iterable[str], topic_events: Mapping[str, str], handled: frozenset[str] | None
) -> tuple[str, ...]:
    """`declared` in order, keeping those that map to a handled event (all of them when `handled` is None)."""
    return tuple(topic for topic in declared if handled is None or topic_events.get(topic) in handled)


def unhandled_topics(declared: Iterable[str], topic_events: Mapping[str, str], handled: frozenset[str]) -> list[str]:
    return [topic for topic in declared if topic_events.get(topic) not in handled]
