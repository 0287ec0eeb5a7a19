"""The course journey in Chromium: an instructor authors, previews and publishes a
course with a quiz in the Wagtail admin; a learner on a phone-sized screen finds it
by an unaccented search, learns, passes the quiz and sees the completion page."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "matkhau-thu-nghiem"


@pytest.fixture
def world(transactional_db):
    """A flushed database needs its tree and role groups back."""
    from courses.models import ProgramPage
    from courses.services import program_instructor_assign
    from lms.accounts.roles import roles_sync
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from tests.factories import officer

    roles_sync()
    seed_programs(home_page_ensure())
    p1 = ProgramPage.objects.get(code="P1")
    teacher = officer(roles=["Instructor"], username="giangvien_browser")
    program_instructor_assign(program=p1, user=teacher)
    officer(roles=["Learner"], username="hocvien_browser", full_name="Nguyễn Thị Hoa")
    return p1


def _login(page, base: str, username: str, next_url: str) -> None:
    page.goto(f"{base}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    _second_factor(page)


def _second_factor(page) -> None:
    """Instructors sign in with their authenticator app's code (lms/accounts/mfa.py)."""
    from tests.factories import totp_code

    if "/accounts/2fa/authenticate/" in page.url:
        page.fill("input[name=code]", totp_code())
        page.press("input[name=code]", "Enter")
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
    page.wait_for_load_state()


def _slug(page, slug: str) -> None:
    # Set in its (hidden) tab directly: the admin's title-to-slug sync is debounced.
    page.locator("#id_slug").evaluate("(el, value) => { el.value = value; }", slug)


def _publish(page) -> None:
    from playwright.sync_api import expect

    # The publish action sits in the footer's dropdown; click it without the menu.
    with page.expect_navigation(url=re.compile(r"/admin/pages/\d+/$")):
        page.locator('button[name="action-publish"]').evaluate("b => b.click()")
    expect(page.locator(".messages")).to_contain_text("xuất bản trang")


def _instructor_builds_the_course(page, base: str, program) -> None:
    from playwright.sync_api import expect

    from courses.models import CoursePage

    _login(page, base, "giangvien_browser", "/admin/")
    page.goto(f"{base}/admin/pages/add/courses/coursepage/{program.pk}/")
    page.fill("#id_title", "Nhập môn dữ liệu số")
    _slug(page, "nhap-mon-du-lieu-so")
    page.fill("#id_objectives", "Hiểu dữ liệu số là gì")
    page.get_by_role("tab", name="Bài kiểm tra").click()
    page.fill("#id_quiz_pass_mark", "100")
    page.locator("#id_questions-ADD").click()
    page.select_option("#id_questions-0-kind", "true_false")
    page.fill("#id_questions-0-text", "Dữ liệu số là dữ liệu ở dạng điện tử.")
    page.select_option("#id_questions-0-true_false_answer", "true")
    page.fill("#id_questions-0-feedback", "Đúng: Luật Dữ liệu định nghĩa như vậy.")
    with page.expect_navigation(url=re.compile(r"/admin/pages/\d+/edit/")):
        page.locator("button.action-save").first.click()  # save a draft
    course = CoursePage.objects.get(title="Nhập môn dữ liệu số")
    assert not course.live

    preview = page.context.new_page()
    preview.goto(f"{base}/admin/pages/{course.pk}/view_draft/")
    expect(preview.locator("h1")).to_have_text("Nhập môn dữ liệu số")
    preview.close()

    _publish(page)
    page.goto(f"{base}/admin/pages/add/courses/lessonpage/{course.pk}/")
    page.fill("#id_title", "Dữ liệu số là gì")
    _slug(page, "du-lieu-so-la-gi")
    _publish(page)
    course.refresh_from_db()
    assert course.live and course.lessons().count() == 1


def _learner_completes_it(page, base: str) -> None:
    from playwright.sync_api import expect

    _login(page, base, "hocvien_browser", "/khoa-hoc/")
    page.fill("#q", "nhap mon du lieu")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name="Nhập môn dữ liệu số").click()
    page.get_by_role("button", name="Ghi danh khóa học").click()
    expect(page.get_by_text("Bạn đã ghi danh khóa học")).to_be_visible()
    page.get_by_role("link", name="Bắt đầu học").click()
    expect(page.locator("h1")).to_have_text("Dữ liệu số là gì")
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    expect(page.get_by_text("Đã đánh dấu hoàn thành bài học")).to_be_visible()

    page.goto(f"{base}/hoc-tap-cua-toi/")
    expect(page.locator(".progress").first).to_have_attribute("aria-valuenow", "100")
    page.get_by_role("link", name="Nhập môn dữ liệu số").click()
    page.get_by_role("link", name="Bài kiểm tra cuối khóa").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.get_by_label("Đúng").check()
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.get_by_text("Điểm: 100%")).to_be_visible()
    expect(page.get_by_text("Luật Dữ liệu định nghĩa như vậy")).to_be_visible()
    page.get_by_role("link", name="Xem trang hoàn thành khóa học").click()
    expect(page.locator("h1")).to_contain_text("Chúc mừng")


def test_an_instructor_publishes_a_course_and_a_learner_completes_it(
    live_server, browser, world
):
    from courses.models import CourseCompletion

    admin_context = browser.new_context(locale="vi-VN")
    _instructor_builds_the_course(admin_context.new_page(), live_server.url, world)
    admin_context.close()

    phone = browser.new_context(locale="vi-VN", viewport={"width": 390, "height": 844})
    _learner_completes_it(phone.new_page(), live_server.url)
    phone.close()
    assert (
        CourseCompletion.objects.filter(user__username="hocvien_browser").count() == 1
    )
