"""The onboarding checklist: each step is checked against what the app actually holds for the shop."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlencode

from plugin.admin.formats import format_moment, format_number
from plugin.admin.language import t, tn
from plugin.admin.queue import shop_dead_letters
from plugin.bigcommerce.jobs import install_state_key
from plugin.email.outbox import list_outbox
from plugin.keys import ShopRef
from plugin.services import Services
from plugin.shop_data import load_facts, load_shipping_setup
from plugin.shop_days import shop_today
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
            t("home_script_label"),
            checked is not None,
            t("home_script_checked") if checked else t("home_script_pending"),
        )
    views = await _storefront_views(services, shop, today)
    editor = (
        shop_origin(services.settings.shopify_origin, shop)
        + "/admin/themes/current/editor?"
        + urlencode({"context": "apps", "activateAppId": f"{services.settings.shopify_api_key}/{EMBED_BLOCK}"})
    )
    if views:
        return Step(
            "storefront", t("home_embed_label"), True, tn("home_embed_seen", views, days=STOREFRONT_WINDOW_DAYS)
        )
    return Step(
        "storefront",
        t("home_embed_label"),
        False,
        t("home_embed_missing"),
        t("home_embed_action"),
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
            t("home_facts_label"),
            facts is not None,
            t("home_facts_read", name=facts.name, currency=facts.currency, timezone=facts.timezone)
            if facts
            else t("home_facts_reading"),
        ),
        await _storefront_step(services, shop, install, today),
    ]
    dead = len(await shop_dead_letters(redis, keys, shop))
    stats = await collect_stats(redis, keys)
    lagging = stats.oldest_pending_age_s > QUEUE_LAG_LIMIT_S
    if dead:
        detail = tn("home_webhooks_dead", dead)
    elif lagging:
        detail = t("home_webhooks_lagging", seconds=format_number(stats.oldest_pending_age_s))
    else:
        detail = t("home_webhooks_ok")
    flowing = not dead and not lagging
    steps.append(Step("webhooks", t("home_webhooks_label"), flowing, detail, t("nav_health"), "health"))
    setup = await load_shipping_setup(redis, keys, shop)
    synced_at = install.get("shipping_synced_at")
    if setup is None:
        rates = t("home_rates_copying")
    elif synced_at:
        rates = tn("home_rates_synced", len(setup.zones), currency=setup.currency, when=format_moment(float(synced_at)))
    else:
        rates = tn("home_rates_zones", len(setup.zones), currency=setup.currency)
    steps.append(Step("rates", t("home_rates_label"), setup is not None, rates, t("nav_estimator"), "estimator"))
    sent_at = await redis.get(test_email_key(services, shop))
    if sent_at is None and services.settings.smtp_url is None:
        sent_at = next((entry.at for entry in await list_outbox(services, shop) if entry.kind == "test"), None)
    steps.append(
        Step(
            "email",
            t("home_email_label"),
            sent_at is not None,
            t("home_email_seen") if sent_at else t("home_email_todo"),
            t("nav_emails"),
            "emails",
        )
    )
    return steps
