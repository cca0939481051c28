"""Widget settings: defaults from app.toml, validation with reasons, storage that bumps the settings version."""

from __future__ import annotations

import json
from datetime import time
from decimal import Decimal
from typing import Any

import pytest

from plugin.keys import ShopRef
from plugin.rates import MethodOverride
from plugin.services import Services
from plugin.settings import Settings
from plugin.shop_data import data_version
from widgets.settings import (
    WidgetSettingsError,
    default_settings,
    load_widget_settings,
    save_widget_settings,
    settings_from_dict,
    settings_to_dict,
)

pytestmark = pytest.mark.anyio


def test_defaults_come_from_the_app_manifest(settings: Settings) -> None:
    defaults = default_settings(settings.manifest.widgets)
    assert defaults.holdout_percent == 10
    assert defaults.fallback_locale == "en"
    assert defaults.estimator.enabled is True
    assert defaults.estimator.processing_days == 1
    assert defaults.estimator.cutoff == time(14, 0)
    assert defaults.badges.placements == ("product", "cart")


def test_settings_round_trip_through_their_json_form(settings: Settings) -> None:
    defaults = default_settings(settings.manifest.widgets)
    changed = settings_from_dict(
        {
            "holdout_percent": 20,
            "locale": "de",
            "estimator": {
                "heading": "  Versand  ",
                "default_transit_days": [1, 2],
                "method_transit_days": {"Express": [1, 1]},
                "method_typical_costs": {"DHL Express": "9.5", "carrier-7": 12, "UPS": "4.500"},
            },
            "badges": {"support_hours": "Mo–Fr 9–17", "support_url": "https://help.example/contact"},
        },
        defaults,
    )
    assert changed.estimator.heading == "Versand"
    assert changed.estimator.method_typical_costs == {
        "DHL Express": Decimal("9.5"),
        "carrier-7": Decimal(12),
        "UPS": Decimal("4.50"),
    }
    as_json = settings_to_dict(changed)
    assert as_json["estimator"]["method_typical_costs"] == {"DHL Express": "9.5", "carrier-7": "12", "UPS": "4.50"}
    assert settings_from_dict(json.loads(json.dumps(as_json)), defaults) == changed


def test_typical_costs_and_transit_days_of_one_method_become_one_override(settings: Settings) -> None:
    estimator = settings_from_dict(
        {
            "estimator": {
                "method_transit_days": {"DHL Express": [1, 2], "Standard": [3, 5]},
                "method_typical_costs": {"DHL Express": "9.00", "UPS": "12.50"},
            }
        },
        default_settings(settings.manifest.widgets),
    ).estimator
    assert set(estimator.overrides().methods) == {
        MethodOverride("DHL Express", typical_cost=Decimal("9.00"), transit_days=(1, 2)),
        MethodOverride("Standard", transit_days=(3, 5)),
        MethodOverride("UPS", typical_cost=Decimal("12.50")),
    }


@pytest.mark.parametrize(
    ("changes", "field", "reason_part"),
    [
        ({"holdout_percent": 80}, "holdout_percent", "between 0 and 50"),
        ({"holdout_percent": "10"}, "holdout_percent", "whole number"),
        ({"holdout_percent": True}, "holdout_percent", "whole number"),
        ({"locale": "ko"}, "locale", "must be one of en, de, fr, es, it, nl, pl, sv, pt, ja"),
        ({"colour": "red"}, "colour", "is not a setting"),
        ({"estimator": {"cutoff": "25:00"}}, "estimator.cutoff", "is not a time"),
        ({"estimator": {"cutoff": "14:00:30"}}, "estimator.cutoff", "hours and minutes"),
        ({"estimator": {"default_transit_days": [3, 1]}}, "estimator.default_transit_days", "must not exceed"),
        ({"estimator": {"processing_days": -1}}, "estimator.processing_days", "between 0 and 30"),
        ({"estimator": {"heading": "x" * 121}}, "estimator.heading", "at most 120"),
        ({"estimator": {"placements": ["sidebar"]}}, "estimator.placements", "'sidebar' is not one of"),
        ({"estimator": []}, "estimator", "must be an object"),
        ({"badges": {"kinds": ["trustco_seal"]}}, "badges.kinds", "is not one of"),
        ({"badges": {"support_url": "javascript:alert(1)"}}, "badges.support_url", "https:// or mailto:"),
        ({"badges": {"enabled": "yes"}}, "badges.enabled", "true or false"),
        ({"version": 2}, "version", "unsupported"),
        ({"estimator": {"method_typical_costs": ["DHL"]}}, "estimator.method_typical_costs", "must map method"),
        (
            {"estimator": {"method_typical_costs": {f"Carrier {n}": "5" for n in range(51)}}},
            "estimator.method_typical_costs",
            "at most 50 methods",
        ),
        ({"estimator": {"method_typical_costs": {"DHL": "-0.01"}}}, "estimator.method_typical_costs.DHL", "negative"),
        ({"estimator": {"method_typical_costs": {"DHL": "9.999"}}}, "estimator.method_typical_costs.DHL", "2 decimal"),
        ({"estimator": {"method_typical_costs": {"DHL": "nine"}}}, "estimator.method_typical_costs.DHL", "amount"),
        ({"estimator": {"method_typical_costs": {"DHL": "NaN"}}}, "estimator.method_typical_costs.DHL", "amount"),
        ({"estimator": {"method_typical_costs": {"DHL": 9.99}}}, "estimator.method_typical_costs.DHL", "amount"),
        ({"estimator": {"method_typical_costs": {"DHL": True}}}, "estimator.method_typical_costs.DHL", "amount"),
        ({"estimator": {"method_typical_costs": {"DHL": "1e9"}}}, "estimator.method_typical_costs.DHL", "at most"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_settings_are_refused_with_the_field_and_reason(
    settings: Settings, changes: dict[str, Any], field: str, reason_part: str
) -> None:
    with pytest.raises(WidgetSettingsError) as refused:
        settings_from_dict(changes, default_settings(settings.manifest.widgets))
    assert refused.value.field == field
    assert reason_part in refused.value.reason


async def test_saving_stores_the_whole_settings_and_bumps_the_version(
    services: Services, shop: ShopRef, settings: Settings
) -> None:
    defaults = default_settings(settings.manifest.widgets)
    before = await data_version(services.redis, services.keys, shop)
    saved = await save_widget_settings(services.redis, services.keys, shop, {"holdout_percent": 25}, defaults)
    after = await data_version(services.redis, services.keys, shop)
    assert saved.holdout_percent == 25
    assert after != before
    assert await load_widget_settings(services.redis, services.keys, shop, defaults) == saved


async def test_a_refused_change_writes_nothing(services: Services, shop: ShopRef, settings: Settings) -> None:
    defaults = default_settings(settings.manifest.widgets)
    before = await load_widget_settings(services.redis, services.keys, shop, defaults)
    version = await data_version(services.redis, services.keys, shop)
    with pytest.raises(WidgetSettingsError):
        await save_widget_settings(
            services.redis, services.keys, shop, {"holdout_percent": 5, "locale": "xx"}, defaults
        )
    assert await load_widget_settings(services.redis, services.keys, shop, defaults) == before
    assert await data_version(services.redis, services.keys, shop) == version
