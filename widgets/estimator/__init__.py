"""Shipping cost and delivery-date estimates for product and cart pages, computed from a shop's own rates."""

from __future__ import annotations

from widgets.estimator.engine import (
    CompiledSetup,
    Estimate,
    EstimateInputError,
    EstimateOption,
    EstimateRequest,
    compile_setup,
    estimate,
    parse_estimate_request,
)
from widgets.estimator.matching import MatchLevel
from widgets.estimator.money import format_money, format_shop_money, round_money
from widgets.estimator.pricing import FreeShippingProgress

__all__ = [
    "CompiledSetup",
    "Estimate",
    "EstimateInputError",
    "EstimateOption",
    "EstimateRequest",
    "FreeShippingProgress",
    "MatchLevel",
    "compile_setup",
    "estimate",
    "format_money",
    "format_shop_money",
    "parse_estimate_request",
    "round_money",
]
