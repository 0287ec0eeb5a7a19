from wagtail.models import Page, Revision

from courses.demo import courses_load
from courses.models import CoursePage, LessonPage, Question
from tests.courses.conftest import FIXTURES


def test_the_loader_creates_course_lessons_modules_and_questions(course, lab):
    assert course.live and course.program.code == "P1"
    assert [m.title for m in course.modules.all()] == [
        "Chuyên đề 1: Khái niệm",
        "Chuyên đề 2: Nhiệm vụ",
    ]
    lessons = list(course.lessons())
    assert [lesson.slug for lesson in lessons] == [
        "du-lieu-so-la-gi",
        "lam-sach-ten",
        "nhiem-vu-dau-moi",
    ]
    assert lessons[0].module.title == "Chuyên đề 1: Khái niệm"
    assert list(lessons[1].labs.all()) == [lab]
    assert Question.objects.filter(course=course).count() == 5
    assert course.quiz_draw == 4 and course.quiz_max_attempts == 2


def test_a_second_run_changes_nothing(course):
    before = (Page.objects.count(), Revision.objects.count(), Question.objects.count())
    question_ids = set(Question.objects.values_list("pk", flat=True))
    courses_load(paths=FIXTURES.glob("P1-01-*.json"))
    after = (Page.objects.count(), Revision.objects.count(), Question.objects.count())
    assert before == after
    assert set(Question.objects.values_list("pk", flat=True)) == question_ids


def test_a_lab_that_does_not_exist_is_skipped(programs):
    course = courses_load(paths=[FIXTURES / "P1-01-du-lieu-co-ban.json"])[0]
    lesson = LessonPage.objects.child_of(course).get(slug="lam-sach-ten")
    assert [b.block_type for b in lesson.body] == ["code"]


def test_the_course_search_text_has_no_accents(course):
    course.refresh_from_db()
    assert "du lieu co ban cho can bo dau moi" in course.search_text
    assert "quan tri du lieu co ban" in course.search_text  # the program's title


def _seed() -> None:
    from courses import demo
    from lms import demo as lms_demo

    lms_demo.seed()
    demo.seed()


def test_the_demo_seed_loads_the_content_and_enrols_the_demo_learner(db):
    from courses.models import Enrolment, ProgramPage

    _seed()
    p1 = ProgramPage.objects.get(code="P1")
    assert CoursePage.objects.filter(program=p1).exists()
    assert Enrolment.objects.filter(
        user__username="hocvien", course__program=p1, deadline__isnull=False
    ).exists()
    before = (Page.objects.count(), Revision.objects.count(), Enrolment.objects.count())
    last = Revision.objects.order_by("-pk").values_list("pk", flat=True).first()
    _seed()
    new = list(
        Revision.objects.filter(pk__gt=last).values_list("object_str", flat=True)
    )
    assert new == []
    assert before == (
        Page.objects.count(),
        Revision.objects.count(),
        Enrolment.objects.count(),
    )
