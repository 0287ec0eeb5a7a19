"""The figures of PRODUCT.md §7, computed in one place.

The dashboard, the exports, the API and the monthly report all call
`province_figures` / `agency_figures`, which read only the roll-up tables (a
constant number of queries, whatever the number of agencies or officers).

Definitions:
- required: officers a target asks to complete a program (one per officer and
  program), counted for the agency the credit belongs to: the current agency
  while open, the agency at the time of completion once completed;
- completion rate = completed ÷ required (DOST's targets only: a manager's
  assignment never changes the rate DOST measures agencies by);
- overdue = assigned, not completed, deadline passed (before today): open
  requirements past their deadline, plus open course assignments past theirs
  (`learning.assigned_enrolments_open`: assigned by a manager or DOST on "Giao
  khóa học", or automatically by a program, one per officer and course, counted
  for the officer's current agency);
- status: overdue if anyone is overdue; no target if nothing is required;
  at risk if some open requirement is due within AT_RISK_DAYS and less than
  AT_RISK_RATE of the agency has completed; otherwise on track;
- focal-point coverage = agencies whose data focal point completed P1 ÷ all
  current agencies.
"""

from __future__ import annotations

import datetime
import functools
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db.models import (
    CharField,
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from courses.models import ProgramPage
from lms.accounts.models import OfficerProfile, User
from lms.agencies.models import Agency
from lms.tracking import learning
from lms.tracking.models import (
    AgencyMonthStat,
    AgencyProgramStat,
    AgencyStat,
    MonthlyReport,
    Requirement,
    RosterImport,
    Target,
)

AT_RISK_DAYS = 30
AT_RISK_RATE = 0.8

STATUS_LABELS = {
    "on_track": _("Đúng tiến độ"),
    "at_risk": _("Có nguy cơ chậm"),
    "overdue": _("Quá hạn"),
    "no_target": _("Chưa giao chỉ tiêu"),
}


@functools.lru_cache(maxsize=8)
def _labels(language: str | None) -> tuple[dict[str, str], dict[str, str]]:
    """Kind and status labels in `language`: the province table shows them on every
    one of ~300 rows, and each lazy translation costs a catalogue lookup."""
    return (
        {value: str(label) for value, label in Agency.Kind.choices},
        {key: str(label) for key, label in STATUS_LABELS.items()},
    )


def _rate(done: int, total: int) -> float:
    return round(100 * done / total, 1) if total else 0.0


@dataclass
class AgencyRow:
    id: int
    code: str
    name: str
    kind: str
    officers: int = 0
    required: int = 0
    completed: int = 0
    overdue: int = 0
    due_soon: int = 0
    focal_point_completed_p1: bool = False
    rate: float = 0.0
    status: str = "no_target"

    def finish(self) -> AgencyRow:
        self.rate = _rate(self.completed, self.required)
        # Overdue first: an agency without a target can still be late on a
        # course its manager assigned.
        if self.overdue:
            self.status = "overdue"
        elif not self.required:
            self.status = "no_target"
        elif self.due_soon and self.completed < AT_RISK_RATE * self.required:
            self.status = "at_risk"
        else:
            self.status = "on_track"
        return self

    @property
    def status_label(self) -> str:
        return _labels(get_language())[1][self.status]

    @property
    def kind_label(self) -> str:
        return _labels(get_language())[0][self.kind]


@dataclass
class ProvinceFigures:
    as_of: str
    program: str
    agencies: list[AgencyRow]
    totals: dict[str, Any]
    by_kind: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    top_overdue: list[dict[str, Any]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _stat_rows(
    today: datetime.date, program_id: int | None
) -> QuerySet[AgencyProgramStat]:
    rows = AgencyProgramStat.objects.all()
    if program_id:
        rows = rows.filter(program_id=program_id)
    soon = today + datetime.timedelta(days=AT_RISK_DAYS)
    return rows.values("agency_id").annotate(
        n_required=Sum("required"),
        n_completed=Sum("completed"),
        n_overdue_required=Sum("required", filter=Q(deadline__lt=today)),
        n_overdue_completed=Sum("completed", filter=Q(deadline__lt=today)),
        n_overdue_assigned=Sum("assigned_open", filter=Q(deadline__lt=today)),
        n_soon_required=Sum(
            "required", filter=Q(deadline__gte=today, deadline__lt=soon)
        ),
        n_soon_completed=Sum(
            "completed", filter=Q(deadline__gte=today, deadline__lt=soon)
        ),
    )


def province_figures(
    *,
    kind: str | None = None,
    program_id: int | None = None,
    today: datetime.date | None = None,
) -> ProvinceFigures:
    """Every current agency with its figures, totals, breakdown by kind and trend."""
    today = today or timezone.localdate()
    agencies = Agency.objects.current(today).order_by("kind", "name")
    if kind:
        agencies = agencies.filter(kind=kind)
    rows = {
        a["id"]: AgencyRow(**a) for a in agencies.values("id", "code", "name", "kind")
    }
    # Credit stays with the agency at completion time; once that agency is merged
    # away its figures show under its successor (PRODUCT §7).
    successors = _successors(today)
    _fill_counts(rows, today, program_id, successors)
    for stat in AgencyStat.objects.filter(agency_id__in=rows).values(
        "agency_id", "officers", "focal_point_completed_p1"
    ):
        row = rows[stat["agency_id"]]
        row.officers = stat["officers"]
        row.focal_point_completed_p1 = stat["focal_point_completed_p1"]
    agency_rows = [row.finish() for row in rows.values()]
    program = ProgramPage.objects.filter(pk=program_id).first() if program_id else None
    return ProvinceFigures(
        as_of=today.isoformat(),
        program=program.code if program else "",
        agencies=agency_rows,
        totals=_totals(agency_rows),
        by_kind=_by_kind(agency_rows),
        trend=_trend(
            set(rows) | {old for old, new in successors.items() if new in rows},
            program_id,
            _totals(agency_rows)["required"],
        ),
        top_overdue=[
            {"code": r.code, "name": r.name, "overdue": r.overdue}
            for r in sorted(agency_rows, key=lambda r: (-r.overdue, r.name))[:10]
            if r.overdue
        ],
    )


def figures_version() -> str:
    """Changes whenever `province_figures` may change, bar the date: each recompute
    stamps the agencies' `AgencyStat.updated_at`, each agency edit its own
    `updated_at`, and adding an agency changes the count. One small query."""
    facts = Agency.objects.aggregate(
        agencies=Count("id"), edited=Max("updated_at"), computed=Max("stat__updated_at")
    )
    return "{agencies}|{edited}|{computed}".format(**facts)


def _successors(today: datetime.date) -> dict[int, int]:
    """Closed agency id → the current agency that took it over (merger chains)."""
    links = dict(
        Agency.objects.filter(valid_to__lte=today, successor__isnull=False).values_list(
            "id", "successor_id"
        )
    )
    out = {}
    for start in links:
        seen, current = {start}, links[start]
        while current in links and current not in seen:
            seen.add(current)
            current = links[current]
        out[start] = current
    return out


def _fill_counts(
    rows: dict[int, AgencyRow],
    today: datetime.date,
    program_id: int | None,
    successors: dict[int, int],
) -> None:
    """Add each agency's counts to its row; a merged-away agency's to its successor."""
    wanted = list(rows) + [old for old, new in successors.items() if new in rows]
    for stat in _stat_rows(today, program_id).filter(agency_id__in=wanted):
        row = rows[successors.get(stat["agency_id"], stat["agency_id"])]
        row.required += stat["n_required"] or 0
        row.completed += stat["n_completed"] or 0
        row.overdue += (
            (stat["n_overdue_required"] or 0)
            - (stat["n_overdue_completed"] or 0)
            + (stat["n_overdue_assigned"] or 0)
        )
        row.due_soon += (stat["n_soon_required"] or 0) - (stat["n_soon_completed"] or 0)


def _totals(rows: list[AgencyRow]) -> dict[str, Any]:
    required = sum(r.required for r in rows)
    completed = sum(r.completed for r in rows)
    covered = sum(1 for r in rows if r.focal_point_completed_p1)
    statuses = defaultdict(int)
    for r in rows:
        statuses[r.status] += 1
    return {
        "agencies": len(rows),
        "officers": sum(r.officers for r in rows),
        "required": required,
        "completed": completed,
        "rate": _rate(completed, required),
        "overdue": sum(r.overdue for r in rows),
        "focal_point_agencies": covered,
        "focal_point_coverage": _rate(covered, len(rows)),
        "status_counts": dict(statuses),
    }


def _by_kind(rows: list[AgencyRow]) -> list[dict[str, Any]]:
    out = []
    for kind, label in Agency.Kind.choices:
        subset = [r for r in rows if r.kind == kind]
        if not subset:
            continue
        required = sum(r.required for r in subset)
        completed = sum(r.completed for r in subset)
        out.append(
            {
                "kind": kind,
                "label": str(label),
                "agencies": len(subset),
                "required": required,
                "completed": completed,
                "rate": _rate(completed, required),
            }
        )
    return out


def _trend(
    agency_ids: set[int], program_id: int | None, required: int
) -> list[dict[str, Any]]:
    """Completions per month and the cumulative completion rate at each month's end."""
    rows = AgencyMonthStat.objects.filter(agency_id__in=agency_ids)
    if program_id:
        rows = rows.filter(program_id=program_id)
    per_month = rows.values("month").annotate(n=Sum("completed")).order_by("month")
    cumulative, out = 0, []
    for row in per_month:
        cumulative += row["n"]
        out.append(
            {
                "month": row["month"].strftime("%Y-%m"),
                "completed": row["n"],
                "cumulative": cumulative,
                "rate": _rate(cumulative, required),
            }
        )
    return out


# --- One agency ---------------------------------------------------------------------
@dataclass
class ProgramRow:
    program_id: int
    code: str
    title: str
    required: int
    completed: int
    overdue: int
    next_deadline: str | None
    rate: float


def agency_program_rows(
    *, agency: Agency, today: datetime.date | None = None
) -> list[ProgramRow]:
    today = today or timezone.localdate()
    grouped: dict[int, dict[str, Any]] = {}
    stats = AgencyProgramStat.objects.filter(agency=agency).select_related("program")
    for stat in stats.order_by("program__code", "deadline"):
        entry = grouped.setdefault(
            stat.program_id,
            {"program": stat.program, "req": 0, "done": 0, "late": 0, "next": None},
        )
        entry["req"] += stat.required
        entry["done"] += stat.completed
        open_items = stat.required - stat.completed + stat.assigned_open
        if stat.deadline < today:
            entry["late"] += open_items
        elif entry["next"] is None and open_items:
            entry["next"] = stat.deadline.isoformat()
    return [
        ProgramRow(
            program_id=pid,
            code=e["program"].code,
            title=e["program"].title,
            required=e["req"],
            completed=e["done"],
            overdue=e["late"],
            next_deadline=e["next"],
            rate=_rate(e["done"], e["req"]),
        )
        for pid, e in grouped.items()
    ]


def agency_row(*, agency: Agency, today: datetime.date | None = None) -> AgencyRow:
    """The same row the province table shows for `agency`."""
    today = today or timezone.localdate()
    rows = {agency.pk: AgencyRow(agency.pk, agency.code, agency.name, agency.kind)}
    _fill_counts(rows, today, None, _successors(today))
    stat = AgencyStat.objects.filter(agency=agency).first()
    if stat:
        rows[agency.pk].officers = stat.officers
        rows[agency.pk].focal_point_completed_p1 = stat.focal_point_completed_p1
    return rows[agency.pk].finish()


def _with_requirement_counts(
    profiles: QuerySet[OfficerProfile],
) -> QuerySet[OfficerProfile]:
    """Per officer: programs required, completed, and overdue items (requirements
    and course assignments, as the dashboard counts them)."""
    today = timezone.localdate()
    late_courses = (
        learning.assigned_enrolments_open()
        .filter(user_id=OuterRef("user_id"), deadline__lt=today)
        .order_by()
        .values("user_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return profiles.annotate(
        n_required=Count("user__requirements", distinct=True),
        n_completed=Count(
            "user__requirements",
            filter=Q(user__requirements__completed_at__isnull=False),
            distinct=True,
        ),
        n_overdue_required=Count(
            "user__requirements",
            filter=Q(
                user__requirements__completed_at__isnull=True,
                user__requirements__deadline__lt=today,
            ),
            distinct=True,
        ),
        n_overdue_courses=Coalesce(
            Subquery(late_courses, output_field=IntegerField()), 0
        ),
    ).annotate(n_overdue=F("n_overdue_required") + F("n_overdue_courses"))


def agency_officers(*, agency: Agency, search: str = "") -> QuerySet[OfficerProfile]:
    """Officers of `agency` with their requirement counts (one query per page)."""
    profiles = OfficerProfile.objects.filter(agency=agency).select_related("user")
    if search:
        profiles = profiles.filter(
            Q(user__full_name__icontains=search)
            | Q(user__username__icontains=search)
            | Q(user__email__icontains=search)
        )
    return _with_requirement_counts(profiles).order_by(
        "user__full_name", "user__username"
    )


def province_officers() -> QuerySet[OfficerProfile]:
    """Every officer with an agency, with requirement counts (DOST exports)."""
    profiles = OfficerProfile.objects.filter(agency__isnull=False).select_related(
        "user", "agency"
    )
    return _with_requirement_counts(profiles).order_by("agency__code", "user__username")


@dataclass(frozen=True)
class OverdueItem:
    """One overdue duty: a program a target requires, or an assigned course."""

    user_id: int
    agency_code: str
    agency_name: str
    username: str
    full_name: str
    email: str
    program_code: str
    program_title: str
    course_title: str  # "" for a program a target requires
    deadline: datetime.date
    kind: str  # "target", or the enrolment's source ("assigned", "auto")
    origin: str  # the target's name, or who assigned the course
    requirement_id: int | None

    @property
    def title(self) -> str:
        """What is overdue, as the reminder and the officer see it."""
        if self.course_title:
            return f"{self.course_title} ({self.program_code})"
        return f"{self.program_title} ({self.program_code})"


_OVERDUE_ORDER = ("agency_name", "deadline", "full_name", "username", "program_code")


def _overdue_rows(agency: Agency | None, today: datetime.date) -> QuerySet[Requirement]:
    """Both kinds of overdue duty in one UNION ALL, sorted by the database."""
    text, number = CharField(), IntegerField()
    requirements = Requirement.objects.filter(
        completed_at__isnull=True, deadline__lt=today
    )
    courses = learning.assigned_enrolments_open().filter(deadline__lt=today)
    if agency is not None:
        requirements = requirements.filter(agency=agency)
        courses = courses.filter(user__profile__agency=agency)
    requirements = requirements.values(
        "user_id",
        "deadline",
        agency_code=F("agency__code"),
        agency_name=F("agency__name"),
        username=F("user__username"),
        full_name=F("user__full_name"),
        email=F("user__email"),
        program_code=F("program__code"),
        program_title=F("program__title"),
        course_title=Value("", output_field=text),
        kind=Value("target", output_field=text),
        origin=F("target__name"),
        requirement_id=F("id"),
    )
    courses = courses.values(
        "user_id",
        "deadline",
        agency_code=F("user__profile__agency__code"),
        agency_name=F("user__profile__agency__name"),
        username=F("user__username"),
        full_name=F("user__full_name"),
        email=F("user__email"),
        program_code=F("course__program__code"),
        program_title=F("course__program__title"),
        course_title=F("course__title"),
        kind=F("source"),
        origin=Coalesce(F("assigned_by__full_name"), Value("", output_field=text)),
        requirement_id=Value(None, output_field=number),
    )
    return requirements.union(courses, all=True).order_by(*_OVERDUE_ORDER)


def overdue_list(
    *, agency: Agency | None = None, today: datetime.date | None = None
) -> Iterator[OverdueItem]:
    """Every overdue duty (of `agency`, or of the province), streamed."""
    rows = _overdue_rows(agency, today or timezone.localdate())
    for row in rows.iterator(chunk_size=2000):
        yield OverdueItem(**{**row, "full_name": row["full_name"] or row["username"]})


def overdue_count(
    *, agency: Agency | None = None, today: datetime.date | None = None
) -> int:
    return _overdue_rows(agency, today or timezone.localdate()).count()


def officer_requirements(*, user: User) -> QuerySet[Requirement]:
    return (
        Requirement.objects.filter(user=user)
        .select_related("program", "agency", "target")
        .order_by("deadline")
    )


# --- Other reads --------------------------------------------------------------------
def targets_list() -> QuerySet[Target]:
    return (
        Target.objects.select_related("program", "agency")
        .annotate(
            n_required=Count("requirements"),
            n_completed=Count(
                "requirements", filter=Q(requirements__completed_at__isnull=False)
            ),
        )
        .order_by("-is_active", "deadline")
    )


def roster_imports_for(*, agency: Agency | None) -> QuerySet[RosterImport]:
    rows = RosterImport.objects.select_related("agency", "uploaded_by")
    return rows.filter(agency=agency) if agency else rows


def monthly_reports() -> QuerySet[MonthlyReport]:
    return MonthlyReport.objects.select_related("sent_by").order_by("-month")
