from html import escape

import pytest

from courses import services
from courses.models import CoursePage, Question, QuizAnswer, QuizAttempt
from courses.services import CourseError


def _right_answers(attempt) -> dict[str, list[str]]:
    data = {}
    for question in Question.objects.filter(pk__in=attempt.question_ids):
        if question.kind in ("single", "multiple"):
            data[f"q{question.pk}"] = [c.key for c in question.choices() if c.correct]
        elif question.kind == "true_false":
            data[f"q{question.pk}"] = [
                "true" if question.true_false_answer else "false"
            ]
        elif question.kind == "numeric":
            data[f"q{question.pk}"] = [str(question.numeric_answer)]
        else:
            data[f"q{question.pk}"] = [question.accepted_answers.splitlines()[0]]
    return data


def test_an_attempt_draws_the_configured_number_of_questions(enrolment, course):
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    assert len(attempt.question_ids) == 4
    assert set(attempt.question_ids) <= set(
        Question.objects.filter(course=course).values_list("pk", flat=True)
    )


def test_starting_twice_returns_the_open_attempt(enrolment, course):
    first = services.quiz_attempt_start(user=enrolment.user, course=course)
    assert services.quiz_attempt_start(user=enrolment.user, course=course) == first


def test_right_answers_score_100_and_pass(enrolment, course):
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    scored = services.quiz_attempt_submit(
        user=enrolment.user, attempt_id=attempt.pk, data=_right_answers(attempt)
    )
    assert scored.score == 100 and scored.passed
    assert QuizAnswer.objects.filter(attempt=attempt, correct=True).count() == 4


def test_empty_answers_score_zero(enrolment, course):
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    scored = services.quiz_attempt_submit(
        user=enrolment.user, attempt_id=attempt.pk, data={}
    )
    assert scored.score == 0 and scored.passed is False


def test_short_text_answers_ignore_case_spaces_and_unicode_form(enrolment, course):
    import unicodedata

    question = Question.objects.get(course=course, kind="short_text")
    attempt = QuizAttempt.objects.create(
        user=enrolment.user, course=course, number=1, question_ids=[question.pk]
    )
    decomposed = unicodedata.normalize("NFD", "  sở   kh&cn ")
    scored = services.quiz_attempt_submit(
        user=enrolment.user,
        attempt_id=attempt.pk,
        data={f"q{question.pk}": [decomposed]},
    )
    assert scored.score == 100


def test_numeric_answers_accept_a_decimal_comma_within_tolerance(enrolment, course):
    question = Question.objects.get(course=course, kind="numeric")
    question.tolerance = 1
    question.save()
    attempt = QuizAttempt.objects.create(
        user=enrolment.user, course=course, number=1, question_ids=[question.pk]
    )
    scored = services.quiz_attempt_submit(
        user=enrolment.user, attempt_id=attempt.pk, data={f"q{question.pk}": ["98,5"]}
    )
    assert scored.score == 100


def test_a_multiple_choice_needs_every_right_choice(enrolment, course):
    question = Question.objects.get(course=course, kind="multiple")
    attempt = QuizAttempt.objects.create(
        user=enrolment.user, course=course, number=1, question_ids=[question.pk]
    )
    one_right = [c.key for c in question.choices() if c.correct][:1]
    scored = services.quiz_attempt_submit(
        user=enrolment.user, attempt_id=attempt.pk, data={f"q{question.pk}": one_right}
    )
    assert scored.score == 0


@pytest.mark.parametrize(
    "tamper",
    ["question_outside_draw", "choice_of_another_question", "not_a_number", "bad_key"],
)
def test_a_crafted_post_is_refused_and_changes_nothing(enrolment, course, tamper):
    single = Question.objects.get(course=course, kind="single")
    multiple = Question.objects.get(course=course, kind="multiple")
    numeric = Question.objects.get(course=course, kind="numeric")
    attempt = QuizAttempt.objects.create(
        user=enrolment.user,
        course=course,
        number=1,
        question_ids=[single.pk, numeric.pk],
    )
    data = {
        "question_outside_draw": {f"q{multiple.pk}": [multiple.choices()[0].key]},
        "choice_of_another_question": {f"q{single.pk}": [multiple.choices()[0].key]},
        "not_a_number": {f"q{numeric.pk}": ["chín mươi chín"]},
        "bad_key": {"qabc": ["1"]},
    }[tamper]
    with pytest.raises(CourseError):
        services.quiz_attempt_submit(
            user=enrolment.user, attempt_id=attempt.pk, data=data
        )
    attempt.refresh_from_db()
    assert attempt.submitted_at is None and attempt.score is None
    assert not QuizAnswer.objects.exists()


def test_a_second_submit_changes_nothing(enrolment, course):
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    services.quiz_attempt_submit(user=enrolment.user, attempt_id=attempt.pk, data={})
    with pytest.raises(CourseError, match="đã được nộp"):
        services.quiz_attempt_submit(
            user=enrolment.user, attempt_id=attempt.pk, data=_right_answers(attempt)
        )
    attempt.refresh_from_db()
    assert attempt.score == 0
    assert QuizAnswer.objects.filter(attempt=attempt).count() == 4


def test_no_attempt_starts_after_the_limit(enrolment, course):
    for _ in range(course.quiz_max_attempts):
        attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
        services.quiz_attempt_submit(
            user=enrolment.user, attempt_id=attempt.pk, data={}
        )
    with pytest.raises(CourseError, match="hết số lần"):
        services.quiz_attempt_start(user=enrolment.user, course=course)
    assert QuizAttempt.objects.filter(user=enrolment.user).count() == 2


def test_the_best_or_the_last_attempt_counts_as_configured(enrolment, course):
    first = services.quiz_attempt_start(user=enrolment.user, course=course)
    services.quiz_attempt_submit(
        user=enrolment.user, attempt_id=first.pk, data=_right_answers(first)
    )
    second = services.quiz_attempt_start(user=enrolment.user, course=course)
    services.quiz_attempt_submit(user=enrolment.user, attempt_id=second.pk, data={})
    assert services.quiz_counted_attempt(user=enrolment.user, course=course) == first
    course.quiz_score_policy = CoursePage.ScorePolicy.LAST
    assert services.quiz_counted_attempt(user=enrolment.user, course=course) == second


def test_another_users_attempt_is_not_found(enrolment, course, manager):
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    with pytest.raises(CourseError, match="Không tìm thấy"):
        services.quiz_attempt_submit(user=manager, attempt_id=attempt.pk, data={})


def test_the_attempt_page_never_shows_the_answers(client, enrolment, course):
    client.force_login(enrolment.user)
    response = client.post(f"/khoa-hoc/{course.pk}/kiem-tra/", follow=True)
    body = response.content.decode()
    assert "Nộp bài" in body
    assert "*" not in body.split('class="quiz-form"')[1].split("</form>")[0]
    for question in Question.objects.filter(course=course):
        assert question.feedback not in body
        if question.kind == "short_text":
            assert "SKHCN" not in body


def test_the_result_page_shows_feedback_per_question(client, enrolment, course):
    client.force_login(enrolment.user)
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    response = client.post(f"/kiem-tra/{attempt.pk}/", {}, follow=True)
    body = response.content.decode()
    assert "Kết quả bài kiểm tra" in body
    shown = Question.objects.filter(pk__in=attempt.question_ids)
    assert all(escape(q.feedback) in body for q in shown if q.feedback)


def test_a_double_submit_through_the_page_shows_a_message(client, enrolment, course):
    client.force_login(enrolment.user)
    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    client.post(f"/kiem-tra/{attempt.pk}/", {})
    response = client.post(
        f"/kiem-tra/{attempt.pk}/", _right_answers(attempt), follow=True
    )
    assert "đã được nộp" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.score == 0


def test_a_question_with_no_right_choice_is_refused_in_the_editor(course):
    from django.core.exceptions import ValidationError

    question = Question(course=course, kind="single", text="?", choices_text="A\nB")
    with pytest.raises(ValidationError):
        question.full_clean()
