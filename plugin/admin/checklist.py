"""The onboarding checklist: each step is checked against what the app actually holds for the shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from plugin.admin.dashboard import shop_today
from plugin.admin.queue import shop_dead_letters
from plugin.admin.web import format_moment
from plugin.bigcommerce.jobs import install_state_key
from plugin.email.outbox import list_outbox
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts, load_shipping_setup
from plugin.shopify.domains import shop_origin
from plugin.storage import as_text
from webhooks.stats import collect_stats
from widgets.outcomes import outcomes_key

STOREFRONT_WINDOW_DAYS = 7
QUEUE_LAG_LIMIT_S = 300.0
EMBED_BLOCK = "app-embed"  # extensions/upfront-embed/blocks/app-embed.liquid


@dataclass(frozen=True)
class Step:
    key: str
    label: str
    done: bool
    detail: str
    action_label: str | None = None
    action_url: str | None = None
    external: bool = False  # opens the platform's admin (the top window), not a page of ours


def test_email_key(services: Services, shop: ShopRef) -> str:
    return services.keys.shop(shop, "admin", "test_email_sent_at")


async def _storefront_views(services: Services, shop: ShopRef, today: date) -> int:
    seen = 0
    for offset in range(STOREFRONT_WINDOW_DAYS):
        counts = await services.redis.hgetall(outcomes_key(services.keys, shop, today - timedelta(days=offset)))
        seen += sum(int(value) for field, value in counts.items() if as_text(field).endswith(":impression"))
    return seen


async def _storefront_step(services: Services, shop: ShopRef, install: dict[str, str], today: date) -> Step:
    if shop.platform == "bigcommerce":
        checked = install.get("installation_checked_at")
        return Step(
            "storefront",
            "Storefront script installed",
            checked is not None,
            "Our script is registered with BigCommerce's Script Manager and was checked."
            if checked
            else "The script is installed in the background after the app is installed; reopen the app shortly.",
        )
    views = await _storefront_views(services, shop, today)
    editor = (
        shop_origin(services.settings.shopify_origin, shop)
        + "/admin/themes/current/editor?"
        + urlencode({"context": "apps", "activateAppId": f"{services.settings.shopify_api_key}/{EMBED_BLOCK}"})
    )
    if views:
        return Step(
            "storefront",
            "App embed enabled",
            True,
            f"The storefront reported {views} page views with Upfront in the last {STOREFRONT_WINDOW_DAYS} days.",
        )
    return Step(
        "storefront",
        "App embed enabled",
        False,
        "No storefront page has reported Upfront yet (reports need the shopper's analytics consent). "
        "Turn on the Upfront app embed in your theme.",
        "Open the theme editor",
        editor,
        external=True,
    )


async def onboarding_steps(services: Services, shop: ShopRef, now: datetime) -> list[Step]:
    redis, keys = services.redis, services.keys
    facts = await load_facts(redis, keys, shop)
    install: dict[str, str] = {}
    if shop.platform == "bigcommerce":
        raw = await redis.hgetall(install_state_key(keys, shop))
        install = {as_text(k): as_text(v) for k, v in raw.items()}
    today = shop_today(facts.timezone if facts else None, now)
    steps = [
        Step(
            "facts",
            "Store details read",
            facts is not None,
            f"{facts.name}: {facts.currency}, {facts.timezone}." if facts else "Reading your store's details.",
        ),
        await _storefront_step(services, shop, install, today),
    ]
    dead = len(await shop_dead_letters(redis, keys, shop))
    stats = await collect_stats(redis, keys)
    lagging = stats.oldest_pending_age_s > QUEUE_LAG_LIMIT_S
    if dead:
        detail = f"{dead} of your store's events failed for good: replay them once the cause is fixed."
    elif lagging:
        detail = f"Events are waiting {stats.oldest_pending_age_s:.0f} s for a worker; they are handled shortly."
    else:
        detail = "No failed events, and the queue is keeping up."
    steps.append(Step("webhooks", "Order updates flowing", not dead and not lagging, detail, "Webhooks", "health"))
    setup = await load_shipping_setup(redis, keys, shop)
    synced_at = install.get("shipping_synced_at")
    if setup is None:
        rates = "Copying your shipping zones and rates; the estimator starts once they are here."
    else:
        when = f", synced {format_moment(float(synced_at))}" if synced_at else ""
        rates = f"{len(setup.zones)} shipping zone(s) in {setup.currency}{when}."
    steps.append(Step("rates", "Shipping rates synced", setup is not None, rates, "Shipping estimator", "estimator"))
    sent_at = await redis.get(test_email_key(services, shop))
    if sent_at is None and services.settings.smtp_url is None:
        sent_at = next((entry.at for entry in await list_outbox(services, shop) if entry.kind == "test"), None)
    steps.append(
        Step(
            "email",
            "Test email sent",
            sent_at is not None,
            "You have seen a post-purchase email as your customers will."
            if sent_at
            else "Send yourself a test of a post-purchase email.",
            "Emails",
            "emails",
        )
    )
    return steps
