"""Charts drawn on the server as SVG: no chart library, no script, readable by screen readers.

``bar_chart`` computes the geometry; ``templates/_chart.svg`` draws it, so every label is
escaped by the template engine. The chart is an ``<svg role="img">`` whose title and description
state the figures in words, and the page shows the same figures in a table. Colours come from
the stylesheet's classes (the Content-Security-Policy forbids inline styles).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

WIDTH = 600
HEIGHT = 180
LEFT = 36
BOTTOM = 22
TOP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    bar: Bar


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    rects: list[Rect]
    top: int
    first: str
    last: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    baseline: float = HEIGHT - BOTTOM


def days(since: date, until: date, counts: dict[str, int]) -> list[Bar]:
    """One bar per day from ``since`` to ``until`` inclusive, zero where nothing happened."""
    out = []
    day = since
    while day <= until:
        out.append(Bar(day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    return out


def bar_chart(bars: Sequence[Bar], title: str, chart_id: str) -> BarChart:
    """Vertical bars scaled to the largest value, with the first and last labels under them."""
    top = max((b.value for b in bars), default=0)
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(bars), 1)
    rects = []
    for i, bar in enumerate(bars):
        height = plot_h * bar.value / (top or 1)
        rects.append(
            Rect(
                x=round(LEFT + i * step + step * 0.15, 1),
                y=round(TOP + plot_h - height, 1),
                width=round(step * 0.7, 1),
                height=round(height, 1),
                bar=bar,
            )
        )
    total = sum(b.value for b in bars)
    description = f"{total} in all over {len(bars)} days; the most in one day: {top}."
    return BarChart(
        id=chart_id,
        title=title,
        description=description,
        rects=rects,
        top=top,
        first=bars[0].label if bars else "",
        last=bars[-1].label if bars else "",
    )
