"""Server-drawn SVG charts, used by the dashboard and by the PDF report.

Why not a JavaScript chart library: the same chart must appear in the PDF
(WeasyPrint runs no JavaScript), the province data centre may have no internet,
and a handful of bars needs no dependency. The SVG is accessible (title, desc,
and the numbers also appear in a table next to each chart).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

_COLOURS = {"bar": "#0b5cad", "ok": "#1e7a3c", "bad": "#b3261e", "axis": "#5b6b7b"}


def _svg(width: int, height: int, title: str, body: list[str]) -> SafeString:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}" '
        f'font-family="DA Sans, DejaVu Sans, sans-serif" font-size="12">'
        f"<title>{escape(title)}</title>"
    )
    return mark_safe(head + "".join(body) + "</svg>")  # noqa: S308 - all text escaped


def hbar_chart(
    items: Sequence[tuple[str, float]],
    *,
    title: str,
    maximum: float | None = None,
    suffix: str = "",
    colour: str = "bar",
) -> SafeString:
    """Horizontal bars: one row per (label, value)."""
    width, label_w, row_h = 640, 220, 26
    height = max(1, len(items)) * row_h + 10
    top = maximum if maximum is not None else max([v for _l, v in items] + [1])
    scale = (width - label_w - 70) / (top or 1)
    body = []
    for index, (label, value) in enumerate(items):
        y = 5 + index * row_h
        bar = max(0.0, value * scale)
        body.append(
            f'<text x="{label_w - 8}" y="{y + 16}" text-anchor="end">'
            f"{escape(label[:34])}</text>"
            f'<rect x="{label_w}" y="{y + 4}" width="{bar:.1f}" height="16" '
            f'fill="{_COLOURS[colour]}" rx="2"/>'
            f'<text x="{label_w + bar + 6:.1f}" y="{y + 16}">'
            f"{_number(value)}{escape(suffix)}</text>"
        )
    if not items:
        body.append(f'<text x="10" y="20" fill="{_COLOURS["axis"]}">—</text>')
    return _svg(width, height, title, body)


def column_chart(
    items: Sequence[tuple[str, float]], *, title: str, suffix: str = ""
) -> SafeString:
    """Vertical columns over time (e.g. completions per month)."""
    width, height, base, left = 640, 220, 190, 30
    top = max([v for _l, v in items] + [1])
    step = (width - left - 10) / max(1, len(items))
    body = [
        f'<line x1="{left}" y1="{base}" x2="{width - 5}" y2="{base}" '
        f'stroke="{_COLOURS["axis"]}"/>'
    ]
    for index, (label, value) in enumerate(items):
        h = 160 * value / top
        x = left + index * step + step * 0.15
        w = step * 0.7
        body.append(
            f'<rect x="{x:.1f}" y="{base - h:.1f}" width="{w:.1f}" height="{h:.1f}" '
            f'fill="{_COLOURS["bar"]}" rx="2"/>'
            f'<text x="{x + w / 2:.1f}" y="{base - h - 4:.1f}" text-anchor="middle">'
            f"{_number(value)}{escape(suffix)}</text>"
            f'<text x="{x + w / 2:.1f}" y="{base + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    if not items:
        body.append(f'<text x="40" y="100" fill="{_COLOURS["axis"]}">—</text>')
    return _svg(width, height, title, body)


def _number(value: float) -> str:
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:.1f}".replace(".", ",")
