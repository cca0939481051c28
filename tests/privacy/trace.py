"""A trace scanner for privacy tests: reads every key and value under a prefix (every Redis type), unseals
ciphertexts, and finds where a person's email, phone or ids still appear. On the cluster runs of the privacy suite
the client is a RedisCluster, whose SCAN walks every primary (tests/cluster/test_on_a_cluster.py shows it): the
full scan covers every node."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from plugin.crypto import Cipher, DecryptionError
from plugin.storage import as_text

_CIPHERTEXT = re.compile(r"^v1\.[0-9a-f]{8}\.[A-Za-z0-9_\-=]+$")


@dataclass(frozen=True)
class Person:
    customer_id: str | None
    email: str | None
    phone: str | None
    order_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Value:
    """One readable value: where it is (key, and field/entry/member), its field name, and its unsealed text."""

    key: str
    where: str
    name: str
    text: str


@dataclass
class Dump:
    values: list[Value] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # sealed values no plausible binding opens


@dataclass(frozen=True)
class Hit:
    key: str
    where: str
    name: str
    needle: str
    text: str


def _tag(key: str) -> str:
    return key[key.index("{") + 1 : key.index("}")] if "{" in key and "}" in key else ""


def _bindings(prefix: str, key: str, name: str) -> list[str]:
    """Plausible associated data: the shop tag, or the key without prefix and braces (plus the hash field)."""
    place = key[len(prefix) + 1 :].replace("{", "").replace("}", "")
    tag = _tag(key)
    return ["", tag, place, f"{place}:{name}", f"{tag}:user:{name}"]


async def dump(redis: Redis, cipher: Cipher, prefix: str, *, match: str | None = None) -> Dump:
    found = Dump()

    def add(key: str, where: str, name: str, raw: Any) -> None:
        text = as_text(raw)
        if _CIPHERTEXT.match(text):
            for associated in _bindings(prefix, key, name):
                try:
                    text = cipher.decrypt(text, associated=associated)
                    break
                except DecryptionError:
                    continue
            else:
                found.unreadable.append((key, where))
                return
        found.values.append(Value(key, where, name, text))

    async for raw_key in redis.scan_iter(match=match or f"{prefix}:*", count=1000):
        key = as_text(raw_key)
        add(key, "key", "", key)
        kind = as_text(await redis.type(key))
        if kind == "string":
            add(key, "value", "", await redis.get(key))
        elif kind == "hash":
            for name, value in (await redis.hgetall(key)).items():
                add(key, f"field:{as_text(name)}", "", name)
                add(key, f"field:{as_text(name)}", as_text(name), value)
        elif kind == "list":
            for index, item in enumerate(await redis.lrange(key, 0, -1)):
                add(key, f"item:{index}", "", item)
        elif kind == "set":
            for member in await redis.smembers(key):
                add(key, f"member:{as_text(member)}", "", member)
        elif kind == "zset":
            members: Any = await redis.zrange(key, 0, -1)
            for member in members:
                add(key, f"member:{as_text(member)}", "", member)
        elif kind == "stream":
            entries: Any = await redis.xrange(key)
            for entry_id, fields in entries:
                for name, value in fields.items():
                    add(key, f"entry:{as_text(entry_id)}:{as_text(name)}", "", name)
                    add(key, f"entry:{as_text(entry_id)}:{as_text(name)}", as_text(name), value)
        else:
            raise AssertionError(f"unexpected Redis type {kind} at {key}")
    return found


def _needles(person: Person) -> list[tuple[str, re.Pattern[str]]]:
    needles: list[tuple[str, re.Pattern[str]]] = []
    if person.email:
        needles.append((person.email, re.compile(re.escape(person.email), re.IGNORECASE)))
    if person.phone:
        digits = re.sub(r"\D", "", person.phone)
        needles.append((person.phone, re.compile(re.escape(person.phone))))
        needles.append((digits, re.compile(rf"(?<!\d)\d{{0,3}}{digits}(?!\d)")))
    for identifier in (person.customer_id, *person.order_ids):
        if identifier:
            needles.append((identifier, re.compile(rf"(?<![0-9]){re.escape(identifier)}(?![0-9])")))
    return needles


def hits(found: Dump, person: Person) -> list[Hit]:
    needles = _needles(person)
    return [
        Hit(value.key, value.where, value.name, needle, value.text)
        for value in found.values
        for needle, pattern in needles
        if pattern.search(value.text)
    ]


def _expand(value: Any) -> Any:
    """Parse JSON held in strings, recursively: a retry body holds an entry whose payload is JSON again."""
    if isinstance(value, str) and value[:1] in "{[":
        try:
            return _expand(json.loads(value))
        except json.JSONDecodeError:
            return value
    if isinstance(value, dict):
        return {str(k): _expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_expand(item) for item in value]
    return value


def _scalars(node: dict[str, Any]) -> set[tuple[str, str]]:
    """A dict's own scalar (name, value) pairs; a list of scalars counts under its key."""
    pairs: set[tuple[str, str]] = set()
    for key, value in node.items():
        for item in value if isinstance(value, list) else [value]:
            if item is not None and not isinstance(item, dict | list):
                pairs.add((key, str(item)))
    return pairs


def _dicts(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _dicts(value)
    elif isinstance(node, list):
        for item in node:
            yield from _dicts(item)


def uncovered(person_hits: list[Hit], person: Person, export: dict[str, Any]) -> list[Hit]:
    """Hits the export does not account for.

    Personal values are compared record by record: the personal (name, value) pairs of each object in a found value
    (a payload, an order state, a sealed identity; a hash or stream field counts as an object of one pair) must all
    sit together in one object of the export. A value in a key name or set member must appear somewhere in it."""
    expanded = _expand(export)
    records = [_scalars(node) for node in _dicts(expanded)]
    exported_values = {value for record in records for _, value in record}
    needles = _needles(person)
    patterns = dict(needles)

    def personal(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {pair for pair in pairs if any(pattern.search(pair[1]) for _, pattern in needles)}

    missing: list[Hit] = []
    for hit in person_hits:
        if hit.name == "":
            if not any(patterns[hit.needle].search(value) for value in exported_values):
                missing.append(hit)
            continue
        found = _expand(hit.text)
        groups = [personal(_scalars(node)) for node in _dicts(found)] if isinstance(found, dict | list) else []
        groups.append(personal(_scalars({hit.name: found})))
        if not all(any(group <= record for record in records) for group in groups if group):
            missing.append(hit)
    return missing
