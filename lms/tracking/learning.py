"""The only module of `tracking` that touches the courses app's progress models.

Courses owns enrolments and completions; tracking reads them and asks courses to
assign. Everything we rely on from courses is named here:

- `courses.services.enrolment_assign(*, users, deadline, by, course=..., program=...)`
  (raises `CourseError` with a message for the manager)
- `courses.ProgramCompletion(user, program, completed_at, agency)` — `agency` is
  the officer's agency at the time of completion
- `courses.Enrolment(user, course, source, deadline, assigned_by, completed_at,
  progress)` and `CoursePage.program`
- the `courses.signals.course_completed` signal
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from courses.models import CoursePage, Enrolment, ProgramCompletion, ProgramPage

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


def courses_assign(
    *,
    users: list[Any],
    deadline: datetime.date,
    by: Any,
    course: CoursePage | None = None,
    program: ProgramPage | None = None,
) -> list[Enrolment]:
    """A manager's (or DOST's) assignment from "Giao khóa học": a course, or every
    live course of a program, with a deadline. Refusals raise `CourseError`."""
    from courses.services import enrolment_assign

    return enrolment_assign(
        users=users, deadline=deadline, by=by, course=course, program=program
    )


# Enrolments that are assignments: chosen by someone else, with a deadline.
ASSIGNED_SOURCES = (Enrolment.Source.ASSIGNED, Enrolment.Source.AUTO)


def assigned_enrolments_open() -> QuerySet[Enrolment]:
    """Course assignments not yet completed that count as duties of their own.

    Assigned (page "Giao khóa học" or a program's automatic assignment) with a
    deadline, not completed, of an officer with an agency, in a course of a
    program. Why a course of a program the officer has a `Requirement` for is
    left out: a target enrols its officers in the program's courses with its own
    deadline, so one late officer would count once for the requirement and again
    for each course; the requirement already tracks that program, against DOST's
    deadline. When the requirement is dropped (target withdrawn, officer out of
    its scope), `target_enrolments_release` takes that deadline off, so those
    courses do not turn into duties of their own. Overdue = these with `deadline`
    before today, plus open requirements past theirs. One definition, used by the
    roll-ups, the officer counts, the overdue list and the reminders, so they
    agree to the last officer.
    """
    from lms.tracking.models import Requirement

    covered = Requirement.objects.filter(
        user_id=OuterRef("user_id"), program_id=OuterRef("course__program_id")
    )
    return Enrolment.objects.filter(
        source__in=ASSIGNED_SOURCES,
        deadline__isnull=False,
        completed_at__isnull=True,
        course__program__isnull=False,
        user__profile__agency__isnull=False,
    ).filter(~Exists(covered))


def target_enrolments_release(
    *,
    user_ids: list[int],
    program_id: int,
    assigned_by_ids: set[int],
    deadlines: set[datetime.date],
) -> int:
    """Take the deadline off the open course assignments a target wrote into
    `program_id`'s courses for `user_ids`, whose requirement is being dropped;
    returns how many. The enrolment, its progress and its history stay.

    Courses keeps no record of which target assigned an enrolment (it is an
    ordinary "assigned" one), only who and by when: a target's still carry one of
    its authors and one of its deadlines. A manager who assigned the course again
    since then ("Giao khóa học") rewrote both, so theirs keeps its deadline.
    """
    return Enrolment.objects.filter(
        user_id__in=user_ids,
        course__program_id=program_id,
        source=Enrolment.Source.ASSIGNED,
        completed_at__isnull=True,
        assigned_by_id__in=assigned_by_ids,
        deadline__in=deadlines,
    ).update(deadline=None)


def is_assignment(*, user: Any, course: Any) -> bool:
    """Whether `user`'s enrolment in `course` was assigned with a deadline."""
    return Enrolment.objects.filter(
        user=user, course=course, source__in=ASSIGNED_SOURCES, deadline__isnull=False
    ).exists()


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
