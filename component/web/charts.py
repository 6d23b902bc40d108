"""Charts drawn on the server as SVG: no chart library, no script, readable by screen readers.

A chart is an ``<svg role="img">`` with a title and a description that states the figures in
words; the page shows the same figures in a table beside it. Inline ``style`` attributes are
never used (the Content-Security-Policy forbids them): colours come from the stylesheet's
classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from html import escape

from markupsafe import Markup

WIDTH = 600
HEIGHT = 180
LEFT = 36
BOTTOM = 22
TOP = 10


@dataclass(frozen=True)
class Bar:
    label: str
    value: int


def days(since: date, until: date, counts: dict[str, int]) -> list[Bar]:
    """One bar per day from ``since`` to ``until`` inclusive, zero where nothing happened."""
    out = []
    day = since
    while day <= until:
        out.append(Bar(day.isoformat(), counts.get(day.isoformat(), 0)))
        day += timedelta(days=1)
    return out


def bar_chart(bars: Sequence[Bar], title: str, chart_id: str) -> Markup:
    """Vertical bars with a value axis (0 and the maximum) and the first and last labels."""
    top = max((b.value for b in bars), default=0)
    scale = top or 1
    plot_w, plot_h = WIDTH - LEFT - 4, HEIGHT - BOTTOM - TOP
    step = plot_w / max(len(bars), 1)
    shapes = [
        f'<line class="axis" x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - 4}" y2="{TOP + plot_h}"/>',
        f'<text x="{LEFT - 4}" y="{TOP + plot_h}" text-anchor="end">0</text>',
        f'<text x="{LEFT - 4}" y="{TOP + 8}" text-anchor="end">{top}</text>',
    ]
    for i, bar in enumerate(bars):
        h = plot_h * bar.value / scale
        x = LEFT + i * step + step * 0.15
        y = TOP + plot_h - h
        shapes.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}">'
            f"<title>{escape(bar.label)}: {bar.value}</title></rect>"
        )
    if bars:
        shapes.append(f'<text x="{LEFT}" y="{HEIGHT - 6}">{escape(bars[0].label)}</text>')
        shapes.append(
            f'<text x="{WIDTH - 4}" y="{HEIGHT - 6}" text-anchor="end">{escape(bars[-1].label)}</text>'
        )
    total = sum(b.value for b in bars)
    desc = f"{total} in all over {len(bars)} days; the most in one day: {top}."
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{"".join(shapes)}</svg>'
    )
