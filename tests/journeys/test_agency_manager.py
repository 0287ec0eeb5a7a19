"""Journey 3, the agency manager: imports the agency's officers from XLSX (row-level
errors and nothing half-imported, then a clean file), data focal points marked in
the file, assigns a program with a deadline, sees who is overdue, sends reminders
and exports the agency's progress."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone

from tests.conftest import wait_for
from tests.journeys.browsing import XSS, XSS_IMG, XSS_SCRIPT, XSS_SVG
from tests.tracking.conftest import in_days
from tests.tracking.test_rosters import row, xlsx

pytestmark = [pytest.mark.browser, pytest.mark.worker]

NEW_NAME = f"Đỗ Thị Lan {XSS}"
NEW_POSITION = f"Công chức Văn phòng {XSS_IMG}"
# Chromium sends a file name's double quotes as %22: a payload without them.
# The search box keeps 100 characters.
SEARCH = f"Không ai {XSS_SCRIPT} {XSS_SVG}"
FILE_NAME = "danh-sach-<img src=x onerror=window.__xss=1>.xlsx"


@pytest.fixture
def commune(transactional_db):
    """A commune whose manager signs in, with one officer already overdue on P1."""
    from courses.models import CoursePage, ProgramPage
    from lms.accounts.roles import roles_sync
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from lms.tracking.services import target_create
    from lms.tracking.stats import agency_stats_recompute_dirty
    from tests.factories import AgencyFactory, officer
    from tests.tracking.conftest import make_officer

    roles_sync()
    seed_programs(home_page_ensure())
    p1 = ProgramPage.objects.get(code="P1")
    p1.add_child(instance=CoursePage(title="Khung pháp lý về dữ liệu", slug="p1-01"))
    agency = AgencyFactory(code="XA-TL", name="UBND Xã Tiên Lục", kind="commune")
    officer(agency=agency, roles=["Agency manager"], username="quanly_tl")
    make_officer(
        agency,
        username="pham_van_cu",
        full_name="Phạm Văn Cũ",
        email="cu@bacninh.gov.vn",
        position="Văn thư",
    )
    dost = officer(roles=["DOST admin"], username="sokhcn_tl")
    target_create(
        created_by=dost,
        name="Văn thư hoàn thành P1",
        program=p1,
        agency_kind="commune",
        position_contains="Văn thư",
        deadline=in_days(-10),
    )
    while agency_stats_recompute_dirty():
        pass
    return agency


def roster(rows) -> dict:
    """An upload as the browser sends it; the file name is shown back on the page."""
    return {
        "name": FILE_NAME,
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "buffer": xlsx(rows),
    }


def test_a_manager_imports_the_roster_assigns_a_program_and_chases_the_overdue(
    journey, commune, worker, tmp_path
):
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from lms.accounts.models import User
    from lms.tracking.models import Requirement

    manager = journey("manager")
    page = manager.page

    # 1. The dashboard of their own agency: one officer overdue.
    manager.sign_in("quanly_tl", next_path="/tong-quan/")
    expect(page.locator("h1")).to_have_text("UBND Xã Tiên Lục")
    expect(page.locator("[data-kpi=overdue]")).to_have_text("1")
    expect(page.locator("#officer-table")).to_contain_text("Phạm Văn Cũ")
    manager.shot("trang-tong-quan-don-vi")

    # 2. A file with mistakes: every bad cell named by row and column, nothing written.
    users_before = User.objects.count()
    page.get_by_role("link", name="Nhập danh sách cán bộ").click()
    expect(page.locator("h1")).to_have_text("Nhập danh sách cán bộ")
    page.set_input_files(
        "input[type=file]",
        roster(
            [
                row(1, agency="XA-TL"),
                row(2, agency=XSS_IMG),
                row(3, agency="XA-TL", email="khong-phai-email"),
                row(1, agency="XA-TL", full_name="Trùng tên đăng nhập"),
            ]
        ),
    )
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    errors = page.locator("#roster-errors")
    expect(errors).to_be_visible(timeout=60_000)
    expect(page.locator("h1")).to_have_text(FILE_NAME)
    expect(page.get_by_text("Không có dòng nào được ghi.")).to_be_visible()
    expect(errors).to_contain_text("Mã đơn vị")
    expect(errors).to_contain_text("Email")
    expect(errors).to_contain_text("Tên đăng nhập")
    manager.shot("tep-co-loi")
    assert User.objects.count() == users_before

    # 3. The corrected file, with the data focal point marked; confirm to write it.
    manager.goto("/danh-sach-can-bo/nhap/")
    page.set_input_files(
        "input[type=file]",
        roster(
            [
                row(1, agency="XA-TL", focal_point="có"),
                row(2, agency="XA-TL", full_name=NEW_NAME, position=NEW_POSITION),
                row(3, agency="XA-TL"),
            ]
        ),
    )
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_text("Tệp hợp lệ: 3 dòng, không có lỗi.")).to_be_visible(
        timeout=60_000
    )
    manager.shot("tep-hop-le")
    page.get_by_role("button", name="Xác nhận nhập danh sách").click()
    expect(page.locator("#roster-done")).to_contain_text(
        "Đã nhập xong: 3 cán bộ mới", timeout=60_000
    )
    manager.shot("da-nhap")
    imported = User.objects.filter(username__startswith="canbo_xa_")
    assert imported.count() == 3
    assert imported.filter(profile__is_data_focal_point=True).count() == 1

    # 4. The new officers on the dashboard, the focal point marked; a hostile search.
    manager.goto(f"/tong-quan/don-vi/{commune.pk}/")
    officers = page.locator("#officer-table")
    expect(officers).to_contain_text(NEW_NAME)
    expect(officers).to_contain_text(NEW_POSITION)
    focal = officers.locator("tr", has_text="Nguyễn Văn 1")
    expect(focal.locator(".badge")).to_have_text("Đầu mối dữ liệu")
    manager.shot("can-bo-moi")
    page.get_by_label("Tìm cán bộ").fill(SEARCH)
    page.get_by_role("button", name="Tìm", exact=True).click()
    expect(officers).to_contain_text("Không có cán bộ nào.")
    expect(page.get_by_label("Tìm cán bộ")).to_have_value(SEARCH)
    manager.shot("tim-kiem")

    # 5. Assign the whole of P1 to everyone, with a deadline.
    manager.goto(f"/tong-quan/don-vi/{commune.pk}/")
    page.get_by_role("link", name="Giao khóa học").click()
    expect(page.locator("h1")).to_have_text("Giao khóa học")
    page.select_option("select[name=what]", label="Cả chương trình P1")
    page.fill("input[name=deadline]", in_days(45).isoformat())
    page.get_by_label("Tất cả cán bộ của đơn vị").check()
    manager.shot("giao-khoa-hoc")
    page.get_by_role("button", name="Giao khóa học").click()
    expect(page.locator(".messages")).to_contain_text("cho 5 cán bộ")
    manager.shot("da-giao")

    # 6. Who is overdue, and a reminder to them (once a day).
    overdue = page.locator("#officer-table tr", has_text="Phạm Văn Cũ")
    expect(overdue.locator(".badge-bad")).to_have_text("1")
    page.get_by_role("button", name="Gửi nhắc nhở").click()
    expect(page.locator(".messages")).to_contain_text("nhắc nhở tới 1 cán bộ quá hạn")
    manager.shot("nhac-nho")
    # The worker sends the e-mail and notes the day, so a second click sends none.
    reminded = Requirement.objects.filter(
        user__username="pham_van_cu", reminded_on=timezone.localdate()
    )
    wait_for(reminded.exists, timeout=60, interval=0.5)
    overdue.get_by_role("link").click()
    expect(page.locator("h1")).to_have_text("Phạm Văn Cũ")
    expect(page.locator("main")).to_contain_text("Quá hạn")
    manager.shot("can-bo-qua-han")

    # 7. The agency's progress as a spreadsheet.
    manager.goto(f"/tong-quan/don-vi/{commune.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="Xuất danh sách cán bộ (XLSX)").click()
    sheet = load_workbook(io.BytesIO(download.value.path().read_bytes())).active
    cells = [[c for c in r if c is not None] for r in sheet.iter_rows(values_only=True)]
    text = "\n".join(" | ".join(str(c) for c in r) for r in cells)
    assert "Họ và tên" in text and "Đầu mối dữ liệu" in text
    assert NEW_NAME in text and "Phạm Văn Cũ" in text
    manager.close()
