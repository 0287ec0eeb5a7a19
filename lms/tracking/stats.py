"""Keeping the roll-up tables current.

Writers mark agencies dirty (one small UPDATE, safe inside any transaction) and
enqueue a recompute on commit; a periodic job sweeps whatever is still dirty, so
figures lag completions by seconds, never more than the sweep interval (30 s).
A recompute rebuilds one agency's rows from its requirements, and from its
officers' open course assignments (`learning.assigned_enrolments_open`), with one
GROUP BY each over an indexed range: cheap, idempotent, and it never drifts like
+1/-1 counters.

Writers that change what the roll-ups count mark the agencies concerned: target
sync and completions (services), course completions and officer moves
(receivers), "Giao khóa học" (services.assignments_create). Writes tracking cannot
see (courses' bulk automatic assignment, deletions) are caught by the nightly
`agency_stats_recompute_all`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, When
from django.db.models.functions import TruncMonth

from lms.accounts.models import OfficerProfile
from lms.agencies.models import Agency
from lms.tracking import learning
from lms.tracking.models import (
    AgencyMonthStat,
    AgencyProgramStat,
    AgencyStat,
    Requirement,
)

_deferred: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "tracking_stats_deferred", default=None
)


def agency_stats_mark_dirty(*, agency_ids: Iterable[int | None]) -> None:
    ids = sorted({pk for pk in agency_ids if pk})
    if not ids:
        return
    pending = _deferred.get()
    if pending is not None:
        pending.update(ids)
        return
    AgencyStat.objects.bulk_create(
        [AgencyStat(agency_id=pk, dirty=True) for pk in ids],
        update_conflicts=True,
        unique_fields=["agency"],
        update_fields=["dirty"],
    )
    transaction.on_commit(_enqueue_recompute)


def _enqueue_recompute() -> None:
    from lms.tracking.tasks import stats_recompute_dirty

    try:
        stats_recompute_dirty.delay()
    except Exception:  # noqa: BLE001 - the periodic sweep will catch up
        import logging

        logging.getLogger(__name__).warning("stats recompute not enqueued")


@contextmanager
def agency_stats_deferred() -> Iterator[set[int]]:
    """Collect dirty agencies during a bulk write and mark them once at the end."""
    pending: set[int] = set()
    token = _deferred.set(pending)
    try:
        yield pending
    finally:
        _deferred.reset(token)
    agency_stats_mark_dirty(agency_ids=pending)


def agency_stats_recompute(*, agency_ids: Iterable[int]) -> None:
    """Rebuild the roll-ups of `agency_ids` from requirements and profiles."""
    ids = sorted(set(agency_ids))
    if not ids:
        return
    with transaction.atomic():
        # Why: two recomputes of the same agencies (the sweeper and a bulk import)
        # would each delete, then both insert, and break the unique constraints.
        # Locking the agency rows in id order makes the second wait for the first.
        list(
            Agency.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _program_stats_rebuild(ids)
        _month_stats_rebuild(ids)
        _agency_stat_rebuild(ids)


def _program_stats_rebuild(ids: list[int]) -> None:
    AgencyProgramStat.objects.filter(agency_id__in=ids).delete()
    rows: dict[tuple[int, int, object], AgencyProgramStat] = {}
    for row in _requirement_counts(ids):
        key = (row["agency_id"], row["program_id"], row["deadline"])
        rows[key] = AgencyProgramStat(
            agency_id=row["agency_id"],
            program_id=row["program_id"],
            deadline=row["deadline"],
            required=row["n_required"],
            completed=row["n_completed"],
            completed_late=row["n_late"],
        )
    for row in _assignment_counts(ids):
        key = (row["agency_id"], row["program_id"], row["deadline"])
        stat = rows.setdefault(
            key,
            AgencyProgramStat(
                agency_id=row["agency_id"],
                program_id=row["program_id"],
                deadline=row["deadline"],
            ),
        )
        stat.assigned_open = row["n"]
    AgencyProgramStat.objects.bulk_create(rows.values(), batch_size=1000)


def _requirement_counts(ids: list[int]) -> Iterable[dict]:
    return (
        Requirement.objects.filter(agency_id__in=ids)
        .values("agency_id", "program_id", "deadline")
        .annotate(
            n_required=Count("id"),
            n_completed=Count("id", filter=Q(completed_at__isnull=False)),
            n_late=Count(
                Case(
                    When(completed_at__date__gt=F("deadline"), then=1),
                    output_field=IntegerField(),
                )
            ),
        )
    )


def _assignment_counts(ids: list[int]) -> Iterable[dict]:
    """Open course assignments per officer's current agency, program and deadline."""
    return (
        learning.assigned_enrolments_open()
        .filter(user__profile__agency_id__in=ids)
        .values(
            "deadline",
            agency_id=F("user__profile__agency_id"),
            program_id=F("course__program_id"),
        )
        .annotate(n=Count("id"))
        .order_by()
    )


def _month_stats_rebuild(ids: list[int]) -> None:
    AgencyMonthStat.objects.filter(agency_id__in=ids).delete()
    grouped = (
        Requirement.objects.filter(agency_id__in=ids, completed_at__isnull=False)
        .annotate(month=TruncMonth("completed_at"))
        .values("agency_id", "program_id", "month")
        .annotate(n=Count("id"))
    )
    merged: dict[tuple[int, int, object], int] = {}
    for row in grouped:
        month = row["month"]
        month = month.date() if hasattr(month, "date") else month
        key = (row["agency_id"], row["program_id"], month)
        merged[key] = merged.get(key, 0) + row["n"]
    AgencyMonthStat.objects.bulk_create(
        [
            AgencyMonthStat(agency_id=a, program_id=p, month=m, completed=n)
            for (a, p, m), n in merged.items()
        ],
        batch_size=1000,
    )


def _agency_stat_rebuild(ids: list[int]) -> None:
    counts = {
        row["agency_id"]: row
        for row in OfficerProfile.objects.filter(agency_id__in=ids)
        .values("agency_id")
        .annotate(n=Count("id"), focal=Count("id", filter=Q(is_data_focal_point=True)))
    }
    focal_done = learning.focal_point_p1_agency_ids(agency_ids=ids)
    # Requirements are the fallback source when courses has no completion rows.
    focal_done |= set(
        Requirement.objects.filter(
            agency_id__in=ids,
            program__code="P1",
            is_focal_point=True,
            completed_at__isnull=False,
        ).values_list("agency_id", flat=True)
    )
    AgencyStat.objects.bulk_create(
        [
            AgencyStat(
                agency_id=pk,
                officers=counts.get(pk, {}).get("n", 0),
                focal_points=counts.get(pk, {}).get("focal", 0),
                focal_point_completed_p1=pk in focal_done,
                dirty=False,
            )
            for pk in ids
        ],
        update_conflicts=True,
        unique_fields=["agency"],
        # `updated_at` too: it is the version the cached dashboard parts are
        # keyed on (selectors.figures_version).
        update_fields=[
            "officers",
            "focal_points",
            "focal_point_completed_p1",
            "dirty",
            "updated_at",
        ],
    )


def agency_stats_recompute_dirty(*, limit: int = 500) -> int:
    """Recompute agencies marked dirty; returns how many were done."""
    with transaction.atomic():
        ids = list(
            AgencyStat.objects.select_for_update(skip_locked=True)
            .filter(dirty=True)
            .values_list("agency_id", flat=True)[:limit]
        )
        agency_stats_recompute(agency_ids=ids)
    return len(ids)


def agency_stats_recompute_all() -> int:
    """Rebuild every agency's roll-ups (nightly, and after bulk seeding)."""
    ids = list(Agency.objects.values_list("id", flat=True))
    for start in range(0, len(ids), 100):
        agency_stats_recompute(agency_ids=ids[start : start + 100])
    return len(ids)
