"""A course's lesson outline is cached for all its learners and retired on every
change to its lessons, modules or the course itself."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses.models import CourseModule, LessonPage
from courses.selectors import lesson_outline, outline_changed
from tests.courses.conftest import lessons_of


@pytest.fixture
def outline_cache(settings, db):
    settings.COURSE_OUTLINE_CACHE_SECONDS = 60
    # A fresh version: nothing cached by an earlier run or test can answer.
    outline_changed()
    yield
    outline_changed()


def _titles(course) -> list[str]:
    outline, _opened, _done = lesson_outline(course=course)
    return [lesson.title for module in outline for lesson in module.lessons]


def test_a_cached_outline_is_read_without_a_query(outline_cache, course):
    _titles(course)

    with CaptureQueriesContext(connection) as ctx:
        titles = _titles(course)

    assert titles == [lesson.title for lesson in lessons_of(course)]
    assert len(ctx.captured_queries) == 0


def test_publishing_a_renamed_lesson_shows_in_the_outline(outline_cache, course):
    _titles(course)
    lesson = lessons_of(course)[0]
    lesson.title = "Bài mở đầu (đã sửa)"
    lesson.save_revision().publish()

    assert _titles(course)[0] == "Bài mở đầu (đã sửa)"


def test_a_new_lesson_shows_in_the_outline(outline_cache, course):
    _titles(course)
    course.add_child(instance=LessonPage(title="Bài bổ sung", slug="bai-bo-sung"))

    assert _titles(course)[-1] == "Bài bổ sung"


def test_an_unpublished_lesson_leaves_the_outline(outline_cache, course):
    _titles(course)
    lesson = lessons_of(course)[-1]
    lesson.unpublish()

    assert lesson.title not in _titles(course)


def test_a_deleted_lesson_leaves_the_outline(outline_cache, course):
    _titles(course)
    lesson = lessons_of(course)[-1]
    title = lesson.title
    lesson.delete()

    assert title not in _titles(course)


def test_a_renamed_module_shows_in_the_outline(outline_cache, course):
    module = CourseModule.objects.create(course=course, title="Chuyên đề một")
    lesson = lessons_of(course)[0]
    LessonPage.objects.filter(pk=lesson.pk).update(module=module)
    outline_changed()
    lesson_outline(course=course)
    module.title = "Chuyên đề đổi tên"
    module.save()

    outline, _opened, _done = lesson_outline(course=course)

    assert outline[0].title == "Chuyên đề đổi tên"


def test_each_learner_sees_their_own_progress_on_a_shared_outline(
    outline_cache, client, course, enrolment, learner
):
    from courses.models import Enrolment
    from courses.services import lesson_complete
    from tests.factories import UserFactory

    other = UserFactory()
    Enrolment.objects.create(user=other, course=course)
    first = lessons_of(course)[0]
    lesson_complete(user=learner, lesson=first)

    _outline, _opened, mine = lesson_outline(course=course, user=learner)
    _outline, _opened, theirs = lesson_outline(course=course, user=other)

    assert first.pk in mine
    assert first.pk not in theirs


def _lesson_html(client, lesson) -> str:
    response = client.get(lesson.url)
    assert response.status_code == 200
    return response.content.decode()


def test_a_cached_lesson_page_reads_no_page_query(
    outline_cache, client, course, enrolment, learner
):
    from courses.selectors import lesson_live

    lesson = lessons_of(course)[1]
    lesson_live(lesson.pk)

    with CaptureQueriesContext(connection) as ctx:
        cached = lesson_live(lesson.pk)

    assert cached.pk == lesson.pk
    assert cached.course.pk == course.pk
    assert len(ctx.captured_queries) == 0


def test_a_published_edit_shows_on_a_cached_lesson_page(
    outline_cache, client, course, enrolment, learner
):
    client.force_login(learner)
    lesson = lessons_of(course)[1]
    _lesson_html(client, lesson)
    lesson.title = "Bài hai (đã sửa)"
    lesson.save_revision().publish()

    assert "Bài hai (đã sửa)" in _lesson_html(client, lesson)


def test_a_renamed_course_shows_on_a_cached_lesson_page(
    outline_cache, client, course, enrolment, learner
):
    client.force_login(learner)
    lesson = lessons_of(course)[1]
    _lesson_html(client, lesson)
    course.title = "Khóa học đã đổi tên"
    course.save_revision().publish()

    assert "Khóa học đã đổi tên" in _lesson_html(client, lesson)


def test_an_unpublished_lesson_is_gone_even_when_cached(
    outline_cache, client, course, enrolment, learner
):
    client.force_login(learner)
    lesson = lessons_of(course)[1]
    _lesson_html(client, lesson)
    lesson.unpublish()

    assert client.get(lesson.url).status_code == 404


def test_a_published_body_edit_shows_on_a_cached_lesson_page(
    outline_cache, client, course, enrolment, learner
):
    from wagtail.rich_text import RichText

    client.force_login(learner)
    lesson = lessons_of(course)[0]
    _lesson_html(client, lesson)
    lesson.body = [("paragraph", RichText("<p>Đoạn văn mới sau khi sửa.</p>"))]
    lesson.save_revision().publish()

    assert "Đoạn văn mới sau khi sửa." in _lesson_html(client, lesson)


def test_the_preview_shows_the_draft_body_not_the_cached_one(
    outline_cache, client, course, enrolment, learner
):
    from wagtail.rich_text import RichText

    client.force_login(learner)
    lesson = lessons_of(course)[0]
    _lesson_html(client, lesson)
    lesson.body = [("paragraph", RichText("<p>Bản nháp chưa xuất bản.</p>"))]

    preview = lesson.make_preview_request().content.decode()

    assert "Bản nháp chưa xuất bản." in preview
    assert "Bản nháp chưa xuất bản." not in _lesson_html(client, lesson)


def test_a_lab_block_is_rendered_for_each_view_not_cached(
    outline_cache, client, course, enrolment, learner, lab
):
    client.force_login(learner)
    lesson = lessons_of(course)[1]
    assert lab.title in _lesson_html(client, lesson)
    lab.title = "Bài thực hành đã đổi tên"
    lab.save()

    html = _lesson_html(client, lesson)

    assert "Bài thực hành đã đổi tên" in html
    assert 'class="highlight"' in html  # the cached code block is still there


def test_a_shared_outline_marks_each_learners_own_done_lessons_and_current_lesson(
    outline_cache, client, course, enrolment, learner
):
    from courses.models import Enrolment
    from courses.services import lesson_complete
    from tests.factories import UserFactory

    other = UserFactory()
    Enrolment.objects.create(user=other, course=course)
    first, second = lessons_of(course)[:2]
    lesson_complete(user=learner, lesson=first)

    client.force_login(learner)
    mine = _lesson_html(client, second)
    client.force_login(other)
    theirs = _lesson_html(client, second)

    for html in (mine, theirs):
        assert html.count('aria-current="page"') == 1
        assert (
            f'aria-current="page" class="current">\n      <a href="{second.url}"'
            in html
        )
        assert "<!--outline-" not in html
    assert mine.count("đã xong") == 1
    assert "đã xong" not in theirs


def test_a_lesson_title_cannot_forge_an_outline_marker(
    outline_cache, client, course, enrolment, learner
):
    first = lessons_of(course)[0]
    first.title = f"Bài <!--outline-done:{first.pk}--> lạ"
    first.save_revision().publish()
    client.force_login(learner)

    html = _lesson_html(client, lessons_of(course)[1])

    assert f"Bài &lt;!--outline-done:{first.pk}--&gt; lạ" in html
    assert "đã xong" not in html
