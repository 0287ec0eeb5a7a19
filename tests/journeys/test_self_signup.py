"""Journey 1, the other way in: self sign-up. A visitor follows "Đăng ký" from the
login page, fills the form (name, e-mail, username, password, agency) and waits;
signing in before approval shows the same waiting page. The manager of the chosen
agency, e-mailed about it, approves the request on the agency's sign-up page; the
new officer then signs in and finds the course DOST's target assigns to the
agency's officers in "Học tập của tôi".

The rules (other agencies' managers, rejection, bad input) are in
tests/lms/test_signup.py.
"""

from __future__ import annotations

import pytest

from tests.journeys.browsing import PASSWORD, XSS, XSS_IMG
from tests.tracking.conftest import in_days

pytestmark = pytest.mark.browser

AGENCY = "UBND Xã Tam Sơn"
USERNAME = "lan_nt_ts"
NAME = f"Nguyễn Thị Lan {XSS}"
POSITION = f"Chuyên viên Văn phòng {XSS_IMG}"
EMAIL = "lan.nt@tamson.bacninh.gov.vn"
COURSE = "Khung pháp lý về dữ liệu"


@pytest.fixture
def commune(transactional_db, site_url):
    """A commune with its manager, another agency to choose from, and a DOST target
    asking every commune officer for P1 (one live course)."""
    from courses.models import CoursePage, ProgramPage
    from lms.accounts.roles import roles_sync
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from lms.tracking.services import target_create
    from tests.factories import AgencyFactory, officer

    roles_sync()
    seed_programs(home_page_ensure())
    p1 = ProgramPage.objects.get(code="P1")
    p1.add_child(instance=CoursePage(title=COURSE, slug="p1-khung-phap-ly"))
    agency = AgencyFactory(code="XA-TS", name=AGENCY, kind="commune")
    AgencyFactory(code="XA-KHAC", name="UBND Xã Khác", kind="commune")
    officer(agency=agency, roles=["Agency manager"], username="quanly_ts")
    dost = officer(
        agency=AgencyFactory(code="SKHCN-TS", name="Sở KH&CN", kind="department"),
        roles=["DOST admin"],
        username="sokhcn_ts",
    )
    target_create(
        created_by=dost,
        name="Cán bộ xã hoàn thành P1",
        program=p1,
        agency_kind="commune",
        deadline=in_days(45),
    )
    return agency


def test_a_visitor_signs_up_waits_for_the_manager_and_then_learns(
    journey, commune, mailoutbox
):
    from playwright.sync_api import expect

    newcomer = journey("self-signup")
    page = newcomer.page

    # 1. The login page offers sign-up; the form asks for the agency.
    newcomer.goto("/accounts/login/")
    expect(page.locator(".signup-link")).to_contain_text("Chưa có tài khoản?")
    newcomer.shot("dang-nhap")
    page.get_by_role("link", name="Đăng ký", exact=True).click()
    expect(page.locator("h1")).to_have_text("Đăng ký tài khoản")
    page.get_by_label("Họ và tên").fill(NAME)
    page.fill("input[name=email]", EMAIL)
    page.fill("input[name=username]", USERNAME)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_label("Cơ quan, đơn vị công tác").select_option(label=AGENCY)
    page.get_by_label("Chức vụ / vị trí việc làm").fill(POSITION)
    page.check("input[name=accept]")
    newcomer.shot("dang-ky")

    # 2. Sent: the account waits for the manager of the chosen agency.
    page.get_by_role("button", name="Gửi đăng ký").click()
    expect(page).to_have_url(newcomer.url("/accounts/cho-phe-duyet/"))
    waiting = page.locator("main")
    expect(waiting).to_contain_text("Đã gửi yêu cầu đăng ký tài khoản.")
    expect(waiting).to_contain_text(
        f"Tài khoản đang chờ quản lý đơn vị phê duyệt — {AGENCY}"
    )
    newcomer.shot("cho-phe-duyet")

    # 3. Signing in before approval leads back to the waiting page.
    newcomer.goto("/accounts/login/")
    page.fill("input[name=login]", USERNAME)
    page.fill("input[name=password]", PASSWORD)
    page.locator("input[name=password]").press("Enter")
    expect(page).to_have_url(newcomer.url("/accounts/cho-phe-duyet/"))
    expect(waiting).to_contain_text("Tài khoản đang chờ quản lý đơn vị phê duyệt")
    newcomer.shot("chua-duoc-dang-nhap")

    # 4. The manager, e-mailed about it, approves on the agency's sign-up page.
    requests_path = f"/tong-quan/don-vi/{commune.pk}/dang-ky/"
    [notice] = [m for m in mailoutbox if "quanly_ts@example.org" in m.to]
    assert f"{newcomer.base}{requests_path}" in notice.body
    manager = journey("self-signup-manager")
    manager.sign_in("quanly_ts", next_path="/tong-quan/")
    expect(manager.page.locator("h1")).to_have_text(AGENCY)
    manager.page.get_by_role("link", name="Yêu cầu đăng ký chờ phê duyệt").click()
    expect(manager.page).to_have_url(manager.url(requests_path))
    row = manager.page.locator("#signup-requests tbody tr", has_text=USERNAME)
    expect(row).to_contain_text(NAME)
    expect(row).to_contain_text(POSITION)
    expect(row).to_contain_text(EMAIL)
    manager.shot("yeu-cau-dang-ky")
    row.get_by_role("button", name="Phê duyệt").click()
    expect(manager.page.locator(".messages")).to_contain_text(
        f"Đã phê duyệt tài khoản của {NAME}."
    )
    expect(manager.page.locator("#signup-requests")).to_contain_text(
        "Không có yêu cầu đăng ký nào đang chờ."
    )
    manager.shot("da-phe-duyet")
    assert any(EMAIL in m.to and "phê duyệt" in m.subject for m in mailoutbox)

    # 5. The officer signs in and finds the target's course in "Học tập của tôi".
    newcomer.sign_in(USERNAME)
    expect(page.locator(".site-header .who")).to_contain_text(NAME)
    page.get_by_role("link", name="Học tập của tôi").click()
    expect(page.locator("h1")).to_have_text("Học tập của tôi")
    card = page.locator(".learning-list li", has_text=COURSE)
    expect(card).to_contain_text("Được giao")
    expect(card).to_contain_text(f"Hạn chót {in_days(45):%d/%m/%Y}")
    newcomer.shot("hoc-tap-cua-toi")
    newcomer.close()
    manager.close()
