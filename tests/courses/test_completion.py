import pytest

from courses import services
from courses.models import (
    CourseCompletion,
    Enrolment,
    LabPass,
    LessonProgress,
    ProgramCompletion,
    Question,
)
from courses.services import CourseError
from courses.signals import course_completed, program_completed
from labs.signals import lab_graded
from tests.courses.conftest import lessons_of


@pytest.fixture
def events():
    received = []

    def on_course(sender, **kwargs):
        received.append(("course", kwargs["course"].pk, kwargs["completion"].pk))

    def on_program(sender, **kwargs):
        received.append(("program", kwargs["program"].pk, kwargs["completion"].pk))

    course_completed.connect(on_course, dispatch_uid="test-course")
    program_completed.connect(on_program, dispatch_uid="test-program")
    yield received
    course_completed.disconnect(dispatch_uid="test-course")
    program_completed.disconnect(dispatch_uid="test-program")


def _pass_quiz(user, course):
    attempt = services.quiz_attempt_start(user=user, course=course)
    data = {}
    for q in Question.objects.filter(pk__in=attempt.question_ids):
        if q.kind in ("single", "multiple"):
            data[f"q{q.pk}"] = [c.key for c in q.choices() if c.correct]
        elif q.kind == "true_false":
            data[f"q{q.pk}"] = ["true" if q.true_false_answer else "false"]
        elif q.kind == "numeric":
            data[f"q{q.pk}"] = [str(q.numeric_answer)]
        else:
            data[f"q{q.pk}"] = [q.accepted_answers.splitlines()[0]]
    return services.quiz_attempt_submit(user=user, attempt_id=attempt.pk, data=data)


def _finish(user, course, lab):
    lab_graded.send(sender=None, user=user, lab=lab, submission=None, passed=True)
    for lesson in lessons_of(course):
        services.lesson_complete(user=user, lesson=lesson)
    _pass_quiz(user, course)


def test_a_lesson_with_a_lab_cannot_be_completed_before_the_lab_passes(
    enrolment, course
):
    lab_lesson = lessons_of(course)[1]
    with pytest.raises(CourseError, match="bài thực hành chưa đạt"):
        services.lesson_complete(user=enrolment.user, lesson=lab_lesson)
    assert not LessonProgress.objects.filter(completed_at__isnull=False).exists()


def test_a_passed_lab_completes_the_lessons_that_hold_it(enrolment, course, lab):
    lab_graded.send(
        sender=None, user=enrolment.user, lab=lab, submission=None, passed=True
    )
    lab_lesson = lessons_of(course)[1]
    assert LabPass.objects.filter(user=enrolment.user, lab=lab).exists()
    assert LessonProgress.objects.get(
        user=enrolment.user, lesson=lab_lesson
    ).completed_at


def test_a_failed_lab_changes_nothing(enrolment, course, lab):
    lab_graded.send(
        sender=None, user=enrolment.user, lab=lab, submission=None, passed=False
    )
    assert not LabPass.objects.exists() and not LessonProgress.objects.exists()


def test_lessons_alone_do_not_complete_a_course_with_a_required_quiz(
    enrolment, course, lab, events
):
    lab_graded.send(
        sender=None, user=enrolment.user, lab=lab, submission=None, passed=True
    )
    for lesson in lessons_of(course):
        services.lesson_complete(user=enrolment.user, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.progress == 100 and enrolment.completed_at is None
    assert events == []


def test_completing_everything_stores_the_completion_and_sends_one_event(
    enrolment, course, lab, events
):
    _finish(enrolment.user, course, lab)
    completion = CourseCompletion.objects.get(user=enrolment.user, course=course)
    assert completion.agency == enrolment.user.profile.agency
    assert completion.score == 100
    enrolment.refresh_from_db()
    assert enrolment.completed_at == completion.completed_at
    services.course_completion_update(user=enrolment.user, course=course)
    services.lesson_complete(user=enrolment.user, lesson=lessons_of(course)[0])
    assert [e for e in events if e[0] == "course"] == [
        ("course", course.pk, completion.pk)
    ]


def test_the_completion_is_credited_to_the_agency_at_that_moment(
    enrolment, course, lab
):
    from lms.accounts.services import officer_move
    from tests.factories import AgencyFactory

    before = enrolment.user.profile.agency
    _finish(enrolment.user, course, lab)
    officer_move(user=enrolment.user, agency=AgencyFactory())
    assert CourseCompletion.objects.get(user=enrolment.user).agency == before


def test_a_program_completes_when_all_its_required_courses_do(
    enrolment, course, second_course, lab, events
):
    user = enrolment.user
    _finish(user, course, lab)
    assert not ProgramCompletion.objects.exists()
    Enrolment.objects.create(user=user, course=second_course)
    _finish(user, second_course, lab)
    # P1 has only these two courses in this test
    assert (
        ProgramCompletion.objects.filter(user=user, program=course.program).count() == 1
    )
    assert [e[0] for e in events].count("program") == 1


def test_the_completion_page_shows_after_completion(client, enrolment, course, lab):
    client.force_login(enrolment.user)
    assert client.get(f"/khoa-hoc/{course.pk}/hoan-thanh/").status_code == 404
    _finish(enrolment.user, course, lab)
    body = client.get(f"/khoa-hoc/{course.pk}/hoan-thanh/").content.decode()
    assert "Chúc mừng" in body and course.title in body


def test_a_deleted_lab_no_longer_blocks_the_lesson(enrolment, course, lab, client):
    lab.delete()
    lab_lesson = lessons_of(course)[1]
    services.lesson_complete(user=enrolment.user, lesson=lab_lesson)
    client.force_login(enrolment.user)
    body = client.get(lab_lesson.url).content.decode()
    assert "không còn tồn tại" in body
