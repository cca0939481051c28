"""Benchmark: microseconds per estimate for a shop with 50 zones of 10 methods, against an in-run baseline."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time as clock
from collections.abc import Callable
from datetime import UTC, datetime, time
from decimal import Decimal
from pathlib import Path

# Runnable as `python bench/bench_estimate.py` from a checkout, without installing the package.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.figures import Figure  # noqa: E402
from plugin.rates import Handling, Method, MethodKind, Region, ShippingSetup, Tier, Zone  # noqa: E402
from widgets.estimator.engine import EstimateRequest, compile_setup, estimate, known_countries  # noqa: E402

ZONES = 50
METHODS_PER_ZONE = 10
BATCHES = 200
BATCH_SIZE = 100


def build_setup() -> tuple[ShippingSetup, list[str]]:
    countries = sorted(known_countries() - {"DE"})[: ZONES - 2]
    tiers = tuple(Tier(Decimal(lo), Decimal(lo + 999), Decimal(4 + lo // 1000)) for lo in range(0, 20_000, 1000))

    def methods(zone: int) -> tuple[Method, ...]:
        kinds = [
            Method(f"{zone}-1", "Standard", MethodKind.FLAT, rate=Decimal("4.90"), max_subtotal=Decimal("49.99")),
            Method(f"{zone}-2", "Free", MethodKind.FLAT, min_subtotal=Decimal(50), transit_days=(2, 4)),
            Method(f"{zone}-3", "Per item", MethodKind.PER_ITEM, rate=Decimal("1.25"), handling=Handling(Decimal(1))),
            Method(f"{zone}-4", "By weight", MethodKind.WEIGHT, tiers=tiers, default_cost=Decimal(30)),
            Method(f"{zone}-5", "By total", MethodKind.TOTAL, tiers=tiers, default_cost=Decimal(10)),
            Method(f"{zone}-6", "Express", MethodKind.FLAT, rate=Decimal("12.00"), transit_days=(1, 1)),
            Method(f"{zone}-7", "Heavy", MethodKind.FLAT, rate=Decimal("19.00"), min_weight_g=Decimal(5000)),
            Method(f"{zone}-8", "Courier", MethodKind.CARRIER, handling=Handling(Decimal(2), Decimal(5))),
            Method(f"{zone}-9", "Courier plus", MethodKind.CARRIER, typical_cost=Decimal("9.00")),
            Method(f"{zone}-10", "Pickup", MethodKind.FREE, min_subtotal=Decimal(20)),
        ]
        return tuple(kinds[:METHODS_PER_ZONE])

    zones = [
        Zone(
            "de-berlin",
            "Berlin",
            regions=(Region("DE", postcodes=("10*", "12000-14199")),),
            methods=methods(0),
            handling=Handling(percent=Decimal(3)),
        )
    ]
    zones += [
        Zone(str(i), country, regions=(Region(country), Region(country, provinces=("A", "B"))), methods=methods(i))
        for i, country in enumerate(countries, start=1)
    ]
    zones.append(
        Zone("row", "Rest of world", rest_of_world=True, methods=methods(ZONES), free_shipping_threshold=Decimal(80))
    )
    return ShippingSetup(
        origin_country="DE",
        timezone="Europe/Berlin",
        currency="EUR",
        zones=tuple(zones),
        processing_days=0,
        cutoff=time(14, 0),
        default_transit_days=(1, 3),
    ), countries


def per_call_us(run: Callable[[int], object]) -> float:
    """Median over batches of the mean time per call, in microseconds."""
    samples = []
    for _ in range(BATCHES):
        started = clock.perf_counter_ns()
        for i in range(BATCH_SIZE):
            run(i)
        samples.append((clock.perf_counter_ns() - started) / BATCH_SIZE / 1000)
    return statistics.median(samples)


def measure() -> Figure:
    setup, countries = build_setup()
    compiled = compile_setup(setup)
    now = datetime(2026, 6, 1, 9, 30, tzinfo=UTC)
    # A postcode zone, a postcode outside it, a country only the rest-of-world zone covers, then the rest.
    destinations = [("DE", "10115"), ("DE", "80331"), ("QA", None)] + [(c, None) for c in countries]
    subtotals = [Decimal(s) for s in ("19.90", "49.99", "50.00", "120.00")]

    def request(i: int) -> EstimateRequest:
        country, postcode = destinations[i % len(destinations)]
        return EstimateRequest(country, subtotals[i % 4], "EUR", 1200 + 700 * (i % 9), 1 + i % 3, None, postcode)

    requests = [request(i) for i in range(BATCH_SIZE)]
    for r in requests:  # warm the holiday cache and Babel data before timing
        estimate(compiled, r, now)

    value = per_call_us(lambda i: estimate(compiled, requests[i], now))
    baseline = per_call_us(request)
    return Figure(
        name="estimate",
        value=value,
        unit="us/call",
        baseline=baseline,
        baseline_label="build the request",
        ratio=value / baseline,
        goal="< 200 us",
        detail=f"{ZONES} zones x {METHODS_PER_ZONE} methods",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--json", action="store_true", help="also print a JSON result line")
    args = parser.parse_args()
    figure = measure()
    print(figure.line())
    if args.json:
        print(json.dumps(figure.to_json()))


if __name__ == "__main__":
    main()
