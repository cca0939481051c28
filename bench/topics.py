"""Topic classifier accuracy: on the labelled messages its rules were written against, and on held-out messages
written after the rules were frozen (the honest figure), with the share of tagged messages that were right."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from bench.figures import Figure
from plugin.insights.topics import Topic, classify

SETS = Path(__file__).resolve().parents[1] / "tests" / "insights"


def _rows(name: str) -> list[tuple[str, Topic, str]]:
    rows = []
    for line in (SETS / name).read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            language, topic, text = line.split("\t")
            rows.append((language, Topic(topic), text))
    return rows


def _accuracy(rows: list[tuple[str, Topic, str]]) -> tuple[float, float, float, dict[str, float]]:
    """(accuracy, share tagged with a topic other than `other`, accuracy among those, accuracy per language)."""
    right = tagged = tagged_right = 0
    per_language: Counter[str] = Counter()
    per_language_right: Counter[str] = Counter()
    for language, topic, text in rows:
        guess = classify(text).topic
        per_language[language] += 1
        if guess == topic:
            right += 1
            per_language_right[language] += 1
        if guess != Topic.OTHER:
            tagged += 1
            tagged_right += guess == topic
    by_language = {language: per_language_right[language] / count for language, count in per_language.items()}
    return right / len(rows), tagged / len(rows), tagged_right / tagged if tagged else 0.0, by_language


def measure() -> list[Figure]:
    seen = _rows("labelled_messages.tsv")
    held = _rows("held_out_messages.tsv")
    seen_accuracy, _, _, _ = _accuracy(seen)
    held_accuracy, held_tagged, held_precision, by_language = _accuracy(held)
    languages = ", ".join(f"{language} {share:.0%}" for language, share in sorted(by_language.items()))
    return [
        Figure(
            name="topics, held-out accuracy",
            value=100 * held_accuracy,
            unit="%",
            baseline=100 * seen_accuracy,
            baseline_label=f"on the {len(seen)} messages the rules were written against",
            ratio=held_accuracy / seen_accuracy,
            goal="report",
            detail=f"{len(held)} held-out messages, 8 topics, 10 languages; {languages}",
        ),
        Figure(
            name="topics, held-out precision",
            value=100 * held_precision,
            unit="%",
            baseline=100 * held_tagged,
            baseline_label="share given a topic (the rest: other)",
            ratio=held_precision,
            goal="report",
            detail="of held-out messages given a topic other than `other`, the share that were right",
        ),
    ]
