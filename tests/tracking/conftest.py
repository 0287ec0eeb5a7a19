"""Fixtures for tracking: programs P1..P7 with one live course each, DOST targets,
and `complete()`, which records a program completion the way courses does."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.factories import AgencyFactory, officer


@pytest.fixture
def programs(home_page):
    from courses.models import CoursePage, ProgramPage
    from lms.demo import seed_programs

    seed_programs(home_page)
    programs = {p.code: p for p in ProgramPage.objects.all()}
    for code in ("P1", "P5"):
        program = programs[code]
        if not CoursePage.objects.child_of(program).exists():
            program.add_child(
                instance=CoursePage(title=f"Khóa {code}-01", slug=f"{code.lower()}-01")
            )
    return programs


@pytest.fixture
def dost_admin(db):
    """DOST staff sit in a department, so commune targets never include them."""
    return officer(
        agency=AgencyFactory(
            code="SKHCN", name="Sở Khoa học và Công nghệ", kind="department"
        ),
        roles=["DOST admin"],
        username="sokhcn_test",
    )


@pytest.fixture
def commune(db):
    return AgencyFactory(code="XA-A", name="UBND Xã An", kind="commune")


@pytest.fixture
def other_commune(db):
    return AgencyFactory(code="XA-B", name="UBND Xã Bình", kind="commune")


@pytest.fixture
def department(db):
    return AgencyFactory(code="SO-X", name="Sở Thử nghiệm", kind="department")


def in_days(days: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=days)


def make_officer(agency, *, focal=False, position="Công chức", **kw):
    user = officer(agency=agency, **kw)
    profile = user.profile
    profile.is_data_focal_point = focal
    profile.position = position
    profile.save()
    return user


def complete(user, program, *, when=None):
    """What courses does when the last required course is done: store the completion
    with the officer's agency at that moment, then send `program_completed`."""
    from courses.models import ProgramCompletion, ProgramPage
    from courses.signals import program_completed

    completion = ProgramCompletion.objects.create(
        user=user,
        program=program,
        agency_id=user.profile.agency_id,
        completed_at=when or timezone.now(),
    )
    program_completed.send(
        sender=ProgramPage, user=user, program=program, completion=completion
    )
    return completion


def refresh():
    from lms.tracking.stats import agency_stats_recompute_dirty

    while agency_stats_recompute_dirty():
        pass


@pytest.fixture
def target_factory(dost_admin, programs):
    from lms.tracking.services import target_create

    def make(program="P1", *, deadline=None, **fields):
        fields.setdefault("agency_kind", "commune")
        return target_create(
            created_by=dost_admin,
            name=fields.pop("name", f"Chỉ tiêu {program}"),
            program=programs[program],
            deadline=deadline or in_days(60),
            **fields,
        )

    return make


def add_course(program, slug: str):
    """Another live course in `program`."""
    from courses.models import CoursePage

    course = CoursePage(title=f"Khóa {slug}", slug=slug)
    program.add_child(instance=course)
    return course


def assign(by, users, *, deadline=None, course=None, program=None):
    """What "Giao khóa học" does: courses' assignment, then the roll-ups marked."""
    from lms.tracking.services import assignments_create

    return assignments_create(
        users=users,
        deadline=deadline or in_days(10),
        by=by,
        course=course,
        program=program,
    )


def let_deadlines_pass(*users, days: int = 3):
    """Time passes: the officers' assigned courses are now `days` past their
    deadline (courses refuses past deadlines, so they are set directly)."""
    from courses.models import Enrolment
    from lms.tracking.stats import agency_stats_recompute_all

    Enrolment.objects.filter(user__in=users, deadline__isnull=False).update(
        deadline=in_days(-days)
    )
    agency_stats_recompute_all()


def complete_course(user, course, *, when=None):
    """What courses does when a course is complete: the completion, the enrolment
    marked, then `course_completed`."""
    from courses.models import CourseCompletion, CoursePage, Enrolment
    from courses.signals import course_completed

    completion = CourseCompletion.objects.create(
        user=user,
        course=course,
        agency_id=user.profile.agency_id,
        completed_at=when or timezone.now(),
    )
    Enrolment.objects.filter(user=user, course=course).update(
        completed_at=completion.completed_at, progress=100
    )
    course_completed.send(
        sender=CoursePage, user=user, course=course, completion=completion
    )
    return completion


@pytest.fixture
def commune_manager(commune):
    """The commune's manager; their position keeps them out of targets that ask
    for position "Công chức" (every `make_officer`)."""
    user = officer(agency=commune, roles=["Agency manager"], username="quanly_xa_a")
    user.profile.position = "Văn phòng UBND"
    user.profile.save()
    return user
