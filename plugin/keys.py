"""The one Redis key-naming scheme: every key the app writes is built here.

Layout (``up`` is the configurable prefix, ``UPFRONT_KEY_PREFIX``):

    up:{shopify:x.myshopify.com}:<family>[:<part>...]   data of one shop
    up:global:<family>[:<part>...]                      data shared by every shop
    up:{events:<n>/<count>}:<family>[:<part>...]        one partition of the webhook events (plugin.partitions)
    up:{jobs:<n>/<count>}:<family>[:<part>...]          one partition of the scheduled jobs

A shop's keys carry the shop in a hash tag (``{platform:id}``) so on Redis Cluster they all live in one slot:
multi-key operations and Lua scripts over one shop stay legal, and shops spread evenly over the cluster.
Deleting a shop is ``SCAN MATCH up:{platform:id}:*``. Global keys are few and small (the shop registry,
the webhook stream index); they never hold personal data.

A shop's events and jobs go to partition ``<n>`` of ``<count>`` (a stable hash of the shop, plugin.partitions).
A partition's stream, dedupe markers, counters, retries and dead letters share its ``{events:<n>/<count>}`` tag, so
the enqueue script that touches them all is legal on a cluster, and partitions spread over the cluster's slots.

Families in use:

    token              encrypted platform access/refresh tokens
    shop               shop facts (name, currency, timezone, policies)
    settings           merchant settings per widget
    stream, counters, retry:due, retry:body, dead, sealed   (in an events partition) webhook events awaiting the
                       worker, their counts, retries, dead letters; ``sealed`` once a repartition retired it
    seen:<period>      (in an events partition) digests of the deliveries accepted in one period, expiring whole
    due, job:<id>, failed   (in a jobs partition) scheduled jobs
    lock:<name>        short-lived locks (token refresh, sync)
    facts, shipping:setup, versions   synced shop facts, shipping setup, change versions (plugin.shop_data)
    order:<id>         latest order state, no contact data (webhooks.handlers.orders)
    owned:<order id>   the platform confirmed the order is the shop's (webhooks.ownership, 30 days)
    consent:<subject>  append-only consent ledger; <subject> is a keyed hash, never an email or id
    subjects           links a person's identifiers to one subject key (plugin.privacy)
    export:<id>        encrypted data exports, kept 30 days
    audit              privacy actions on the shop, without personal data
    journey:<ref>      an order's post-purchase journey (stages reached, sent); <ref> is a keyed hash
    message:<ref>      one message's record: state, class, consent decision and its basis
    email:settings     journey stages, texts per locale, delays, quiet hours, caps
    email:outbox       the dev outbox when no SMTP server is configured (capped, expiring)
    email:cap|hold|issues:<subject>   marketing frequency cap, marketing hold, open support issues
    survey:response:<subject>, survey:tally:<kind>   CSAT/NPS answers and their aggregates
    settings:widgets, settings:help   merchant settings per feature (saving bumps the data version)
    help:request:<id>, help:requests, help:reply_times   help requests (sealed, expiring) and their index
    outcomes:*, conversions:*   storefront outcome counts and orders per holdout variant (no personal data);
                       conversions:cart:<id> a BigCommerce cart's variant, 30 days
    cache:estimate:<version>:<digest>   cached estimates, keyed by the shop's data version
    users, admin:*     staff users of the store, admin bookkeeping
    ratelimit:*        public endpoint limits, keyed by a pseudonym of the client

Global: ``up:global:shops`` (installed shops), ``up:global:audit`` (shop erasures: shop tag and counts only).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from plugin.partitions import Layout, Partition

_PLATFORMS = frozenset({"shopify", "bigcommerce"})
_SAFE_PART = re.compile(r"^[A-Za-z0-9._@\-]+$")


@dataclass(frozen=True, order=True)
class ShopRef:
    """A shop, whatever its platform: Shopify by myshopify domain, BigCommerce by store hash."""

    platform: str
    id: str

    def __post_init__(self) -> None:
        if self.platform not in _PLATFORMS:
            raise ValueError(f"unknown platform {self.platform!r}")
        if not _SAFE_PART.match(self.id):
            raise ValueError(f"shop id {self.id!r} has characters not allowed in a key")

    @cached_property  # read several times per delivery; kept in the instance's dict, outside eq and hash
    def tag(self) -> str:
        return f"{self.platform}:{self.id}"

    @classmethod
    def parse(cls, tag: str) -> ShopRef:
        platform, _, shop_id = tag.partition(":")
        return cls(platform, shop_id)


@dataclass(frozen=True)
class Keys:
    prefix: str = "up"
    # The partition layout in force: shared, and updated in place when the partitions change.
    layout: Layout = field(default_factory=Layout, compare=False)

    def __post_init__(self) -> None:
        if not _SAFE_PART.match(self.prefix) or ":" in self.prefix:
            raise ValueError(f"key prefix {self.prefix!r} must be letters, digits, '.', '_' or '-'")

    def shop(self, shop: ShopRef, family: str, *parts: str) -> str:
        return ":".join((self.prefix, "{" + shop.tag + "}", family, *parts))

    def shop_pattern(self, shop: ShopRef) -> str:
        """SCAN pattern for every key of one shop (used by shop deletion)."""
        tag = shop.tag.replace("[", "\\[").replace("]", "\\]").replace("*", "\\*").replace("?", "\\?")
        return f"{self.prefix}:{{{tag}}}:*"

    def global_(self, family: str, *parts: str) -> str:
        return ":".join((self.prefix, "global", family, *parts))

    def events(self, partition: Partition, family: str, *parts: str) -> str:
        return ":".join((self.prefix, "{" + partition.tag("events") + "}", family, *parts))

    def jobs(self, partition: Partition, family: str, *parts: str) -> str:
        return ":".join((self.prefix, "{" + partition.tag("jobs") + "}", family, *parts))

    def all_pattern(self) -> str:
        return f"{self.prefix}:*"
