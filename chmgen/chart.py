"""Inline SVG line charts of indicator series: trend, baseline and goal, no JavaScript needed."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from chmgen.model import DataPoint

WIDTH, HEIGHT = 640, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 24, 20, 44


@dataclass(frozen=True)
class ChartText:
    """The translated words a chart needs (title, description, legend)."""

    title: str
    description: str
    series: str
    baseline: str
    goal: str


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round axis ticks covering ``low``..``high``."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.floor(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 0.5:
        ticks.append(round(value, 10))
        value += step
    return ticks


def line_chart(
    ident: str,
    data: tuple[DataPoint, ...],
    baseline: DataPoint | None,
    goal: DataPoint | None,
    words: ChartText,
    number: Callable[[float], str],
) -> Markup:
    """An accessible SVG chart (``role="img"`` with title and description)."""
    points = list(data)
    extra = [p for p in (baseline, goal) if p is not None]
    years = [p.year for p in points + extra]
    values = [p.value for p in points + extra]
    low, high = min(values), max(values)
    if 0 <= low < 0.5 * high:
        low = 0.0  # show the zero line when it does not flatten the trend
    ticks = nice_ticks(low, high)
    y_low, y_high = ticks[0], ticks[-1]
    x_low, x_high = min(years), max(years)
    span_x = max(x_high - x_low, 1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(year: float) -> float:
        return round(LEFT + (year - x_low) / span_x * plot_w, 1)

    def y(value: float) -> float:
        return round(TOP + (y_high - value) / ((y_high - y_low) or 1) * plot_h, 1)

    uid = f"chart-{escape(ident)}"
    out = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{uid}-t {uid}-d" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{uid}-t">{escape(words.title)}</title>',
        f'<desc id="{uid}-d">{escape(words.description)}</desc>',
    ]
    for tick in ticks:
        out.append(f'<line class="grid" x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(tick)}" '
                   f'y2="{y(tick)}"/>')
        out.append(f'<text class="tick" x="{LEFT - 8}" y="{y(tick) + 4}" '
                   f'text-anchor="end">{escape(number(tick))}</text>')
    step = max(1, math.ceil(span_x / 8))
    for year in range(x_low, x_high + 1, step):
        out.append(f'<text class="tick" x="{x(year)}" y="{HEIGHT - BOTTOM + 18}" '
                   f'text-anchor="middle">{year}</text>')
    if baseline is not None:
        out.append(f'<line class="baseline" x1="{LEFT}" x2="{WIDTH - RIGHT}" '
                   f'y1="{y(baseline.value)}" y2="{y(baseline.value)}"/>')
    if points:
        path = " ".join(f"{x(p.year)},{y(p.value)}" for p in points)
        out.append(f'<polyline class="series" points="{path}"/>')
        out.extend(f'<circle class="point" cx="{x(p.year)}" cy="{y(p.value)}" r="3.5"/>'
                   for p in points)
    if goal is not None:
        gx, gy = x(goal.year), y(goal.value)
        out.append(f'<path class="goal" d="M{gx} {gy - 7}L{gx + 7} {gy}L{gx} {gy + 7}'
                   f'L{gx - 7} {gy}Z"/>')
    out.append(_legend(words, baseline is not None, goal is not None))
    out.append("</svg>")
    return Markup("".join(out))


def _legend(words: ChartText, baseline: bool, goal: bool) -> str:
    y = HEIGHT - 10
    parts = [f'<g class="legend" aria-hidden="true"><line class="series" x1="{LEFT}" '
             f'x2="{LEFT + 24}" y1="{y - 4}" y2="{y - 4}"/><text x="{LEFT + 30}" y="{y}">'
             f'{escape(words.series)}</text>']
    offset = LEFT + 200
    if baseline:
        parts.append(f'<line class="baseline" x1="{offset}" x2="{offset + 24}" y1="{y - 4}" '
                     f'y2="{y - 4}"/><text x="{offset + 30}" y="{y}">{escape(words.baseline)}'
                     '</text>')
        offset += 200
    if goal:
        parts.append(f'<path class="goal" d="M{offset + 12} {y - 11}L{offset + 19} {y - 4}'
                     f'L{offset + 12} {y + 3}L{offset + 5} {y - 4}Z"/><text x="{offset + 30}" '
                     f'y="{y}">{escape(words.goal)}</text>')
    parts.append("</g>")
    return "".join(parts)
