"""Charts as inline SVG, rendered on the server: no script, a fixed aspect ratio (no layout shift), a title and a
description for screen readers, and the numbers in a table next to each chart."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from plugin.admin.formats import format_number, format_percent
from plugin.admin.language import t, tn

WIDTH = 640
HEIGHT = 200
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 48, 12, 12, 28


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]  # one per label; None leaves a gap
    css_class: str  # colour and dash pattern come from the stylesheet


def _fmt(number: float) -> str:
    return f"{number:.1f}"


def _svg(chart_id: str, title: str, description: str, body: list[str]) -> Markup:
    head = (
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" preserveAspectRatio="none" '
        f'aria-labelledby="{escape(chart_id)}-t {escape(chart_id)}-d" focusable="false">'
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-d">{escape(description)}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")


def _axes(top_label: str) -> list[str]:
    bottom = HEIGHT - PAD_BOTTOM
    return [
        f'<line class="axis" x1="{PAD_LEFT}" y1="{PAD_TOP}" x2="{PAD_LEFT}" y2="{bottom}"/>',
        f'<line class="axis" x1="{PAD_LEFT}" y1="{bottom}" x2="{WIDTH - PAD_RIGHT}" y2="{bottom}"/>',
        f'<text class="tick" x="{PAD_LEFT - 6}" y="{PAD_TOP + 4}" text-anchor="end">{escape(top_label)}</text>',
        f'<text class="tick" x="{PAD_LEFT - 6}" y="{bottom}" text-anchor="end">0</text>',
    ]


def line_chart(
    chart_id: str, title: str, labels: Sequence[str], series: Sequence[Series], *, percent: bool = True
) -> Markup:
    """Lines over a shared x axis (days); the y axis starts at 0 and ends at the largest value."""
    top = max((value for line in series for value in line.values if value is not None), default=0.0) or 1.0
    plot_w, plot_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    step = plot_w / max(1, len(labels) - 1)
    body = _axes(format_percent(top) if percent else format_number(top, 1))
    for line in series:
        segments: list[list[str]] = [[]]
        for index, value in enumerate(line.values):
            if value is None:
                segments.append([])
                continue
            x = PAD_LEFT + index * step
            y = PAD_TOP + plot_h * (1 - value / top)
            segments[-1].append(f"{_fmt(x)},{_fmt(y)}")
        for points in segments:
            if len(points) > 1:
                body.append(f'<polyline class="{escape(line.css_class)}" points="{" ".join(points)}"/>')
            elif points:
                cx, cy = points[0].split(",")
                body.append(f'<circle class="{escape(line.css_class)}" cx="{cx}" cy="{cy}" r="2.5"/>')
    if labels:
        body.append(f'<text class="tick" x="{PAD_LEFT}" y="{HEIGHT - 8}">{escape(labels[0])}</text>')
        body.append(
            f'<text class="tick" x="{WIDTH - PAD_RIGHT}" y="{HEIGHT - 8}" text-anchor="end">{escape(labels[-1])}</text>'
        )
    description = t("common_list_separator").join(
        tn("dash_chart_days_with_data", sum(1 for value in line.values if value is not None), series=line.name)
        for line in series
    )
    return _svg(chart_id, title, description, body)


def bar_chart(chart_id: str, title: str, bars: Sequence[tuple[str, int]]) -> Markup:
    """Horizontal bars, one per label, scaled to the largest."""
    top = max((value for _, value in bars), default=0) or 1
    row = (HEIGHT - PAD_TOP - 4) / max(1, len(bars))
    label_w = 200
    plot_w = WIDTH - label_w - 56
    body: list[str] = []
    for index, (label, value) in enumerate(bars):
        y = PAD_TOP + index * row
        bar_h = max(4.0, row * 0.6)
        width = plot_w * value / top
        baseline = _fmt(y + bar_h * 0.8)
        body += [
            f'<text class="tick" x="{label_w - 8}" y="{baseline}" text-anchor="end">{escape(label)}</text>',
            f'<rect class="bar" x="{label_w}" y="{_fmt(y)}" width="{_fmt(width)}" height="{_fmt(bar_h)}"/>',
            f'<text class="tick" x="{_fmt(label_w + width + 6)}" y="{baseline}">{escape(format_number(value))}</text>',
        ]
    description = t("common_list_separator").join(
        t("dash_chart_bar", label=label, value=format_number(value)) for label, value in bars
    )
    return _svg(chart_id, title, description, body)
