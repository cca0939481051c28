"""The request schemas `/openapi.json` publishes agree with the validators they are built from: what the settings
pages send back validates, what the schema refuses the server refuses too, and the edge cases the schemas brought
to light are answered 400 with a reason instead of a 500 or a silent default."""

from __future__ import annotations

from typing import Any

import jsonschema_rs
import pytest

from plugin.email.journey_settings import (
    JourneySettingsError,
    journey_settings_from_dict,
    journey_settings_schema,
    journey_settings_to_dict,
)
from widgets.estimator.engine import EstimateInputError, parse_estimate_request
from widgets.estimator.schema import estimate_query_schema
from widgets.help.requests import HelpRequestError, help_request_schema, parse_help_request
from widgets.help.settings import (
    HelpSettings,
    default_help_settings,
    help_settings_from_dict,
    help_settings_schema,
    help_settings_to_dict,
)
from widgets.help.validation import HelpSettingsError
from widgets.holdout import BucketError, variant_for
from widgets.settings import (
    WidgetSettings,
    WidgetSettingsError,
    settings_from_dict,
    settings_to_dict,
    widget_settings_schema,
)


def valid(schema: dict[str, Any], instance: object) -> bool:
    return bool(jsonschema_rs.Draft202012Validator(schema).is_valid(instance))


def test_what_the_settings_pages_read_validates_as_a_change() -> None:
    assert valid(widget_settings_schema(), settings_to_dict(WidgetSettings()))
    assert valid(journey_settings_schema(), journey_settings_to_dict(journey_settings_from_dict({})))
    one_entry = {
        "faq": [{"id": "shipping", "source": "shipping", "pages": [], "triggers": []}],
        "rules": [{"id": "idle", "trigger": {"type": "idle", "seconds": 45}, "where": {"pages": ["product"]}}],
        "hours": {"timezone": "Europe/Berlin", "weekly": {"mon": [["09:00", "12:00"], ["13:30", "18:00"]]}},
    }
    document = help_settings_to_dict(help_settings_from_dict(one_entry, HelpSettings(), timezone="UTC"))
    assert valid(help_settings_schema(), document)
    defaults = help_settings_to_dict(default_help_settings({}))
    assert len(defaults["faq"]) == 2
    assert valid(help_settings_schema(), defaults)


def test_the_help_settings_schema_keeps_faq_and_rule_ids_apart() -> None:
    entry = {"id": "sizes", "question": {"en": "Sizes?"}, "answer": {"en": "S to XL"}}
    rules: list[Any] = []
    assert valid(help_settings_schema(), {"faq": [entry, {"id": "shipping", "source": "shipping"}], "rules": rules})
    for faq in ([entry, entry], [entry, {**entry, "id": "fit"}]):
        assert not valid(help_settings_schema(), {"faq": faq, "rules": rules})
    with pytest.raises(HelpSettingsError):
        help_settings_from_dict({"faq": [entry, entry]}, HelpSettings(), timezone="UTC")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"country": "GB", "postcode": "12345", "subtotal": "10"}, "postcode"),
        ({"country": "US", "postcode": "SW1A 1AA", "subtotal": "10"}, "postcode"),
        ({"country": "DE", "subtotal": "10.5", "currency": "JPY"}, "subtotal"),
        ({"country": "DE", "subtotal": "10.555", "currency": "EUR"}, "subtotal"),
        ({"country": "DE", "subtotal": "10", "currency": "XYZ"}, "currency"),
    ],
)
def test_the_estimate_schema_refuses_what_the_estimator_refuses(query: dict[str, str], field: str) -> None:
    assert not valid(estimate_query_schema(), query)
    with pytest.raises(EstimateInputError) as refused:
        parse_estimate_request(query, shop_currency="EUR")
    assert refused.value.field == field


def test_cross_field_cases_the_estimate_schema_admits_are_estimated() -> None:
    for query in (
        {"country": "GB", "postcode": "SW1A1AA", "subtotal": "10.50", "currency": "EUR"},
        {"country": "CA", "postcode": "K1A 0B1", "subtotal": "0", "currency": "EUR"},
        {"country": "BR", "postcode": "01310-100", "subtotal": "3", "currency": "EUR"},
        {"country": "JP", "subtotal": "1200", "currency": "JPY"},
    ):
        assert valid(estimate_query_schema(), query), query
        parse_estimate_request(query, shop_currency=query["currency"])
    assert not valid(estimate_query_schema(), {"postcode": "10115", "subtotal": "1"}), "a postcode needs its country"


def test_a_help_request_schema_and_parser_agree_on_the_cart_consent() -> None:
    request = {"email": "a@example.com", "question": "Where is it?", "cart": {"lines": []}}
    assert not valid(help_request_schema(), request)
    with pytest.raises(HelpRequestError):
        parse_help_request(request)
    request["cart_consent"] = True
    assert valid(help_request_schema(), request)
    parse_help_request(request)


def test_whole_numbers_written_with_a_fraction_are_whole_numbers_as_in_json_schema() -> None:
    assert settings_from_dict({"holdout_percent": 20.0}, WidgetSettings()).holdout_percent == 20
    with pytest.raises(WidgetSettingsError):
        settings_from_dict({"holdout_percent": 20.5}, WidgetSettings())
    assert journey_settings_from_dict({"feedback_delay_days": 3.0}).feedback_delay_days == 3
    costs = settings_from_dict({"estimator": {"method_typical_costs": {"Express": 9.0}}}, WidgetSettings())
    assert str(costs.estimator.method_typical_costs["Express"]) == "9"
    with pytest.raises(WidgetSettingsError):
        settings_from_dict({"estimator": {"method_typical_costs": {"Express": 9.5}}}, WidgetSettings())


@pytest.mark.parametrize(
    "check",
    [
        lambda: settings_from_dict({"version": True}, WidgetSettings()),
        lambda: help_settings_from_dict({"version": True}, HelpSettings(), timezone="UTC"),
        lambda: help_settings_from_dict({"hours": {"timezone": False}}, HelpSettings(), timezone="UTC"),
        lambda: journey_settings_from_dict({"version": True}),
        lambda: journey_settings_from_dict({"stages": None}),
        lambda: journey_settings_from_dict({"stages": {"confirmed": {"overrides": [1]}}}),  # was a 500
        lambda: journey_settings_from_dict({"review_url": "https://[broken"}),  # was a 500
    ],
)
def test_values_python_would_have_let_through_are_refused_with_a_reason(check: Any) -> None:
    with pytest.raises((WidgetSettingsError, HelpSettingsError, JourneySettingsError)):
        check()


@pytest.mark.parametrize("bucket", ["", "²", "-1", "100"])
def test_a_bucket_that_is_not_a_whole_number_from_0_to_99_is_refused(bucket: str) -> None:
    with pytest.raises(BucketError):
        variant_for(bucket, 10)
