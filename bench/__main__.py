"""`make bench`: every figure with its baseline and ratio, one line each, plus JSON in bench/results/latest.json."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from bench import (
    api_calls,
    bench_estimate,
    cluster_ingest,
    ingest,
    messages,
    storage,
    storefront,
    storefront_api,
    topics,
)
from bench.alternating import MIN_PAIRS
from bench.figures import Figure
from bench.load import wrk_available

RESULTS = Path(__file__).resolve().parent / "results"


def _suites(seconds: int, pairs: int) -> dict[str, Callable[[], list[Figure]]]:
    return {
        "estimate": lambda: [bench_estimate.measure()],
        "ingest": lambda: ingest.measure(seconds=seconds, pairs=pairs),
        "cluster_ingest": lambda: cluster_ingest.measure(seconds=seconds, pairs=pairs),
        "storefront": storefront.measure,
        "storefront_api": lambda: storefront_api.measure(seconds=seconds, pairs=pairs),
        "messages": messages.measure,
        "storage": storage.measure,
        "api_calls": api_calls.measure,
        "topics": topics.measure,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__)
    parser.add_argument(
        "--only",
        action="append",
        help="run just these suites (estimate, ingest, cluster_ingest, storefront, storefront_api, messages, storage, "
        "api_calls, topics)",
    )
    parser.add_argument(
        "--seconds", type=int, default=5, help="load duration of one round of app or baseline (default 5)"
    )
    parser.add_argument(
        "--pairs",
        type=int,
        default=MIN_PAIRS,
        help=f"alternating app/baseline rounds per load figure (default and minimum {MIN_PAIRS})",
    )
    parser.add_argument("--json", action="store_true", help="print the JSON document too")
    args = parser.parse_args(argv)
    if args.pairs < MIN_PAIRS:
        parser.error(f"--pairs must be at least {MIN_PAIRS}: fewer rounds give no spread worth reporting")

    figures: list[Figure] = []
    for name, run in _suites(args.seconds, args.pairs).items():
        if args.only and name not in args.only:
            continue
        if name in ("ingest", "cluster_ingest", "storefront_api") and not wrk_available():
            print(f"{name}: skipped, `wrk` is not installed (apt-get install wrk)", file=sys.stderr)
            continue
        print(f"running {name} ...", file=sys.stderr, flush=True)
        for figure in run():
            figures.append(figure)
            print(figure.line(), flush=True)
    RESULTS.mkdir(exist_ok=True)
    document = {"figures": [figure.to_json() for figure in figures]}
    (RESULTS / "latest.json").write_text(json.dumps(document, indent=2) + "\n")
    if args.json:
        print(json.dumps(document))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
