from courses.models import Enrolment, LessonProgress
from tests.courses.conftest import lessons_of


def test_the_course_page_renders_for_anonymous_visitors(client, course):
    response = client.get(course.url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Dữ liệu cơ bản cho cán bộ đầu mối" in body
    assert "Chuyên đề 1: Khái niệm" in body
    assert "Đăng nhập để ghi danh" in body


def test_a_lesson_asks_anonymous_visitors_to_sign_in(client, course):
    response = client.get(lessons_of(course)[0].url)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_a_lesson_sends_a_learner_who_is_not_enrolled_to_the_course(
    client, learner, course
):
    client.force_login(learner)
    response = client.get(lessons_of(course)[0].url)
    assert response.status_code == 302
    assert response["Location"] == course.url


def test_an_enrolled_learner_sees_the_lesson_with_outline_and_next_link(
    client, enrolment, course, lab
):
    client.force_login(enrolment.user)
    first, second, _third = lessons_of(course)
    body = client.get(first.url).content.decode()
    assert "Dữ liệu số là gì" in body
    assert "Căn cứ pháp lý" in body
    assert f'rel="next" href="{second.url}"' in body
    assert "Đánh dấu đã học xong" in body
    lab_body = client.get(second.url).content.decode()
    assert 'class="highlight"' in lab_body  # Pygments on the server
    assert lab.title in lab_body


def test_viewing_a_lesson_records_where_to_continue(client, enrolment, course):
    client.force_login(enrolment.user)
    second = lessons_of(course)[1]
    client.get(second.url)
    enrolment.refresh_from_db()
    assert enrolment.last_lesson_id == second.pk
    assert LessonProgress.objects.filter(user=enrolment.user, lesson=second).exists()
    body = client.get("/hoc-tap-cua-toi/").content.decode()
    assert "Tiếp tục học" in body and second.url in body


def test_self_enrolment_from_the_course_page(client, learner, course):
    client.force_login(learner)
    response = client.post(f"/khoa-hoc/{course.pk}/ghi-danh/", follow=True)
    assert "Bạn đã ghi danh khóa học" in response.content.decode()
    assert Enrolment.objects.filter(user=learner, course=course).count() == 1


def test_enrolling_twice_is_refused_with_a_message(client, enrolment, course):
    client.force_login(enrolment.user)
    response = client.post(f"/khoa-hoc/{course.pk}/ghi-danh/", follow=True)
    assert "đã ghi danh khóa học này rồi" in response.content.decode()
    assert Enrolment.objects.filter(course=course).count() == 1


def test_the_preview_of_a_lesson_and_a_course_renders(course):
    lesson = lessons_of(course)[0]
    lesson.title = "Bản nháp chưa xuất bản"
    response = lesson.make_preview_request()
    assert response.status_code == 200
    assert "Bản nháp chưa xuất bản" in response.content.decode()
    assert course.make_preview_request().status_code == 200


def test_my_learning_shows_overdue_and_finished_courses(
    client, enrolment, course, second_course
):
    import datetime

    from django.utils import timezone

    enrolment.deadline = timezone.localdate() - datetime.timedelta(days=2)
    enrolment.source = Enrolment.Source.ASSIGNED
    enrolment.save()
    Enrolment.objects.create(
        user=enrolment.user, course=second_course, completed_at=timezone.now()
    )
    client.force_login(enrolment.user)

    body = client.get("/hoc-tap-cua-toi/").content.decode()

    current, finished = body.split("Đã hoàn thành", 1)
    assert course.title in current and course.url in current
    assert "Quá hạn" in current and "Được giao" in current
    assert "Bắt đầu học" in current
    assert second_course.title in finished
    assert f"/khoa-hoc/{second_course.pk}/hoan-thanh/" in finished
