"""The province dashboard's figures as rendered HTML, cached per version of the
figures.

Why: the roll-ups make the figures cheap to read, but rendering ~300 agency rows
(and the charts) still cost most of a view's CPU. The parts that are the same
for every DOST admin (KPI cards, charts, the agency table) are rendered once and
kept in the cache under a key made of everything they depend on: the version of
the figures (`selectors.figures_version`, which every recompute and agency edit
changes), today's date, the language, the filters, the sort and the drill-down
URL prefix. A new version is a new key, so nothing is invalidated by hand and no
part older than the last recompute or agency edit is served; old keys expire.
"""

from __future__ import annotations

import datetime
import hashlib
from typing import Any, NamedTuple

from django.core.cache import cache
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from lms.tracking import reports, selectors

# Bounds how long a part can outlive what the version cannot see: queryset updates
# of agencies (no `updated_at`) and a deploy that changes the part templates.
PARTS_SECONDS = 600

SORT_KEYS = {
    "name": lambda r: r.name,
    "kind": lambda r: r.kind,
    "officers": lambda r: r.officers,
    "required": lambda r: r.required,
    "completed": lambda r: r.completed,
    "rate": lambda r: r.rate,
    "overdue": lambda r: r.overdue,
    "status": lambda r: r.status,
}
PARTS = ("kpis", "charts", "table")


def sort_clean(sort: str) -> str:
    """A sort the table knows ("name", "-rate", ...); anything else sorts by name."""
    return sort if sort.lstrip("-") in SORT_KEYS else "name"


def province_parts(
    *,
    kind: str | None,
    program_id: int | None,
    sort: str,
    today: datetime.date,
    cacheable: bool = True,
) -> dict[str, SafeString]:
    """KPI cards, charts and agency table of the province dashboard, as HTML."""
    # One reverse for the whole table instead of a {% url %} per row; per call,
    # not per process, since tests may swap the URLconf.
    agency_url_prefix = reverse("tracking:agency_dashboard", args=[0]).removesuffix(
        "0/"
    )
    if not cacheable:
        parts = _render(kind, program_id, sort, agency_url_prefix, today)
    else:
        key = _key(kind, program_id, sort, agency_url_prefix, today)
        parts = cache.get(key)
        if parts is None:
            parts = _render(kind, program_id, sort, agency_url_prefix, today)
            cache.set(key, parts, PARTS_SECONDS)
    # Rendered by our own templates (autoescaped) a moment ago or from the cache.
    return {name: mark_safe(parts[name]) for name in PARTS}  # noqa: S308


def _key(*facts: Any) -> str:
    version = selectors.figures_version()
    raw = repr((version, get_language(), *facts)).encode()
    return "tracking:province-parts:" + hashlib.sha256(raw).hexdigest()


class TableRow(NamedTuple):
    """An agency row as the table shows it: numbers already localised, labels
    already translated and the drill-down URL already built, so the template only
    places strings (one `localize` per distinct number instead of six per row)."""

    url: str
    code: str
    name: str
    kind_label: str
    officers: str
    required: str
    completed: str
    rate: str
    overdue: str
    focal_point_completed_p1: bool
    status: str
    status_label: str


def _table_rows(rows: list[selectors.AgencyRow], url_prefix: str) -> list[TableRow]:
    shown: dict[tuple[type, Any], str] = {}

    def number(value: Any) -> str:
        key = (type(value), value)  # 1 and 1.0 are shown differently
        if key not in shown:
            shown[key] = localize(value)
        return shown[key]

    return [
        TableRow(
            f"{url_prefix}{r.id}/",
            r.code,
            r.name,
            r.kind_label,
            number(r.officers),
            number(r.required),
            number(r.completed),
            number(r.rate),
            number(r.overdue),
            r.focal_point_completed_p1,
            r.status,
            r.status_label,
        )
        for r in rows
    ]


def _render(
    kind: str | None,
    program_id: int | None,
    sort: str,
    agency_url_prefix: str,
    today: datetime.date,
) -> dict[str, str]:
    figures = selectors.province_figures(kind=kind, program_id=program_id, today=today)
    key = SORT_KEYS[sort.lstrip("-")]
    rows = sorted(figures.agencies, key=key, reverse=sort.startswith("-"))
    context = {
        "figures": figures,
        "rows": _table_rows(rows, agency_url_prefix),
        "sort": sort,
        "kind": kind or "",
        "program_id": program_id,
        # The charts read three small lists: no deep copy of every agency row.
        "charts": reports.report_charts(
            {
                "by_kind": figures.by_kind,
                "trend": figures.trend,
                "top_overdue": figures.top_overdue,
            }
        ),
    }
    return {
        name: render_to_string(f"tracking/_province_{name}.html", context).rstrip("\n")
        for name in PARTS
    }
