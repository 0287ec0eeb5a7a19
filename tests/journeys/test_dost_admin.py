"""Journey 4, the DOST admin: sets a target per agency kind and position, reads the
province dashboard (completion against targets, on track / at risk / overdue, the
monthly trend), drills down agency → officer, generates the monthly report (XLSX
in its fixed layout + PDF) and sends it, the earlier report staying as it was, and
revokes a certificate from the register."""

from __future__ import annotations

import datetime
import io

import pytest
from django.utils import timezone

from tests.conftest import wait_for
from tests.factories import TEST_TOTP_SECRET
from tests.journeys.browsing import XSS, XSS_IMG
from tests.tracking.conftest import in_days

pytestmark = [pytest.mark.browser, pytest.mark.worker]

# Agency names come from DOST's import of agencies.csv: one carries a payload.
LATE_AGENCY = f"UBND Xã Bình Lục {XSS_IMG}"
TARGET = f"Công chức xã hoàn thành P1 {XSS}"


def months_ago(n: int) -> datetime.datetime:
    today = timezone.localdate().replace(day=15)
    month = (today.year * 12 + today.month - 1) - n
    day = datetime.date(month // 12, month % 12 + 1, 15)
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9)))


@pytest.fixture
def province(transactional_db, site_url):
    """Three communes (one will be on track, one at risk, one overdue), completions
    in earlier months, last month's report already sent, and one certificate."""
    from certificates.services import certificate_issue, certificate_render
    from courses.models import CoursePage, ProgramPage
    from lms.accounts.roles import roles_sync
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from lms.tracking import reports
    from lms.tracking.services import target_create
    from tests.factories import AgencyFactory, officer
    from tests.tracking.conftest import complete, make_officer, refresh

    roles_sync()
    seed_programs(home_page_ensure())
    p1 = ProgramPage.objects.get(code="P1")
    course = p1.add_child(
        instance=CoursePage(title="Khung pháp lý về dữ liệu", slug="p1-01", hours=8)
    )
    dost = officer(
        agency=AgencyFactory(
            code="SKHCN", name="Sở Khoa học và Công nghệ", kind="department"
        ),
        roles=["DOST admin"],
        username="sokhcn_j4",
        full_name="Phạm Quốc Dũng",
    )
    an = AgencyFactory(code="XA-AT", name="UBND Xã An Thịnh", kind="commune")
    binh = AgencyFactory(code="XA-BL", name=LATE_AGENCY, kind="commune")
    dong = AgencyFactory(code="XA-DT", name="UBND Xã Đông Tiến", kind="commune")
    people = [
        (an, "tran_thi_hoa", "Trần Thị Hòa", "Công chức Văn phòng - Thống kê", True),
        (an, "vu_van_khanh", "Vũ Văn Khánh", "Công chức Địa chính", False),
        (binh, "ngo_thi_mai", "Ngô Thị Mai", "Công chức Tư pháp", True),
        (dong, "le_van_son", "Lê Văn Sơn", "Công chức", False),
    ]
    hoa, _khanh, _mai, son = (
        make_officer(agency, focal=focal, username=u, full_name=n, position=p)
        for agency, u, n, p, focal in people
    )
    complete(hoa, p1, when=months_ago(2))
    complete(son, p1, when=months_ago(1))
    # Already due: the data focal points of every commune.
    target_create(
        created_by=dost,
        name="Đầu mối dữ liệu xã hoàn thành P1",
        program=p1,
        agency_kind="commune",
        focal_points_only=True,
        deadline=in_days(-3),
    )
    refresh()
    last_month = reports.monthly_report_generate(month=months_ago(1).date())
    reports.monthly_report_send(report=last_month, user=dost)
    certificate = certificate_issue(user=hoa, course=course, render=False)
    certificate_render(certificate=certificate)
    return {"last_month": last_month, "certificate": certificate}


def agency_row(page, base: str, code: str, wanted: str) -> str:
    """The dashboard row of an agency once the worker has caught up."""
    page.goto(f"{base}/tong-quan/?kind=commune")
    text = page.inner_text(f'tr[data-agency="{code}"]')
    return text if wanted in text else ""


def test_dost_sets_a_target_reads_the_dashboard_reports_and_revokes(
    journey, province, worker, live_server
):
    import pypdf
    from openpyxl import load_workbook
    from playwright.sync_api import expect

    from lms.tracking.models import MonthlyReport

    dost = journey("dost")
    page = dost.page
    base = live_server.url

    # 1. The province dashboard after signing in with the second factor.
    dost.sign_in("sokhcn_j4", next_path="/tong-quan/", totp=TEST_TOTP_SECRET)
    expect(page.locator("h1")).to_have_text("Trang tổng quan toàn tỉnh")
    expect(page.locator("main")).to_contain_text("Đơn vị có đầu mối dữ liệu")
    dost.shot("tong-quan")

    # 2. A target for every commune officer whose position says "Công chức".
    page.get_by_role("link", name="Chỉ tiêu", exact=True).click()
    expect(page.locator("h1")).to_have_text("Chỉ tiêu đào tạo")
    page.fill("#id_name", TARGET)
    page.select_option("#id_program", label="P1 — Quản trị dữ liệu cơ bản")
    page.select_option("#id_agency_kind", "commune")
    page.fill("#id_position_contains", "Công chức")
    page.fill("#id_deadline", in_days(20).isoformat())
    dost.shot("giao-chi-tieu")
    page.get_by_role("button", name="Giao chỉ tiêu").click()
    expect(page.locator(".messages")).to_contain_text(
        f"Đã giao chỉ tiêu “{TARGET}” cho 2 cán bộ."
    )
    expect(page.locator("#target-table")).to_contain_text(TARGET)
    dost.shot("da-giao-chi-tieu")

    # 3. Completion against targets, and each commune's status.
    row_an = wait_for(
        lambda: agency_row(page, base, "XA-AT", "Có nguy cơ chậm"), timeout=60
    )
    assert "\t2\t1\t50,0%" in row_an or "\t2\t1\t50.0%" in row_an
    binh = page.locator('tr[data-agency="XA-BL"]')
    expect(binh).to_contain_text(LATE_AGENCY)
    expect(binh).to_contain_text("Quá hạn")
    expect(page.locator('tr[data-agency="XA-DT"]')).to_contain_text("Đúng tiến độ")
    expect(page.locator(".charts svg")).to_have_count(3)
    expect(page.locator(".charts")).to_contain_text("Số lượt hoàn thành theo tháng")
    dost.shot("tien-do-theo-don-vi")

    # 4. Drill down: agency → officer.
    page.locator('tr[data-agency="XA-AT"] a').click()
    expect(page.locator("h1")).to_have_text("UBND Xã An Thịnh")
    expect(page.locator("#officer-table")).to_contain_text("Trần Thị Hòa")
    dost.shot("don-vi")
    page.get_by_role("link", name="Vũ Văn Khánh").click()
    expect(page.locator("h1")).to_have_text("Vũ Văn Khánh")
    expect(page.locator("main")).to_contain_text("P1 — Quản trị dữ liệu cơ bản")
    expect(page.locator("main")).to_contain_text("Đang học")
    dost.shot("can-bo")

    # 5. This month's report: generate, download both files, send; last month's
    # sent report is untouched and this one cannot be regenerated any more.
    last_month = province["last_month"]
    last_month_xlsx = last_month.xlsx.read()
    dost.goto("/bao-cao-thang/")
    expect(page.locator("h1")).to_have_text("Báo cáo định kỳ hằng tháng")
    this_month = timezone.localdate().strftime("%Y-%m")
    page.get_by_label("Tháng (yyyy-mm)").fill(this_month)
    page.get_by_role("button", name="Tạo báo cáo").click()
    month_label = timezone.localdate().strftime("%m/%Y")
    expect(page.locator(".messages")).to_contain_text(
        f"Đã tạo bản nháp báo cáo tháng {month_label}"
    )
    row = page.locator(
        f'#report-table tbody tr:has(td:first-child:text-is("{month_label}"))'
    )
    with page.expect_download() as xlsx_download:
        row.get_by_role("link", name="XLSX").click()
    workbook = load_workbook(io.BytesIO(xlsx_download.value.path().read_bytes()))
    assert workbook.sheetnames == ["Tổng hợp", "Theo đơn vị", "Quá hạn"]
    summary = {r[0]: r[1] for r in workbook["Tổng hợp"].iter_rows(values_only=True)}
    assert summary["Tháng báo cáo"] == this_month
    assert summary["Số lượt quá hạn"] == 1
    overdue_names = [r[3] for r in workbook["Quá hạn"].iter_rows(values_only=True)]
    assert "Ngô Thị Mai" in overdue_names
    with page.expect_download() as pdf_download:
        row.get_by_role("link", name="PDF").click()
    reader = pypdf.PdfReader(pdf_download.value.path())
    assert "BÁO CÁO ĐỊNH KỲ HẰNG THÁNG" in reader.pages[0].extract_text()
    dost.shot("bao-cao-nhap")
    row.get_by_role("button", name="Đánh dấu đã gửi").click()
    expect(page.locator(".messages")).to_contain_text("báo cáo được khóa")
    page.get_by_label("Tháng (yyyy-mm)").fill(this_month)
    page.get_by_role("button", name="Tạo báo cáo").click()
    expect(page.locator(".messages")).to_contain_text("đã gửi nên không thể tạo lại")
    dost.shot("bao-cao-da-gui")
    last_month.refresh_from_db()
    assert last_month.xlsx.read() == last_month_xlsx
    assert MonthlyReport.objects.filter(status="sent").count() == 2

    # 6. The certificate register: a hostile search, the holder, a revocation.
    certificate = province["certificate"]
    page.get_by_role("link", name="Sổ giấy chứng nhận").first.click()
    expect(page.locator("h1")).to_have_text("Sổ giấy chứng nhận toàn tỉnh")
    page.get_by_label("Họ tên hoặc số hiệu").fill(XSS)
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("table.certificates")).to_contain_text(
        "Không có giấy chứng nhận nào khớp điều kiện lọc."
    )
    expect(page.get_by_label("Họ tên hoặc số hiệu")).to_have_value(XSS)
    dost.shot("so-gcn-tim-kiem")
    page.get_by_label("Họ tên hoặc số hiệu").fill("Trần Thị Hòa")
    page.get_by_role("button", name="Lọc").click()
    page.get_by_role("link", name=certificate.serial).click()
    expect(page.locator("h1")).to_contain_text(certificate.serial)
    page.get_by_label("Lý do thu hồi").fill(f"Cấp nhầm khóa học {XSS}")
    page.get_by_role("button", name="Thu hồi giấy chứng nhận").click()
    expect(page.locator(".messages")).to_contain_text("Đã thu hồi giấy chứng nhận.")
    expect(page.locator("h1")).to_contain_text("Đã thu hồi")
    expect(page.locator("main")).to_contain_text(f"Cấp nhầm khóa học {XSS}")
    dost.shot("thu-hoi")
    page.get_by_role("link", name=f"/verify/{certificate.code}/").click()
    expect(page.locator(".verify-result")).to_contain_text("Đã thu hồi")
    dost.shot("trang-xac-minh")
    dost.close()
