"""The only module of `tracking` that touches the courses app's progress models.

Courses owns enrolments and completions; tracking reads them and asks courses to
assign. Everything we rely on from courses is named here:

- `courses.services.enrolment_assign(*, users, deadline, by, program=...)`
- `courses.ProgramCompletion(user, program, completed_at, agency)` — `agency` is
  the officer's agency at the time of completion
- `courses.Enrolment(user, course, deadline, completed_at, progress)`
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from courses.models import Enrolment, ProgramCompletion, ProgramPage

logger = logging.getLogger(__name__)


def enrolments_assign(
    *,
    users: list[Any],
    program: ProgramPage,
    deadline: datetime.date,
    assigned_by: Any,
) -> None:
    """Enrol `users` in every live course of `program` with `deadline`, via courses.

    Courses refuses deadlines in the past; an officer added after a target's
    deadline is still enrolled (without a deadline) and counts as overdue here.
    """
    from courses.services import CourseError, enrolment_assign

    when = deadline if deadline >= timezone.localdate() else None
    try:
        with transaction.atomic():
            enrolment_assign(
                users=users, deadline=when, by=assigned_by, program=program
            )
    except CourseError as exc:
        logger.warning("enrolments not assigned for program %s: %s", program.pk, exc)


@dataclass(frozen=True)
class Completion:
    user_id: int
    program_id: int
    completed_at: datetime.datetime
    agency_id: int | None


def completion_agency_id(completion: Any) -> int | None:
    """The agency a completion is credited to (snapshot taken by courses)."""
    for name in ("agency_id", "agency_at_completion_id"):
        value = getattr(completion, name, None)
        if value is not None:
            return value
    return None


def program_completions(
    *, user_ids: list[int] | None = None, program_ids: list[int] | None = None
) -> list[Completion]:
    rows = ProgramCompletion.objects.all()
    if user_ids is not None:
        rows = rows.filter(user_id__in=user_ids)
    if program_ids is not None:
        rows = rows.filter(program_id__in=program_ids)
    return [
        Completion(r.user_id, r.program_id, r.completed_at, r.agency_id)
        for r in rows.only("user_id", "program_id", "completed_at", "agency_id")
    ]


def focal_point_p1_agency_ids(*, agency_ids: list[int]) -> set[int]:
    """Agencies (of `agency_ids`) credited with a P1 completion by a focal point."""
    return set(
        ProgramCompletion.objects.filter(
            agency_id__in=agency_ids,
            program__code="P1",
            user__profile__is_data_focal_point=True,
        ).values_list("agency_id", flat=True)
    )


@dataclass(frozen=True)
class CourseProgress:
    course_id: int
    title: str
    program_id: int | None
    deadline: datetime.date | None
    completed_at: datetime.datetime | None
    progress: int


def officer_course_progress(*, user: Any) -> list[CourseProgress]:
    """Per enrolled course: deadline, completion and percent of lessons done."""
    rows = Enrolment.objects.filter(user=user).select_related("course")
    return [
        CourseProgress(
            course_id=e.course_id,
            title=e.course.title,
            program_id=e.course.program_id,
            deadline=e.deadline,
            completed_at=e.completed_at,
            progress=e.progress,
        )
        for e in rows.order_by("course__program_id", "course__path")
    ]
