"""Line plots as inline SVG text, for the HTML report: no matplotlib, no images, no script.

Hand-written rather than matplotlib's SVG backend: a report must open with no optional
extra installed, the picture stays a few kB of text the page can hold inline (matplotlib's
SVG of one line is ~40 kB of glyph paths), and its text stays text (searchable, copyable).

A plot is one or more lines of y against x on linear or logarithmic axes, or against named
categories (a varied choice). A None or non-finite y is a gap in the line (an infeasible
point). Numbers on the ticks are placed where a reader expects them: 1, 2, 5 x 10^k on a
linear axis, the powers of ten (and 2 and 5 within them when the axis spans few decades)
on a logarithmic one. Colours are a palette safe for colour-blind readers (Okabe-Ito).
"""

from __future__ import annotations

import math
from html import escape
from typing import NamedTuple, Sequence

WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 64, 14, 12, 46  # margins of the plot area, in viewBox units
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442", "#882255",
           "#44AA99")
CHAR_WIDTH = 6.4  # of a tick label's character at 11 px, a little more than most fonts' digits
MARKED_POINTS = 60  # up to this many points a line has a marker with its exact values (a <title>)


class Line(NamedTuple):
    label: str  # "" for the only line
    ys: Sequence[float | None]


class Axis(NamedTuple):
    label: str
    log: bool = False
    categories: Sequence[str] = ()  # named x values at 0, 1, 2, ...


def finite(values) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]


def svg(xs: Sequence[float], lines: Sequence[Line], x_axis: Axis, y_axis: Axis, title: str,
        marker: tuple[float, float, str] | None = None) -> str:
    """The SVG element of a plot; `marker` is a published value (x, y, label) drawn as a star."""
    ys = [y for line in lines for y in finite(line.ys)] + ([marker[1]] if marker else [])
    y_log = y_axis.log and bool(ys) and min(ys) > 0 and max(ys) >= 10 * min(ys)  # less than a decade: linear
    xv = finite(xs) + ([marker[0]] if marker else [])
    x_log = x_axis.log and bool(xv) and min(xv) > 0
    x_lo, x_hi = _extent(xv, x_log) if not x_axis.categories else (-0.5, len(x_axis.categories) - 0.5)
    y_lo, y_hi = _extent(ys, y_log)
    x_ticks = _ticks(x_lo, x_hi, x_log) if not x_axis.categories else list(range(len(x_axis.categories)))
    y_ticks = _ticks(y_lo, y_hi, y_log)
    y_step = 0.0 if y_log or len(y_ticks) < 2 else y_ticks[1] - y_ticks[0]
    x_step = 0.0 if x_log or x_axis.categories or len(x_ticks) < 2 else x_ticks[1] - x_ticks[0]
    if not x_axis.categories:
        x_lo, x_hi = _widen(x_lo, x_hi, x_ticks, x_log)
    y_lo, y_hi = _widen(y_lo, y_hi, y_ticks, y_log)
    y_texts = [tick_text(t, y_step) for t in y_ticks]
    left = max(LEFT, _short(24 + CHAR_WIDTH * max(map(len, y_texts), default=0)))  # the labels clear the axis title
    sx = _scale(x_lo, x_hi, x_log, left, WIDTH - RIGHT)
    sy = _scale(y_lo, y_hi, y_log, HEIGHT - BOTTOM, TOP)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img"'
             f' aria-label="{escape(title)}" class="plot">', f"<title>{escape(title)}</title>"]
    if x_axis.categories:
        sx = _categories(len(x_axis.categories), left)
    parts += _grid(x_ticks, y_ticks, sx, sy, x_axis, (x_step, y_step), left)
    for i, line in enumerate(lines):
        parts += _line(xs, line, sx, sy, PALETTE[i % len(PALETTE)], x_axis, y_axis)
    if marker:
        parts.append(_star(sx(marker[0]), sy(marker[1]), marker[2]))
    parts.append(f'<text x="{(left + WIDTH - RIGHT) / 2:g}" y="{HEIGHT - 6}" text-anchor="middle"'
                 f' class="axis-label">{escape(x_axis.label)}</text>')
    parts.append(f'<text transform="translate(13 {(TOP + HEIGHT - BOTTOM) / 2:g}) rotate(-90)" text-anchor="middle"'
                 f' class="axis-label">{escape(y_axis.label)}</text>')
    parts.append("</svg>")
    return "\n".join(parts)


def _extent(values: list[float], log: bool) -> tuple[float, float]:
    """The data range (log10 of it on a log axis), widened around a single value."""
    if not values:
        return (0.0, 1.0)
    lo, hi = min(values), max(values)
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
        return (lo - 0.5, hi + 0.5) if hi - lo < 1e-9 else (lo, hi)
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):
        pad = abs(lo) * 0.1 or 1.0
        return lo - pad, hi + pad
    return lo, hi


def _ticks(lo: float, hi: float, log: bool) -> list[float]:
    """Tick values in data units (log axes: lo and hi are log10)."""
    if log:
        step = next(s for s in (1, 2, 3, 5, 10, 20, 25, 50, 100) if s * 6 >= hi - lo)  # decades between ticks
        first, last = math.floor(lo / step + 1e-9) * step, math.ceil(hi / step - 1e-9) * step
        ticks = [10.0 ** k for k in range(first, last + 1, step)]
        if last - first <= 2:  # few decades: 2 and 5 within them too
            ticks = sorted(t * m for t in ticks for m in (1, 2, 5) if lo - 1e-9 <= math.log10(t * m) <= hi + 1e-9) \
                or ticks
        return ticks
    raw = (hi - lo) / 5
    power = 10.0 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    start = math.floor(lo / step + 1e-9) * step
    count = int(math.ceil((hi - start) / step - 1e-9)) + 1
    return [_tidy(start + i * step, step) for i in range(count)]


def _tidy(value: float, step: float) -> float:
    """A tick value without float noise (0.30000000000000004 -> 0.3)."""
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return round(value, digits) + 0.0


def _widen(lo: float, hi: float, ticks: list[float], log: bool) -> tuple[float, float]:
    """The axis range reaching the outer ticks, so the data sits between labelled lines."""
    if not ticks:
        return lo, hi
    t = [math.log10(v) for v in ticks] if log else ticks
    return min(lo, t[0]), max(hi, t[-1])


def _scale(lo: float, hi: float, log: bool, start: float, stop: float):
    span = (hi - lo) or 1.0

    def position(value: float) -> float:
        v = math.log10(value) if log else value
        return _short(start + (v - lo) / span * (stop - start))

    return position


def tick_text(value: float, step: float = 0.0) -> str:
    """A tick's number with the digits that tell it from its neighbours `step` away (0: a
    power of ten or 2 and 5 times one, on a log axis): 99.99999 and 100, not 100 twice."""
    if value == 0:
        return "0"
    digits = 2 if not step else max(1, math.floor(math.log10(abs(value))) - math.floor(math.log10(step)) + 1)
    if 1e-3 <= abs(value) < 1e6 and digits <= 12:
        return f"{value:.{max(digits, 6)}g}"
    mantissa, _, exponent = f"{value:.{min(digits, 12)}g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def _grid(x_ticks, y_ticks, sx, sy, x_axis: Axis, steps: tuple[float, float], left: float) -> list[str]:
    bottom, top, right = HEIGHT - BOTTOM, TOP, WIDTH - RIGHT
    parts = ['<g class="grid">']
    for t in y_ticks:
        y = sy(t)
        parts.append(f'<line x1="{left}" x2="{right}" y1="{y}" y2="{y}"/>')
    for t in x_ticks:
        x = sx(t)
        parts.append(f'<line x1="{x}" x2="{x}" y1="{top}" y2="{bottom}"/>')
    parts.append("</g>")
    parts.append(f'<rect x="{left}" y="{top}" width="{right - left:g}" height="{bottom - top}" class="frame"/>')
    for t in y_ticks:
        parts.append(f'<text x="{left - 5}" y="{sy(t) + 4}" text-anchor="end" class="tick">{tick_text(t, steps[1])}</text>')
    for t in x_ticks:
        label = x_axis.categories[int(t)] if x_axis.categories else tick_text(t, steps[0])
        x = sx(t)
        parts.append(f'<text x="{x}" y="{bottom + 16}" text-anchor="middle" class="tick">{escape(label)}</text>')
    return parts


def _categories(count: int, left: float):
    """The x position of the i-th named value: the middle of its equal share of the width."""
    return lambda index: _short(left + (index + 0.5) / count * (WIDTH - RIGHT - left))


def _short(position: float) -> float | int:
    """A position to 0.01 of a unit, written without a trailing .0 (the SVG stays small)."""
    value = round(position, 2)
    return int(value) if value.is_integer() else value


def _line(xs, line: Line, sx, sy, colour: str, x_axis: Axis, y_axis: Axis) -> list[str]:
    """Polylines between gaps, and a marker with its values at each point of a short line."""
    points, segments = [], [[]]
    for i, (x, y) in enumerate(zip(xs, line.ys)):
        if not finite([y]) or (not x_axis.categories and not finite([x])):
            if segments[-1]:
                segments.append([])
            continue
        px = sx(x)
        point = (px, sy(y), x, y)
        segments[-1].append(point)
        points.append(point)
    parts = [f'<g class="series" stroke="{colour}" fill="{colour}">']
    for segment in segments:
        if len(segment) > 1:
            parts.append('<polyline fill="none" stroke-width="2" points="'
                         + " ".join(f"{px},{py}" for px, py, _, _ in segment) + '"/>')
    if len(points) <= MARKED_POINTS:
        for px, py, x, y in points:
            shown_x = x_axis.categories[int(x)] if x_axis.categories else repr(float(x))
            text = f"{line.label + ': ' if line.label else ''}{x_axis.label} = {shown_x}; {y_axis.label} = {float(y)!r}"
            parts.append(f'<circle cx="{px}" cy="{py}" r="2.5"><title>{escape(text)}</title></circle>')
    parts.append("</g>")
    return parts


def _star(x: float, y: float, label: str) -> str:
    r, inner = 7.0, 2.8
    corners = []
    for k in range(10):
        radius = r if k % 2 == 0 else inner
        angle = math.pi / 2 + k * math.pi / 5
        corners.append(f"{x + radius * math.cos(angle):.2f},{y - radius * math.sin(angle):.2f}")
    return f'<polygon class="published" points="{" ".join(corners)}"><title>{escape(label)}</title></polygon>'
