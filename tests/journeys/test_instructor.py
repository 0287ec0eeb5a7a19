"""Journey 2, the instructor, in the Wagtail admin: uploads a lab bundle (starter,
data, hidden checks), completes and publishes their program, creates a course with
quiz questions and a lesson with rich text, video, code, a callout, the quiz and
the lab, previews and publishes; then sees the lab's submissions and grade
distribution, fixes a check and regrades every submission.

Instructors cannot create a program page themselves (Wagtail page permissions are
per program, see courses.services.program_instructor_assign): the program they
were given is an unpublished draft that they write and publish.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.conftest import wait_for
from tests.factories import TEST_TOTP_SECRET
from tests.journeys.browsing import XSS, XSS_IMG, XSS_SCRIPT, XSS_SVG
from tests.journeys.embeds import VIDEO_URL
from tests.labs.lab_fixtures import notebook_bytes

pytestmark = [pytest.mark.browser, pytest.mark.worker]

LAB_TITLE = f"Tính tổng các số {XSS_IMG}"
COURSE = f"Dữ liệu mở cho cán bộ xã {XSS_SVG}"
LESSON = f"Đọc tệp CSV {XSS_SCRIPT}"
# A link pasted from elsewhere: the href must never survive as a script.
JS_LINK = '<a href="javascript:window.__xss=1">Tài liệu tham khảo</a>'

# v1 wrongly insists on an integer: a learner who wrote 6.0 fails. v2 fixes it.
CHECKS_V1 = """from labs.checklib import CheckFailed


def check_total(r):
    if r.get("total") != 6 or not isinstance(r.get("total"), int):
        raise CheckFailed("Tổng chưa đúng.", expected=6, found=r.get("total"))
"""
CHECKS_V2 = CHECKS_V1.replace(' or not isinstance(r.get("total"), int)', "")


def bundle(tmp_path, checks: str) -> dict:
    """The lab bundle the instructor zips and uploads."""
    from labs import archives
    from tests.labs.lab_fixtures import TINY_MANIFEST

    folder = tmp_path / f"bundle-{len(checks)}"
    (folder / "data").mkdir(parents=True)
    manifest = {**TINY_MANIFEST, "slug": "tinh-tong", "title": LAB_TITLE}
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (folder / "data" / "numbers.csv").write_text("n\n1\n2\n3\n", encoding="utf-8")
    (folder / "starter.ipynb").write_bytes(notebook_bytes("total = None"))
    (folder / "solution.ipynb").write_bytes(
        notebook_bytes(
            "import csv\n"
            "total = sum(int(r['n']) for r in csv.DictReader(open('data/numbers.csv')))"
        )
    )
    (folder / "checks.py").write_text(checks, encoding="utf-8")
    return {
        "name": "tinh-tong.zip",
        "mimeType": "application/zip",
        "buffer": archives.folder_archive(folder),
    }


@pytest.fixture
def draft_program(transactional_db, settings):
    """An unpublished program given to the instructor, and two learners."""
    from courses.models import ProgramIndexPage, ProgramPage
    from courses.services import program_instructor_assign
    from lms.accounts.roles import roles_sync
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from tests.factories import officer

    settings.WAGTAILEMBEDS_FINDERS = [{"class": "tests.journeys.embeds"}]
    roles_sync()
    seed_programs(home_page_ensure())
    program = ProgramIndexPage.objects.get().add_child(
        instance=ProgramPage(
            title="Dữ liệu mở", slug="p8", code="P8", audience="B", live=False
        )
    )
    program.save_revision()
    teacher = officer(
        roles=["Instructor"], username="giangvien_j2", full_name="Trần Văn Minh"
    )
    program_instructor_assign(
        program=ProgramPage.objects.get(pk=program.pk), user=teacher
    )
    for username in ("hocvien_a", "hocvien_b"):
        officer(roles=["Learner"], username=username)
    return program


def draftail(page, field_id: str):
    """The editable area of the rich text field whose hidden input is `field_id`."""
    return page.locator(f"#{field_id} ~ .Draftail-Editor__wrapper [role=textbox]")


def save_draft(page) -> int:
    """Save the page as a draft; returns its id."""
    with page.expect_navigation(url=re.compile(r"/admin/pages/\d+/edit/")):
        page.locator("button.action-save").first.click()
    return int(re.search(r"/admin/pages/(\d+)/edit/", page.url)[1])


def publish(page) -> None:
    from playwright.sync_api import expect

    # The publish action sits in the footer's dropdown; click it without the menu.
    with page.expect_navigation(url=re.compile(r"/admin/pages/\d+/$")):
        page.locator('button[name="action-publish"]').evaluate("b => b.click()")
    expect(page.locator(".messages .success")).to_be_visible()


def paste_html(editor, html: str, text: str) -> None:
    """Paste into a rich text editor as a copy from another web page would."""
    editor.evaluate(
        """(el, [html, text]) => {
          const data = new DataTransfer();
          data.setData("text/html", html);
          data.setData("text/plain", text);
          el.dispatchEvent(new ClipboardEvent("paste", {
            clipboardData: data, bubbles: true, cancelable: true,
          }));
        }""",
        [html, text],
    )


def add_block(page, label: str) -> int:
    """Append a block to the lesson body; returns its index in the stream."""
    count = page.locator("input[name$='-type'][name^='body-']").count()
    page.locator("button.c-sf-add-button").last.click()
    page.get_by_role("option", name=label, exact=True).click()
    return count


def preview(teacher, page_id: int, title: str):
    """The draft as learners will see it, in a second tab."""
    from playwright.sync_api import expect

    tab = teacher.context.new_page()
    tab.goto(teacher.url(f"/admin/pages/{page_id}/view_draft/"))
    expect(tab.locator("h1")).to_have_text(title)
    return tab


def test_an_instructor_authors_publishes_and_regrades_a_lab(
    journey, draft_program, worker, tmp_path
):
    from playwright.sync_api import expect

    from courses.models import CoursePage, LessonPage
    from labs import services as lab_services
    from labs.models import Lab, Submission
    from lms.accounts.models import User

    teacher = journey("instructor")
    page = teacher.page

    # 1. Sign in with the second factor: the admin, with its "Bài thực hành" menu.
    teacher.sign_in("giangvien_j2", next_path="/admin/", totp=TEST_TOTP_SECRET)
    expect(page.get_by_role("link", name="Bài thực hành")).to_be_visible()
    teacher.shot("quan-tri")

    # 2. Upload the lab bundle: its solution is graded (must pass), the starter
    # must not.
    teacher.goto("/admin/labs/tai-len-goi/")
    expect(page.locator("main")).to_contain_text("Gói bài thực hành (.zip)")
    page.set_input_files("input[type=file]", bundle(tmp_path, CHECKS_V1))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Đã nhận “{LAB_TITLE}” phiên bản 1 (lời giải 2/2, notebook khởi đầu 0/2)",
        timeout=120_000,
    )
    teacher.shot("tai-len-goi")
    lab = Lab.objects.get(slug="tinh-tong")

    # 3. Write and publish the program.
    teacher.goto(f"/admin/pages/{draft_program.pk}/edit/")
    summary = draftail(page, "id_summary")
    summary.click()
    page.keyboard.type(f"Khai thác dữ liệu mở của tỉnh. {XSS}")
    teacher.shot("chuong-trinh")
    publish(page)
    draft_program.refresh_from_db()
    assert draft_program.live

    # 4. A course with its quiz: a short-text question and a true/false one.
    teacher.goto(f"/admin/pages/add/courses/coursepage/{draft_program.pk}/")
    page.fill("#id_title", COURSE)
    draftail(page, "id_summary").click()
    page.keyboard.type(f"Tìm, đọc và làm sạch dữ liệu mở. {XSS}")
    page.fill("#id_objectives", f"Đọc được tệp CSV\nTính được tổng {XSS_IMG}")
    page.get_by_role("tab", name="Bài kiểm tra").click()
    page.fill("#id_quiz_pass_mark", "50")
    page.locator("#id_questions-ADD").click()
    page.select_option("#id_questions-0-kind", "short_text")
    page.fill("#id_questions-0-text", f"Viết tắt của Sở Khoa học và Công nghệ? {XSS}")
    page.fill("#id_questions-0-accepted_answers", "SKHCN\nSở KH&CN")
    page.fill("#id_questions-0-feedback", f"Sở KH&CN. {XSS}")
    page.locator("#id_questions-ADD").click()
    page.select_option("#id_questions-1-kind", "true_false")
    page.fill("#id_questions-1-text", "Dữ liệu mở được công bố cho mọi người.")
    page.select_option("#id_questions-1-true_false_answer", "true")
    course = CoursePage.objects.get(pk=save_draft(page))
    tab = preview(teacher, course.pk, COURSE)
    expect(tab.locator("main")).to_contain_text(f"Tính được tổng {XSS_IMG}")
    teacher.shot("xem-truoc-khoa-hoc", tab)
    tab.close()
    publish(page)

    # 5. A lesson with every kind of block.
    teacher.goto(f"/admin/pages/add/courses/lessonpage/{course.pk}/")
    page.fill("#id_title", LESSON)
    page.fill("#id_minutes", "20")
    n = add_block(page, "Tiêu đề mục")
    page.fill(f"#body-{n}-value", f"Đọc dữ liệu {XSS}")
    n = add_block(page, "Đoạn văn")
    paragraph = draftail(page, f"body-{n}-value")
    paragraph.click()
    page.keyboard.type(f"Dùng thư viện csv của Python. {XSS} ")
    paste_html(paragraph, JS_LINK, "Tài liệu tham khảo")
    n = add_block(page, "Video")
    page.fill(f"#body-{n}-value", VIDEO_URL)
    n = add_block(page, "Đoạn mã")
    page.select_option(f"#body-{n}-value-language", "python")
    page.fill(f"#body-{n}-value-code", f'print("{XSS_SCRIPT}")')
    n = add_block(page, "Hộp chú thích")
    page.select_option(f"#body-{n}-value-kind", "legal")
    page.fill(f"#body-{n}-value-title", f"Luật Dữ liệu {XSS_SVG}")
    draftail(page, f"body-{n}-value-text").click()
    page.keyboard.type("Luật số 60/2024/QH15.")
    n = add_block(page, "Bài thực hành")
    page.locator(f"#body-{n}-value-chooser button:visible").first.click()
    page.locator(".modal").get_by_role("link", name=LAB_TITLE).click()
    expect(page.locator(f"#body-{n}-value-title")).to_have_text(LAB_TITLE)
    add_block(page, "Bài kiểm tra của khóa học")
    lesson = LessonPage.objects.get(pk=save_draft(page))
    tab = preview(teacher, lesson.pk, LESSON)
    expect(tab.locator(".lesson-body")).to_contain_text(f"Luật Dữ liệu {XSS_SVG}")
    teacher.shot("xem-truoc-bai-hoc", tab)
    tab.close()
    publish(page)

    # 6. What learners see, as published.
    lesson.refresh_from_db()
    assert lesson.live and list(lesson.labs.all()) == [lab]
    teacher.goto(lesson.url)
    body = page.locator(".lesson-body")
    expect(page.locator("h1")).to_have_text(LESSON)
    expect(body.locator("h2.lesson-heading")).to_have_text(f"Đọc dữ liệu {XSS}")
    expect(body).to_contain_text(f"Dùng thư viện csv của Python. {XSS}")
    # The pasted text stays; its javascript: address does not.
    expect(body).to_contain_text("Tài liệu tham khảo")
    expect(page.locator('a[href^="javascript:"]')).to_have_count(0)
    body.get_by_text("Tài liệu tham khảo").click()
    expect(body.locator(".code-block")).to_contain_text(f'print("{XSS_SCRIPT}")')
    expect(body.locator(".callout-legal")).to_contain_text("Căn cứ pháp lý")
    expect(body.locator(".lesson-video iframe")).to_have_count(1)
    expect(body.locator(".callout-lab")).to_contain_text(LAB_TITLE)
    expect(body.locator(".callout-quiz")).to_contain_text("Làm bài kiểm tra")
    teacher.shot("bai-hoc")
    teacher.goto(course.url)
    expect(page.locator("h1")).to_have_text(COURSE)
    expect(page.locator(".outline")).to_contain_text(LESSON)
    teacher.shot("khoa-hoc")

    # 7. Two learners submit (as the lab page's upload does): 6 and 6.0 are both
    # right, but v1 fails the second.
    for username, source in (("hocvien_a", "total = 6"), ("hocvien_b", "total = 6.0")):
        lab_services.submission_create(
            user=User.objects.get(username=username),
            lab=lab,
            notebook_bytes=notebook_bytes(source),
        )
    graded = Submission.objects.filter(lab=lab, status=Submission.Status.GRADED)
    wait_for(lambda: graded.count() == 2, timeout=120, interval=0.5)
    page.get_by_role("link", name="Giảng dạy").click()
    expect(page.locator("h1")).to_have_text("Khóa học tôi phụ trách")
    page.locator("tr", has_text=COURSE).get_by_role("link", name="Thống kê").click()
    expect(page.locator("h1")).to_have_text(COURSE)
    expect(page.locator("main")).to_contain_text("Phân bố tiến độ")
    teacher.goto(f"/bai-thuc-hanh/{lab.slug}/")
    page.get_by_role("link", name="Xem bài nộp của tất cả học viên").click()
    expect(page.locator("h1")).to_contain_text("Bài nộp của học viên")
    expect(page.locator("#dist-title")).to_have_text("Phân bố điểm")
    bands = page.locator("table.distribution tbody tr")
    expect(bands.first.locator("td").first).to_have_text("1")  # 0–19 %
    expect(bands.last.locator("td").first).to_have_text("1")  # 80–100 %
    teacher.shot("bai-nop-truoc-khi-sua")

    # 8. Fix the check (bundle v2) and regrade every submission.
    teacher.goto("/admin/labs/tai-len-goi/")
    page.set_input_files("input[type=file]", bundle(tmp_path, CHECKS_V2))
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.locator(".messages")).to_contain_text("phiên bản 2", timeout=120_000)
    teacher.goto(f"/bai-thuc-hanh/{lab.slug}/bai-nop/")
    page.get_by_role("button", name="Chấm lại tất cả bài nộp").click()
    expect(page.locator(".messages")).to_contain_text(
        "Đã đưa 2 bài nộp vào hàng đợi chấm lại theo phiên bản 2."
    )
    expect(page.locator("#regrade-text")).to_have_text("2/2", timeout=120_000)
    page.reload()
    expect(bands.first.locator("td").first).to_have_text("0")
    expect(bands.last.locator("td").first).to_have_text("2")
    teacher.shot("cham-lai")
    scores = sorted(s.score for s in Submission.objects.filter(lab=lab))
    assert scores == [2, 2]
    teacher.close()
