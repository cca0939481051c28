"""A benchmark figure: the value, the baseline measured in the same run, their ratio, and the goal."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Figure:
    name: str
    value: float
    unit: str
    baseline: float
    baseline_label: str
    ratio: float
    goal: str
    detail: str = ""

    def line(self) -> str:
        extra = f"; {self.detail}" if self.detail else ""
        return (
            f"{self.name:<28} {self.value:>10.2f} {self.unit:<10} baseline {self.baseline:>10.2f} "
            f"({self.baseline_label})  ratio {self.ratio:.2f}  goal {self.goal}{extra}"
        )

    def to_json(self) -> dict[str, Any]:
        return asdict(self)
