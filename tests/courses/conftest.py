"""Fixtures for courses: programs P1..P7, a lab, and courses loaded from the
seed-format JSON files in tests/fixtures/courses/."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "courses"


@pytest.fixture
def programs(home_page):
    from courses.models import ProgramPage
    from lms.demo import seed_programs

    seed_programs(home_page)
    return {p.code: p for p in ProgramPage.objects.all()}


@pytest.fixture
def lab(db):
    from labs.models import Lab

    return Lab.objects.create(slug="l1-officer-names", title="Chuẩn hóa họ tên cán bộ")


@pytest.fixture
def course(programs, lab):
    from courses.demo import courses_load

    return courses_load(paths=[FIXTURES / "P1-01-du-lieu-co-ban.json"])[0]


@pytest.fixture
def second_course(programs):
    from courses.demo import courses_load

    return courses_load(paths=[FIXTURES / "P1-02-danh-muc.json"])[0]


@pytest.fixture
def enrolment(learner, course):
    from courses.models import Enrolment

    return Enrolment.objects.create(user=learner, course=course)


def lessons_of(course):
    return list(course.lessons())
