"""Browser journey: a manager imports a roster, DOST sets a target and reads the
dashboard (Debian Chromium via Playwright, a real Celery worker)."""

from __future__ import annotations

import pytest

from tests.conftest import chromium, wait_for
from tests.tracking.conftest import in_days
from tests.tracking.test_rosters import row, xlsx


def login(page, base: str, username: str) -> None:
    from tests.factories import totp_code

    page.goto(f"{base}/accounts/login/")
    page.fill("input[name=login]", username)
    page.fill("input[name=password]", "matkhau-thu-nghiem")
    page.click("main form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    if "/accounts/2fa/authenticate/" in page.url:  # DOST admins: the app's code
        page.fill("input[name=code]", totp_code())
        page.press("input[name=code]", "Enter")
        page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
    page.wait_for_load_state()


@pytest.mark.browser
def test_manager_imports_dost_sets_a_target_and_reads_the_dashboard(
    live_server, celery_worker_process, programs, tmp_path
):
    from tests.factories import AgencyFactory, officer

    commune = AgencyFactory(code="XA-J", name="UBND Xã Hành Trình", kind="commune")
    officer(agency=commune, roles=["Agency manager"], username="quanly_j")
    officer(
        agency=AgencyFactory(code="SKHCN-J", kind="department"),
        roles=["DOST admin"],
        username="sokhcn_j",
    )
    roster = tmp_path / "danh-sach.xlsx"
    roster.write_bytes(
        xlsx(
            [
                row(n, agency="XA-J", focal_point="có" if n == 1 else "")
                for n in range(1, 4)
            ]
        )
    )

    with chromium() as browser:
        page = browser.new_page(locale="vi-VN")
        login(page, live_server.url, "quanly_j")
        page.goto(f"{live_server.url}/danh-sach-can-bo/nhap/")
        page.set_input_files("input[type=file]", str(roster))
        page.click("#roster-form button[type=submit]")
        page.wait_for_selector("#roster-confirm", timeout=60_000)
        page.click("#roster-confirm")
        page.wait_for_selector("#roster-done", timeout=60_000)
        assert "3 cán bộ mới" in page.inner_text("#roster-done")

        page.context.clear_cookies()
        login(page, live_server.url, "sokhcn_j")
        page.goto(f"{live_server.url}/chi-tieu/")
        page.fill("#id_name", "Đầu mối dữ liệu xã hoàn thành P1")
        page.select_option("#id_program", label="P1 — Quản trị dữ liệu cơ bản")
        page.select_option("#id_agency_kind", "commune")
        page.check("#id_focal_points_only")
        page.fill("#id_deadline", in_days(30).isoformat())
        page.click("#target-form button[type=submit]")
        assert "Đã giao chỉ tiêu" in page.content()

        def dashboard_row() -> str:
            page.goto(f"{live_server.url}/tong-quan/?kind=commune")
            text = page.inner_text('tr[data-agency="XA-J"]')
            return text if "\t1\t0\t" in text else ""

        text = wait_for(dashboard_row, timeout=60, interval=1)
        assert "UBND Xã Hành Trình" in text
        page.click('tr[data-agency="XA-J"] a')
        assert "Nguyễn Văn 1" in page.inner_text("#officer-table")
        page.screenshot(path=str(tmp_path / "agency.png"), full_page=True)
