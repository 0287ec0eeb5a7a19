# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""Journey 1, the officer, end to end against a real JupyterHub: the account comes
from the agency's roster import (the invitation sets the password), "Học tập của
tôi" shows the program assigned by position with its deadline and progress, then
lesson → quiz → "Mở bài thực hành" opens JupyterLab with the starter notebook and
data without a second login → the learner solves and saves it → submits → the
grade with per-check feedback → the course is complete → certificate PDF with QR
and a shareable link.

Self sign-up with an agency approved by its manager (the other way in) is
tests/journeys/test_self_signup.py; its rules are in tests/lms/test_signup.py.
"""

from __future__ import annotations

import io
import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.files.base import ContentFile

from tests.conftest import wait_for
from tests.journeys.browsing import PASSWORD, XSS, XSS_IMG, contrast_ratio
from tests.labs.lab_fixtures import tiny_folder, version_record  # noqa: F401
from tests.tracking.conftest import in_days
from tests.tracking.test_rosters import row, xlsx

pytestmark = [pytest.mark.hub, pytest.mark.browser, pytest.mark.worker]

USERNAME = "canbo_ht_1"
NAME = f"Trần Thị Hoa {XSS}"
POSITION = f"Công chức Văn phòng - Thống kê {XSS_IMG}"
COURSE = {
    "program": "P2",
    "slug": "lam-sach-du-lieu-so",
    "title": "Làm sạch dữ liệu số",
    "summary": "<p>Đọc, kiểm tra và tổng hợp một bảng dữ liệu nhỏ.</p>",
    "objectives": ["Đọc được tệp CSV", "Tính được tổng một cột"],
    "hours": 4,
    "modules": [
        {
            "title": "Chuyên đề 1: Đọc dữ liệu",
            "lessons": [
                {
                    "slug": "du-lieu-so-la-gi",
                    "title": "Dữ liệu số là gì",
                    "body": [
                        {"type": "heading", "value": "Định nghĩa"},
                        {
                            "type": "paragraph",
                            "value": "<p>Dữ liệu số là dữ liệu ở dạng điện tử.</p>",
                        },
                    ],
                },
                {
                    "slug": "tinh-tong-mot-cot",
                    "title": "Tính tổng một cột",
                    "body": [
                        {"type": "paragraph", "value": "<p>Cộng cột n.</p>"},
                        {"type": "quiz", "value": None},
                        {"type": "lab", "value": "tiny-lab"},
                    ],
                },
            ],
        }
    ],
    "quiz": {
        "title": "Bài kiểm tra cuối khóa",
        "pass_mark": 50,
        "questions": [
            {
                "kind": "true_false",
                "text": "Dữ liệu số là dữ liệu ở dạng điện tử.",
                "answer": True,
                "feedback": "Đúng theo Luật Dữ liệu.",
            },
            {
                "kind": "short_text",
                "text": "Viết tắt của Sở Khoa học và Công nghệ?",
                "accepted": ["SKHCN", "Sở KH&CN"],
                "feedback": "Sở KH&CN.",
            },
        ],
    },
}


def kernel_declare(path) -> None:
    """Name the kernel in the starter, as the real bundles do (JupyterLab asks
    which kernel to use otherwise)."""
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = {
        "display_name": "Python 3",
        "language": "python",
        "name": "python3",
    }
    nbformat.write(notebook, path)


@pytest.fixture
def imported_officer(transactional_db, hub, worker, tiny_folder, settings):
    """A ward, a P2 target for its "Công chức" officers, a course with a lab, and
    the ward's roster import (journey 3 does it in the browser), whose invitation
    e-mail is returned."""
    from courses.demo import course_upsert
    from courses.models import ProgramPage
    from labs.models import Lab
    from lms.accounts.roles import roles_sync
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from lms.tracking import rosters
    from lms.tracking.models import RosterImport
    from lms.tracking.services import target_create
    from tests.factories import AgencyFactory, officer

    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 0
    roles_sync()
    seed_programs(home_page_ensure())
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    kernel_declare(tiny_folder / "starter.ipynb")
    version_record(lab, tiny_folder)
    course = course_upsert(data=COURSE)
    ward = AgencyFactory(code="PH-HT", name="UBND Phường Hành Trình", kind="commune")
    manager = officer(agency=ward, roles=["Agency manager"], username="quanly_ht")
    target_create(
        created_by=officer(roles=["DOST admin"], username="sokhcn_ht"),
        name="Công chức phường hoàn thành P2",
        program=ProgramPage.objects.get(code="P2"),
        agency_kind="commune",
        position_contains="Công chức",
        deadline=in_days(30),
    )
    content = xlsx(
        [
            row(
                1,
                agency="PH-HT",
                username=USERNAME,
                full_name="Trần Thị Hoa",
                email="hoa@bacninh.gov.vn",
                position="Công chức Văn phòng - Thống kê",
                focal_point="có",
            )
        ]
    )
    roster_import = RosterImport(
        agency=ward, uploaded_by=manager, original_name="ds.xlsx", send_invitations=True
    )
    roster_import.file.save("ds.xlsx", ContentFile(content))
    rosters.roster_import_process(roster_import=roster_import, commit=False)
    rosters.roster_import_process(roster_import=roster_import, commit=True)
    (invitation,) = mail.outbox
    return course, invitation


def test_an_officer_learns_does_the_lab_in_jupyterlab_and_gets_a_certificate(
    journey, imported_officer, hub, live_server
):
    from playwright.sync_api import expect

    from certificates.models import Certificate
    from courses.models import CourseCompletion

    course, invitation = imported_officer
    officer = journey("officer")
    officer.context.grant_permissions(
        ["clipboard-read", "clipboard-write"], origin=live_server.url
    )
    page = officer.page

    # 1. The invitation from the roster import: set a password, accept the notice.
    assert "Tên đăng nhập: canbo_ht_1" in invitation.body
    link = re.search(r"https?://\S+", invitation.body)[0]
    officer.goto(urlsplit(link).path)
    page.locator("input[name=password1]").fill(PASSWORD)
    page.locator("input[name=password2]").fill(PASSWORD)
    officer.shot("dat-mat-khau")
    page.locator("input[name=password2]").press("Enter")
    expect(page.locator("h1")).to_have_text("Thông báo xử lý dữ liệu cá nhân")
    officer.shot("dong-y-xu-ly-du-lieu")
    page.get_by_label("Tôi đã đọc và đồng ý").check()
    page.get_by_role("button", name="Đồng ý và tiếp tục").click()
    expect(page.locator(".messages")).to_contain_text("Sự đồng ý của bạn")

    # 2. Sign out, and in again with the new password.
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_load_state()
    officer.sign_in(USERNAME, next_path="/accounts/profile/")

    # 3. The profile, and a correction request, with hostile text everywhere.
    expect(page.locator("h1")).to_have_text("Hồ sơ")
    expect(page.locator("main")).to_contain_text("UBND Phường Hành Trình")
    page.get_by_label("Họ và tên").fill(NAME)
    page.get_by_label("Chức vụ / vị trí việc làm").fill(POSITION)
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu hồ sơ.")
    expect(page.locator(".site-header .who")).to_contain_text(NAME)
    expect(page.get_by_label("Chức vụ / vị trí việc làm")).to_have_value(POSITION)
    officer.shot("ho-so")
    officer.goto("/accounts/du-lieu-cua-toi/de-nghi-dinh-chinh/")
    page.get_by_label("Thông tin cần đính chính").select_option("other")
    page.get_by_label("Giá trị đúng").fill(f"Ngày vào đơn vị 01/07/2025 {XSS}")
    page.get_by_label("Ghi chú").fill(f"Theo quyết định điều động {XSS}")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.locator(".messages")).to_contain_text("Đã gửi đề nghị đính chính")
    expect(page.locator("main")).to_contain_text(f"Ngày vào đơn vị 01/07/2025 {XSS}")
    officer.shot("de-nghi-dinh-chinh")

    # 4. "Học tập của tôi": the course assigned by position, deadline, progress.
    page.get_by_role("link", name="Học tập của tôi").click()
    card = page.locator(".learning-list li", has_text="Làm sạch dữ liệu số")
    expect(card).to_contain_text("Được giao")
    expect(card).to_contain_text(f"Hạn chót {in_days(30):%d/%m/%Y}")
    expect(card.locator(".progress")).to_have_attribute("aria-valuenow", "0")
    officer.shot("hoc-tap-cua-toi")

    # 5. A catalogue search with a script in it finds nothing and runs nothing.
    officer.goto("/khoa-hoc/")
    page.get_by_label("Tìm khóa học").fill(XSS)
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("main")).to_contain_text("Không tìm thấy khóa học phù hợp.")
    officer.shot("tim-khoa-hoc")

    # 6. The first lesson, marked as learnt.
    page.get_by_role("link", name="Học tập của tôi").click()
    card.get_by_role("link", name="Bắt đầu học").click()
    expect(page.locator("h1")).to_have_text("Làm sạch dữ liệu số")
    page.get_by_role("link", name="Bắt đầu học").click()
    expect(page.locator("h1")).to_have_text("Dữ liệu số là gì")
    page.get_by_role("button", name="Đánh dấu đã học xong").click()
    expect(page.locator(".messages")).to_contain_text("Đã đánh dấu hoàn thành bài học")
    expect(page.locator("h1")).to_have_text("Tính tổng một cột")
    lesson_url = page.url
    officer.shot("bai-hoc")

    # 7. The quiz: a free-text answer carrying a script is shown back as text.
    page.get_by_role("link", name="Làm bài kiểm tra").click()
    page.get_by_role("button", name="Bắt đầu làm bài").click()
    page.get_by_label("Đúng", exact=True).check()
    page.get_by_label("Câu trả lời").fill(XSS)
    officer.shot("bai-kiem-tra")
    page.get_by_role("button", name="Nộp bài").click()
    expect(page.locator("main")).to_contain_text("Điểm: 50%")
    expect(page.locator("main")).to_contain_text("Đạt")
    expect(page.locator("main")).to_contain_text(f"Bạn trả lời: {XSS}")
    officer.shot("ket-qua-kiem-tra")

    # 8. "Mở bài thực hành": JupyterLab with the starter notebook and its data,
    # no second sign-in. The learner solves it and saves.
    page.goto(lesson_url)
    page.get_by_role("button", name="Mở bài thực hành").click()
    page.wait_for_url(
        re.compile(r"/user/canbo_ht_1/lab/tree/labs/tiny-lab/"), timeout=90_000
    )
    cell = page.locator(".jp-NotebookPanel .jp-Cell .cm-content").first
    expect(cell).to_have_text("total = None", timeout=60_000)
    expect(page.locator(".jp-DirListing-item", has_text="data")).to_be_visible()
    cell.click()
    page.keyboard.press("Control+A")
    page.keyboard.type(
        "import csv\n"
        "total = sum(int(r['n']) for r in csv.DictReader(open('data/numbers.csv')))"
    )
    page.keyboard.press("Control+S")
    notebook = hub.home(USERNAME) / "labs" / "tiny-lab" / "starter.ipynb"
    wait_for(lambda: "csv.DictReader" in notebook.read_text(), timeout=30)
    expect(page.locator(".lm-TabBar-tab.jp-mod-dirty")).to_have_count(0)
    officer.shot("jupyterlab")

    # 9. Submit from JupyterLab: graded within seconds, feedback per check.
    page.goto(lesson_url)
    page.get_by_role("button", name="Nộp bài từ JupyterLab").click()
    page.wait_for_url(re.compile(r"/bai-nop/\d+/$"))
    expect(page.locator("#submission-status")).to_contain_text(
        "Đã chấm", timeout=90_000
    )
    check = page.locator("ol.checks li").first
    expect(check).to_contain_text("Đạt")
    expect(check).to_contain_text("Tổng đúng")
    expect(page.locator(".submission-meta")).to_contain_text("2/2")
    officer.shot("nhan-xet")

    # 10. The course is complete (recorded by the worker right after the grade).
    done = CourseCompletion.objects.filter(user__username=USERNAME, course=course)
    wait_for(done.exists, timeout=30, interval=0.5)
    page.get_by_role("link", name="Học tập của tôi").click()
    finished = page.locator(".learning-list li", has_text="Làm sạch dữ liệu số")
    expect(finished).to_contain_text("Hoàn thành")
    finished.get_by_role("link").click()
    expect(page.locator("h1")).to_contain_text("Chúc mừng! Bạn đã hoàn thành khóa học")
    officer.shot("hoan-thanh-khoa-hoc")

    # 11. The certificates (the course, and P2 itself: this was the program's only
    # course), the course's PDF with its QR code, and a link to share.
    issued = Certificate.objects.filter(user__username=USERNAME)
    wait_for(lambda: issued.count() == 2, timeout=60, interval=0.5)
    certificate = wait_for(
        lambda: issued.filter(course=course).exclude(pdf_sha256="").first(),
        timeout=60,
        interval=0.5,
    )
    page.get_by_role("link", name="Giấy chứng nhận của tôi").click()
    rows = page.locator("table.certificates tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Chất lượng và làm sạch dữ liệu")).to_have_count(1)
    row_ = rows.filter(has_text="Làm sạch dữ liệu số")
    expect(row_).to_contain_text(certificate.serial)
    link_box = row_.locator("input[type=text]")
    verify_url = f"{live_server.url}/verify/{certificate.code}/"
    expect(link_box).to_have_value(verify_url)
    row_.get_by_role("button", name="Sao chép đường dẫn").click()
    copied = row_.get_by_role("button", name="Đã sao chép")
    expect(copied).to_be_visible()
    copied.hover()  # a secondary button stays readable under the pointer
    assert contrast_ratio(copied) >= 4.5
    officer.shot("giay-chung-nhan")
    with page.expect_download() as download:
        row_.get_by_role("link", name="Tải PDF").click()
    pdf = download.value.path().read_bytes()
    assert qr_text(pdf) == verify_url
    officer.goto(urlsplit(verify_url).path)
    expect(page.locator(".verify-result")).to_contain_text("Còn hiệu lực")
    expect(page.locator("dd.holder")).to_have_text(NAME)
    officer.shot("trang-xac-minh")
    officer.close()


def qr_text(pdf: bytes) -> str:
    import pypdf
    import zxingcpp

    image = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images[0]
    (code,) = zxingcpp.read_barcodes(image.image)
    return code.text
