"""Merchant-editable texts: rendered in the immutable sandbox; a template reaching for Python internals is refused
when saved and, if it is stored anyway, falls back to the default text and tells the merchant why."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date

import pytest
from redis.asyncio import Redis

from plugin.app import build_job_handlers
from plugin.email.journey_settings import (
    JourneySettings,
    JourneySettingsError,
    StageSettings,
    TemplateOverride,
    journey_settings_to_dict,
    save_journey_settings,
    settings_key,
)
from plugin.email.outbox import OutboxMailer, list_outbox
from plugin.email.preview import preview_message, render_sample, send_test_message
from plugin.email.problems import template_problems
from plugin.email.records import order_messages
from plugin.email.sandbox import MerchantTemplateError, render_merchant_text
from plugin.email.stages import Stage
from plugin.email.transport import SmtpMailer
from plugin.email.wording import LOCALES
from plugin.services import Services
from plugin.settings import Settings
from tests.journey.conftest import Inbox, run_jobs
from tests.journey.support import SHOP, MemoryPlatform, memory_services, observe, open_shop, order_at

pytestmark = pytest.mark.anyio
HOSTILE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ cycler.__init__.__globals__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ self._TemplateReference__context }}",
    "{{ 'x' * 100000000 }}",
    "{% for x in range(10**9) %}{% endfor %}",
    "{{ order.name",
    "{{ unknown_variable }}",
]


@pytest.fixture
async def shop(settings: Settings, redis: Redis) -> AsyncIterator[tuple[Services, MemoryPlatform]]:
    platform = MemoryPlatform()
    services, http = memory_services(settings, redis, platform)
    await open_shop(services)
    yield services, platform
    await http.aclose()


def _with_subject(subject: str, stage: Stage = Stage.SHIPPED) -> JourneySettings:
    override = {"en": TemplateOverride(subject=subject)}
    return JourneySettings(stages={stage: StageSettings(overrides=override)}, quiet_hours=None)


@pytest.mark.parametrize("source", HOSTILE)
def test_the_sandbox_refuses_with_a_reason(source: str) -> None:
    with pytest.raises(MerchantTemplateError) as refused:
        render_merchant_text(source, {"order": {"name": "#1"}})
    assert refused.value.reason


@pytest.mark.parametrize("source", HOSTILE[:3])
async def test_saving_a_template_that_reaches_python_internals_is_refused(
    shop: tuple[Services, MemoryPlatform], source: str
) -> None:
    services, _ = shop
    with pytest.raises(JourneySettingsError) as refused:
        await save_journey_settings(services, SHOP, _with_subject(source))
    assert refused.value.field == "stages.shipped.overrides.en.subject" and "not allowed" in refused.value.reason
    assert await services.redis.get(settings_key(services, SHOP)) is None


async def test_a_stored_hostile_template_falls_back_and_the_merchant_is_told(
    shop: tuple[Services, MemoryPlatform],
) -> None:
    services, platform = shop
    # Stored by an older version, or written around the admin: the send must still be safe.
    data = journey_settings_to_dict(_with_subject("{{ cycler.__init__.__globals__ }}"))
    await services.redis.set(settings_key(services, SHOP), json.dumps(data))
    await observe(services, platform, order_at("845130001", 2, email="tess@example.com"))
    await run_jobs(services, build_job_handlers(OutboxMailer()))
    (entry,) = await list_outbox(services, SHOP)
    assert entry.subject == "Your order #845130001 is on its way"  # the default wording
    assert "globals" not in entry.html and "function" not in entry.text
    (problem,) = await template_problems(services, SHOP)
    assert (problem.stage, problem.locale) == ("shipped", "en") and "not allowed" in problem.reason
    (record,) = [r for r in await order_messages(services, SHOP, "845130001") if r.stage is Stage.SHIPPED]
    assert record.state == "sent" and "subject" in record.get("template_problem")


async def test_merchant_text_is_used_and_escaped(shop: tuple[Services, MemoryPlatform]) -> None:
    services, platform = shop
    settings = JourneySettings(
        stages={
            Stage.SHIPPED: StageSettings(
                overrides={"en": TemplateOverride(subject="On its way, {{ customer.first_name }}!", body="<b>Hi</b>")}
            )
        },
        quiet_hours=None,
    )
    await save_journey_settings(services, SHOP, settings)
    await observe(services, platform, order_at("845130002", 2, email="ugo@example.com"))
    await run_jobs(services, build_job_handlers(OutboxMailer()))
    (entry,) = await list_outbox(services, SHOP)
    assert entry.subject == "On its way, Kim!"
    assert "&lt;b&gt;Hi&lt;/b&gt;" in entry.html and "<b>Hi</b>" not in entry.html


@pytest.mark.parametrize("stage", list(Stage), ids=lambda stage: stage.value)
@pytest.mark.parametrize("locale", LOCALES)
async def test_every_stage_previews_in_every_locale(
    shop: tuple[Services, MemoryPlatform], stage: Stage, locale: str
) -> None:
    services, _ = shop
    preview = await preview_message(services, SHOP, stage, locale)
    assert preview.locale == locale and preview.subject and preview.problems == ()
    assert "#1001" in preview.text and "<style" not in preview.html and 'style="' in preview.html


async def test_a_preview_of_unsaved_text_lists_its_problems(shop: tuple[Services, MemoryPlatform]) -> None:
    services, _ = shop
    preview = await preview_message(
        services, SHOP, Stage.CONFIRMED, "en", override=TemplateOverride(intro="{{ ''.__class__ }}")
    )
    assert preview.problems and preview.problems[0].startswith("intro:")
    assert "Thank you for shopping" in preview.text


async def test_a_test_send_reaches_the_given_address(
    shop: tuple[Services, MemoryPlatform], inbox: Inbox, smtp_url: str
) -> None:
    services, _ = shop
    await send_test_message(services, SHOP, Stage.FEEDBACK, "merchant@shop.test", mailer=SmtpMailer(smtp_url))
    (message,) = inbox.to("merchant@shop.test")
    assert str(message["Subject"]).startswith("[Test] ") and message["List-Unsubscribe"] is not None
    with pytest.raises(ValueError):
        await send_test_message(services, SHOP, Stage.SHIPPED, "a@b.test\r\nBcc: x@y.test")


@pytest.mark.parametrize("stage", [Stage.CONFIRMED, Stage.DELAYED])
def test_a_previews_sample_dates_fall_on_days_parcels_move(stage: Stage) -> None:
    """Previewed on a Thursday: two business days on is Monday, not Saturday; the sample delay's three is Tuesday."""
    thursday = date(2026, 12, 3)
    rendered = render_sample(stage, "en", JourneySettings(), None, SHOP, today=thursday)
    expected = {Stage.CONFIRMED: ("Mon 7 Dec", "Wed 9 Dec"), Stage.DELAYED: ("Tue 8 Dec",)}[stage]
    for day in expected:
        assert day in rendered.text, rendered.text
    assert "Sat" not in rendered.text and "Sun" not in rendered.text
