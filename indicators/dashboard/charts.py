"""Server-side SVG charts for the leaders' dashboard.

Each function returns the SVG markup as a safe string: every piece of text (labels, titles,
legends) is escaped here, numbers are formatted here, so a template only places the result.
The charts are plain SVG (no script): a `<title>` on each bar or point gives the exact value on
hover, and `class` / `data-*` attributes let the tests count bars and points.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

FONT = "font-family=\"'DejaVu Sans', Arial, sans-serif\""
AXIS = "#8a96a3"
GRID = "#e4e8ec"
TEXT = "#33414e"
MUTED = "#5d6b78"


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]
    color: str


@dataclass(frozen=True)
class Target:
    name: str
    value: float
    color: str


def number(value: float, decimals: int = 0) -> str:
    return number_format(round(value, decimals), decimal_pos=decimals, use_l10n=True)


def percent(value: float | None, decimals: int = 1) -> str:
    """0.874 → "87,4 %" in Vietnamese; None → "—"."""
    if value is None:
        return "—"
    return f"{number(100 * value, decimals)} %"


def target_percent(value: float | None) -> str:
    """A target as written in the plans: 0.874 → "87,4 %", 1.0 → "100 %", 0.8577 → "85,77 %"."""
    if value is None:
        return "—"
    hundred = round(100 * value, 2)
    decimals = 0 if hundred == int(hundred) else (1 if hundred * 10 == int(hundred * 10) else 2)
    return f"{number(hundred, decimals)} %"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above `value` (an axis maximum)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exponent + 1))


def _ticks(maximum: float, count: int = 4) -> list[float]:
    return [maximum * i / count for i in range(count + 1)]


def _count_ticks(maximum: float) -> list[float]:
    """Axis ticks for counts: whole steps where the maximum allows them."""
    for count in (4, 5, 2):
        if maximum >= count and (maximum / count) == int(maximum / count):
            return _ticks(maximum, count)
    return _ticks(maximum, 4)


def _svg(width: int, height: int, label: str, body: list[str], css_class: str) -> SafeString:
    return mark_safe(  # noqa: S308 - every text below went through escape()
        f'<svg class="chart {css_class}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(label)}" {FONT}>'
        f"<title>{escape(label)}</title>" + "".join(body) + "</svg>"
    )


def _legend(items: list[tuple[str, str, bool]], x: float, y: float) -> list[str]:
    """Legend entries (name, colour, dashed) laid out left to right from (x, y)."""
    out = []
    for name, color, dashed in items:
        if dashed:
            out.append(
                f'<line x1="{x:.1f}" y1="{y - 4:.1f}" x2="{x + 18:.1f}" y2="{y - 4:.1f}" '
                f'stroke="{color}" stroke-width="2" stroke-dasharray="5 3"/>'
            )
        else:
            out.append(
                f'<rect x="{x:.1f}" y="{y - 10:.1f}" width="18" height="10" rx="2" fill="{color}"/>'
            )
        out.append(
            f'<text x="{x + 24:.1f}" y="{y:.1f}" font-size="12" fill="{TEXT}">{escape(name)}</text>'
        )
        x += 24 + 7.2 * len(name) + 22
    return out


def _label_every(count: int, room: float, width_per_label: float = 34) -> int:
    """Show every n-th x label so that they do not overlap."""
    if count == 0:
        return 1
    return max(1, math.ceil(count * width_per_label / max(room, 1)))


def column_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    y_label: str = "",
    width: int = 640,
    height: int = 280,
) -> SafeString:
    """Grouped vertical bars (one group per label, one bar per series) with a y axis of counts."""
    left, right, top, bottom = 52, 16, 34, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [v for s in series for v in s.values if v is not None]
    maximum = nice_ceiling(max(values, default=0) or 1)
    body = _legend([(s.name, s.color, False) for s in series], left, 18)
    for tick in _count_ticks(maximum):
        y = top + plot_h - plot_h * tick / maximum
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" fill="{MUTED}" '
            f'text-anchor="end">{escape(number(tick, 0 if tick == int(tick) else 1))}</text>'
        )
    if y_label:
        body.append(
            f'<text x="12" y="{top + plot_h / 2:.1f}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle" transform="rotate(-90 12 {top + plot_h / 2:.1f})">'
            f"{escape(y_label)}</text>"
        )
    n = max(len(labels), 1)
    slot = plot_w / n
    bar_w = max(1.5, min(28.0, slot * 0.8 / max(len(series), 1)))
    every = _label_every(len(labels), plot_w)
    for i, label in enumerate(labels):
        x0 = left + i * slot + (slot - bar_w * len(series)) / 2
        for j, s in enumerate(series):
            value = s.values[i] if i < len(s.values) else None
            value = value or 0
            h = plot_h * value / maximum
            x = x0 + j * bar_w
            body.append(
                f'<rect class="bar" data-series="{escape(s.name)}" data-label="{escape(label)}" '
                f'data-value="{value}" x="{x:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{max(bar_w - 1, 1):.1f}" height="{h:.1f}" fill="{s.color}">'
                f"<title>{escape(label)} — {escape(s.name)}: {escape(number(value))}</title></rect>"
            )
        if i % every == 0:
            body.append(
                f'<text x="{left + (i + 0.5) * slot:.1f}" y="{top + plot_h + 16}" '
                f'font-size="11" fill="{MUTED}" text-anchor="middle">{escape(label)}</text>'
            )
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    return _svg(width, height, title, body, "column-chart")


def line_chart(
    labels: Sequence[str],
    series: Sequence[Series],
    *,
    title: str,
    targets: Sequence[Target] = (),
    width: int = 640,
    height: int = 280,
) -> SafeString:
    """Rates (0–1) over time as lines with a point per known value (a gap where the rate has
    no base), and dashed horizontal target lines; the y axis is 0–100 %."""
    left, right, top, bottom = 52, 16, 34, 42
    plot_w, plot_h = width - left - right, height - top - bottom
    legend = [(s.name, s.color, False) for s in series]
    legend += [(t.name, t.color, True) for t in targets]
    body = _legend(legend, left, 18)

    def y_of(rate: float) -> float:
        return top + plot_h - plot_h * max(0.0, min(1.0, rate))

    for tick in _ticks(1.0):
        y = y_of(tick)
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" font-size="11" fill="{MUTED}" '
            f'text-anchor="end">{escape(percent(tick, 0))}</text>'
        )
    n = max(len(labels), 1)
    slot = plot_w / n
    every = _label_every(len(labels), plot_w)
    for i, label in enumerate(labels):
        if i % every == 0:
            body.append(
                f'<text x="{left + (i + 0.5) * slot:.1f}" y="{top + plot_h + 16}" '
                f'font-size="11" fill="{MUTED}" text-anchor="middle">{escape(label)}</text>'
            )
    for t in targets:
        y = y_of(t.value)
        body.append(
            f'<line class="target" data-value="{t.value}" x1="{left}" y1="{y:.1f}" '
            f'x2="{left + plot_w}" y2="{y:.1f}" stroke="{t.color}" stroke-width="1.5" '
            f'stroke-dasharray="6 4"><title>{escape(t.name)}: {escape(percent(t.value))}'
            "</title></line>"
        )
    for s in series:
        segment: list[str] = []
        segments: list[list[str]] = []
        points = []
        for i, label in enumerate(labels):
            value = s.values[i] if i < len(s.values) else None
            if value is None:
                if segment:
                    segments.append(segment)
                segment = []
                continue
            x, y = left + (i + 0.5) * slot, y_of(value)
            segment.append(f"{x:.1f},{y:.1f}")
            points.append(
                f'<circle class="point" data-series="{escape(s.name)}" '
                f'data-label="{escape(label)}" data-value="{value}" cx="{x:.1f}" cy="{y:.1f}" '
                f'r="3.5" fill="#fff" stroke="{s.color}" stroke-width="2">'
                f"<title>{escape(label)} — {escape(s.name)}: {escape(percent(value))}</title>"
                "</circle>"
            )
        if segment:
            segments.append(segment)
        for seg in segments:
            if len(seg) > 1:
                body.append(
                    f'<polyline fill="none" stroke="{s.color}" stroke-width="2.5" '
                    f'stroke-linejoin="round" points="{" ".join(seg)}"/>'
                )
        body.extend(points)
    body.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="{AXIS}"/>'
    )
    return _svg(width, height, title, body, "line-chart")


def ranking_chart(
    rows: Sequence[tuple[str, float]],
    *,
    title: str,
    maximum: float,
    reference: float | None = None,
    reference_name: str = "",
    width: int = 640,
    bar_height: int = 20,
    color: str = "#1f5fa8",
) -> SafeString:
    """Horizontal bars, one per (label, points), in the order given (already ranked), on a
    0–`maximum` axis; an optional dashed reference line (e.g. the computable maximum)."""
    left, right, top = 230, 56, 30
    gap = 6
    plot_w = width - left - right
    height = top + len(rows) * (bar_height + gap) + 28
    maximum = maximum or 1
    body = []
    for tick in _count_ticks(maximum):
        x = left + plot_w * tick / maximum
        body.append(
            f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 24}" stroke="{GRID}"/>'
        )
        body.append(
            f'<text x="{x:.1f}" y="{height - 8}" font-size="11" fill="{MUTED}" '
            f'text-anchor="middle">{escape(number(tick, 0 if tick == int(tick) else 1))}</text>'
        )
    for i, (label, value) in enumerate(rows):
        y = top + i * (bar_height + gap)
        w = plot_w * max(0.0, min(value, maximum)) / maximum
        short = label if len(label) <= 34 else label[:33] + "…"
        body.append(
            f'<text x="{left - 8}" y="{y + bar_height * 0.7:.1f}" font-size="12" fill="{TEXT}" '
            f'text-anchor="end">{escape(f"{i + 1}. {short}")}</text>'
        )
        body.append(
            f'<rect class="bar" data-label="{escape(label)}" data-value="{value}" x="{left}" '
            f'y="{y}" width="{w:.1f}" height="{bar_height}" rx="3" fill="{color}">'
            f"<title>{escape(label)}: {escape(number(value, 2))}</title></rect>"
        )
        body.append(
            f'<text x="{left + w + 6:.1f}" y="{y + bar_height * 0.7:.1f}" font-size="12" '
            f'font-weight="bold" fill="{TEXT}">{escape(number(value, 2))}</text>'
        )
    if reference is not None:
        x = left + plot_w * min(reference, maximum) / maximum
        body.append(
            f'<line class="target" x1="{x:.1f}" y1="{top - 10}" x2="{x:.1f}" y2="{height - 24}" '
            f'stroke="#c0392b" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        body.append(
            f'<text x="{x - 4:.1f}" y="{top - 14}" font-size="11" fill="#c0392b" '
            f'text-anchor="end">{escape(reference_name)}</text>'
        )
    return _svg(width, height, title, body, "ranking-chart")


def progress_bar(
    value: float | None, target: float | None, *, title: str, width: int = 220, height: int = 18
) -> SafeString:
    """A rate (0–1) as a filled bar with a marker at its target: green at or above the target,
    amber within 10 points below it, red further below; blue when there is no target."""
    body = [f'<rect x="0" y="4" width="{width}" height="{height - 8}" rx="5" fill="{GRID}"/>']
    if value is not None:
        if target is None:
            color = "#1f5fa8"
        elif value >= target:
            color = "#1e8e3e"
        elif value >= target - 0.1:
            color = "#e0a100"
        else:
            color = "#c0392b"
        w = width * max(0.0, min(1.0, value))
        body.append(
            f'<rect class="bar" data-value="{value}" x="0" y="4" width="{w:.1f}" '
            f'height="{height - 8}" rx="5" fill="{color}"/>'
        )
    if target is not None:
        x = max(1.5, min(width - 1.5, width * target))
        body.append(
            f'<line class="target" data-value="{target}" x1="{x:.1f}" y1="0" x2="{x:.1f}" '
            f'y2="{height}" stroke="{TEXT}" stroke-width="2.5"/>'
        )
    return _svg(width, height, title, body, "progress")
