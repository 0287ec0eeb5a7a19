"""The learner pages read a fixed number of rows whatever the size of the course or
the number of enrolments (≤ 10 queries each)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import CoursePage, Enrolment, LessonPage
from tests.courses.conftest import lessons_of


def _add_lessons(course: CoursePage, n: int) -> None:
    for i in range(n):
        course.add_child(
            instance=LessonPage(title=f"Bài thêm {i}", slug=f"bai-them-{i}")
        )


def _add_courses(program, n: int) -> list[CoursePage]:
    courses = []
    for i in range(n):
        course = CoursePage(title=f"Khóa học dữ liệu {i}", slug=f"khoa-hoc-{i}")
        program.add_child(instance=course)
        courses.append(course)
    return courses


def _count(client, url: str) -> int:
    client.get(url)  # warm per-process caches (site root paths, content types)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_the_lesson_page_query_count_does_not_grow(client, course, enrolment, programs):
    client.force_login(enrolment.user)
    url = lessons_of(course)[0].url
    small = _count(client, url)
    _add_lessons(course, 40)
    large = _count(client, url)
    assert large == small
    assert large <= 10


def test_the_catalogue_query_count_does_not_grow(client, programs, course):
    small = _count(client, "/khoa-hoc/?q=du+lieu")
    _add_courses(programs["P2"], 30)
    large = _count(client, "/khoa-hoc/?q=du+lieu")
    assert large == small
    assert large <= 10


def test_my_learning_query_count_does_not_grow(client, programs, course, enrolment):
    client.force_login(enrolment.user)
    enrolment.last_lesson = lessons_of(course)[0]
    enrolment.save()
    small = _count(client, "/hoc-tap-cua-toi/")
    for c in _add_courses(programs["P2"], 30):
        c.add_child(instance=LessonPage(title="Bài 1", slug="bai-1"))
        Enrolment.objects.create(
            user=enrolment.user,
            course=c,
            last_lesson=LessonPage.objects.child_of(c).get(),
        )
    large = _count(client, "/hoc-tap-cua-toi/")
    assert large == small
    assert large <= 10


def test_the_course_page_query_count_does_not_grow(client, course, enrolment):
    client.force_login(enrolment.user)
    small = _count(client, course.url)
    _add_lessons(course, 40)
    large = _count(client, course.url)
    assert large == small
