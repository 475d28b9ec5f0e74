"""Server-rendered SVG charts (bars, stacked bars, lines, horizontal bars) with no script.

Each chart is an ``<svg role="img">`` labelled by its own ``<title>`` and ``<desc>``; every
piece of text (titles, labels, series names: some are post titles or reviewer names) is
escaped here, so the markup is safe inside HTML and well-formed as XML. The page puts the
numbers behind each chart in a table beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 34, 42
# Distinct on white and for the common colour-vision deficiencies (Okabe-Ito), darkened.
PALETTE = ("#0b5fa5", "#c05600", "#00795c", "#a3307a", "#5b4ab0", "#8a6d00", "#3c3c3c")
AXIS = "#555"
TEXT = "#222"


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float, ...]


def _t(text: object) -> str:
    return escape(str(text), quote=True)


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def nice_max(value: float, integer: bool = True) -> float:
    """The axis's top: four equal steps of 1, 2, 2.5 or 5 × 10^k reaching ``value``. With
    ``integer`` (counts) a step is a whole number, so no tick reads "0.25 posts"."""
    if value <= 0:
        return 4.0 if integer else 1.0
    quarter = value / 4
    power = 10 ** math.floor(math.log10(quarter))
    steps = (1, 2, 5, 10) if integer else (1, 2, 2.5, 5, 10)
    step = next(k * power for k in steps if quarter <= k * power + 1e-9)
    if integer:
        step = max(1, math.ceil(step))
    return float(4 * step)


def _open(chart_id: str, title: str, desc: str, height: int) -> list[str]:
    cid = _t(chart_id)
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{cid}" role="img" '
        f'aria-labelledby="{cid}-title {cid}-desc" viewBox="0 0 {WIDTH} {height}" '
        f'width="100%" preserveAspectRatio="xMidYMid meet">',
        f'<title id="{cid}-title">{_t(title)}</title>',
        f'<desc id="{cid}-desc">{_t(desc)}</desc>',
    ]


def _legend(names: Sequence[str]) -> list[str]:
    out, x = [], LEFT + 50  # after the unit, which sits top left
    for i, name in enumerate(names):
        colour = PALETTE[i % len(PALETTE)]
        out.append(f'<rect x="{x}" y="8" width="12" height="12" fill="{colour}"/>')
        label = name if len(name) <= 24 else name[:23] + "…"
        out.append(f'<text x="{x + 16}" y="18" font-size="12" fill="{TEXT}">{_t(label)}</text>')
        x += 28 + 7 * len(label)
    return out


def _y_axis(top: float, plot_h: float, unit: str) -> list[str]:
    out = []
    for i in range(5):
        value = top * i / 4
        y = TOP + plot_h - plot_h * i / 4
        out.append(
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" '
            f'stroke="#ddd" stroke-width="1"/>'
        )
        out.append(
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" font-size="11" text-anchor="end" '
            f'fill="{TEXT}">{_t(_num(value))}</text>'
        )
    if unit:
        out.append(f'<text x="4" y="18" font-size="11" fill="{TEXT}">{_t(unit)}</text>')
    out.append(
        f'<line x1="{LEFT}" y1="{TOP + plot_h}" x2="{WIDTH - RIGHT}" y2="{TOP + plot_h}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    return out


def _x_labels(labels: Sequence[str], step_w: float, plot_h: float) -> list[str]:
    every = max(1, math.ceil(len(labels) / 8))
    out = []
    for i, label in enumerate(labels):
        if (len(labels) - 1 - i) % every:  # counted back from the last label (today)
            continue
        x = LEFT + step_w * (i + 0.5)
        out.append(
            f'<text x="{x:.1f}" y="{TOP + plot_h + 16}" font-size="11" text-anchor="middle" '
            f'fill="{TEXT}">{_t(label)}</text>'
        )
    return out


def bar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    integer: bool = True,
) -> Markup:
    """Stacked vertical bars: one bar per label, one segment per series."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    totals = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = nice_max(max(totals, default=0), integer)
    step_w = plot_w / max(1, len(labels))
    out = _open(chart_id, title, desc, HEIGHT) + _legend([s.name for s in series])
    out += _y_axis(top, plot_h, unit)
    for i, label in enumerate(labels):
        base = 0.0
        for k, s in enumerate(series):
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / top
            y = TOP + plot_h - plot_h * (base + value) / top
            x = LEFT + step_w * i + step_w * 0.15
            out.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{step_w * 0.7:.1f}" height="{h:.1f}" '
                f'fill="{PALETTE[k % len(PALETTE)]}"><title>{_t(label)}: {_t(s.name)} '
                f"{_t(_num(value))}</title></rect>"
            )
            base += value
    out += _x_labels(labels, step_w, plot_h)
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above went through _t


def line_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    series: Sequence[Series],
    unit: str = "",
    integer: bool = True,
) -> Markup:
    """One line per series over the labels, a dot on each point."""
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = nice_max(max((v for s in series for v in s.values), default=0), integer)
    step_w = plot_w / max(1, len(labels))
    out = _open(chart_id, title, desc, HEIGHT) + _legend([s.name for s in series])
    out += _y_axis(top, plot_h, unit)
    for k, s in enumerate(series):
        colour = PALETTE[k % len(PALETTE)]
        points = [
            (LEFT + step_w * (i + 0.5), TOP + plot_h - plot_h * v / top)
            for i, v in enumerate(s.values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        out.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for (x, y), label, v in zip(points, labels, s.values, strict=True):
            out.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{colour}"><title>'
                f"{_t(label)}: {_t(s.name)} {_t(_num(v))}</title></circle>"
            )
    out += _x_labels(labels, step_w, plot_h)
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above went through _t


def hbar_chart(
    chart_id: str,
    title: str,
    desc: str,
    labels: Sequence[str],
    values: Sequence[float],
    unit: str = "",
) -> Markup:
    """Horizontal bars, one row per label (long labels are cut, the table has them whole)."""
    row_h, label_w = 24, 260
    height = TOP + row_h * max(1, len(labels)) + 24
    top = nice_max(max(values, default=0), integer=False)
    plot_w = WIDTH - label_w - RIGHT - 40
    out = _open(chart_id, title, desc, height)
    if unit:
        out.append(f'<text x="{label_w}" y="20" font-size="11" fill="{TEXT}">{_t(unit)}</text>')
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = TOP + row_h * i
        shown = label if len(label) <= 38 else label[:37] + "…"
        out.append(
            f'<text x="{label_w - 6}" y="{y + 16}" font-size="12" text-anchor="end" '
            f'fill="{TEXT}">{_t(shown)}</text>'
        )
        w = plot_w * value / top
        out.append(
            f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 8}" '
            f'fill="{PALETTE[0]}"><title>{_t(label)}: {_t(_num(value))}</title></rect>'
        )
        out.append(
            f'<text x="{label_w + w + 4:.1f}" y="{y + 16}" font-size="11" '
            f'fill="{TEXT}">{_t(_num(value))}</text>'
        )
    out.append(
        f'<line x1="{label_w}" y1="{TOP}" x2="{label_w}" y2="{TOP + row_h * max(1, len(labels))}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    out.append("</svg>")
    return Markup("".join(out))  # noqa: S704 - every text above went through _t
