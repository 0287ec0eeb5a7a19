from __future__ import annotations

import datetime
import io
import zipfile
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from lms.accounts.models import AgencyMembership, User
from lms.tracking import rosters
from lms.tracking.models import RosterImport
from tests.tracking.conftest import make_officer

HEADER = [h for _k, h, _r in rosters.COLUMNS]


def xlsx(rows, *, header=HEADER, merge=None) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    if merge:
        sheet.merge_cells(merge)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(n: int, agency: str = "XA-A", **over):
    values = {
        "username": f"canbo_xa_{n}",
        "full_name": f"Nguyễn Văn {n}",
        "email": f"canbo{n}@bacninh.gov.vn",
        "agency_code": agency,
        "position": "Công chức",
        "focal_point": "",
        "it_officer": "",
        "joined_on": None,
    }
    values.update(over)
    return [values[k] for k, _h, _r in rosters.COLUMNS]


def check(tmp_path: Path, content: bytes, agency, *, name="ds.xlsx", any_agency=False):
    path = tmp_path / name
    path.write_bytes(content)
    kind = rosters.file_check(path=path, name=name)
    return rosters.roster_check(
        path=path, kind=kind, agency=agency, any_agency=any_agency
    )


def messages(checked) -> str:
    return " | ".join(f"{e.row}:{e.column}:{e.message}" for e in checked.errors)


def test_a_clean_file_has_no_errors(tmp_path, commune):
    checked = check(tmp_path, xlsx([row(1), row(2)]), commune)
    assert checked.errors == [] and len(checked.rows) == 2


def test_missing_columns_refuse_the_file(tmp_path, commune):
    with pytest.raises(rosters.RosterFileRefused, match="Thiếu cột bắt buộc.*Email"):
        check(
            tmp_path, xlsx([["a", "b"]], header=["Tên đăng nhập", "Họ và tên"]), commune
        )


def test_merged_cells_refuse_the_file(tmp_path, commune):
    with pytest.raises(rosters.RosterFileRefused, match="gộp"):
        check(tmp_path, xlsx([row(1), row(2)], merge="B2:B3"), commune)


def test_formulas_are_row_errors(tmp_path, commune):
    checked = check(tmp_path, xlsx([row(1, full_name='=HYPERLINK("x")')]), commune)
    assert "2:Họ và tên:Ô chứa công thức" in messages(checked)


def test_dates_as_free_text_are_row_errors(tmp_path, commune):
    content = xlsx(
        [
            row(1, joined_on="tháng 3/2024"),
            row(2, joined_on="01/07/2025"),
            row(3, joined_on=datetime.date(2025, 7, 1)),
        ]
    )
    checked = check(tmp_path, content, commune)
    assert len(checked.errors) == 1 and checked.errors[0].row == 2
    assert "Ngày “tháng 3/2024” không hợp lệ" in checked.errors[0].message
    assert [r.joined_on for r in checked.rows] == [datetime.date(2025, 7, 1)] * 2


def test_duplicate_usernames_and_emails_are_row_errors(tmp_path, commune):
    content = xlsx(
        [
            row(1),
            row(1, email="khac@bacninh.gov.vn"),
            row(3, email="canbo1@bacninh.gov.vn"),
        ]
    )
    text = messages(check(tmp_path, content, commune))
    assert "3:Tên đăng nhập:Trùng tên đăng nhập với dòng 2." in text
    assert "4:Email:Trùng email với dòng 2." in text


def test_unknown_agency_codes_and_bad_emails_are_row_errors(tmp_path, commune):
    content = xlsx([row(1, agency="KHONG-CO"), row(2, email="khong-phai-email")])
    text = messages(check(tmp_path, content, commune))
    assert "Không có đơn vị mã “KHONG-CO”" in text
    assert "3:Email:Email không hợp lệ." in text


def test_a_manager_cannot_import_into_another_agency(tmp_path, commune, other_commune):
    checked = check(tmp_path, xlsx([row(1, agency=other_commune.code)]), commune)
    assert "Chỉ được nhập cán bộ của đơn vị mình" in messages(checked)


def test_dost_may_import_into_any_agency(tmp_path, commune, other_commune):
    checked = check(
        tmp_path, xlsx([row(1, agency=other_commune.code)]), commune, any_agency=True
    )
    assert checked.errors == []


def test_too_many_rows_refuse_the_file(tmp_path, commune, monkeypatch):
    monkeypatch.setattr(rosters, "MAX_ROWS", 5)
    with pytest.raises(rosters.RosterFileRefused, match="quá 5 dòng"):
        check(tmp_path, xlsx([row(n) for n in range(6)]), commune)


def test_a_file_over_10_mb_is_refused(tmp_path, commune):
    with pytest.raises(rosters.RosterFileRefused, match="Tệp quá lớn"):
        check(tmp_path, b"x" * (rosters.MAX_FILE_BYTES + 1), commune)


def test_a_renamed_file_is_refused(tmp_path, commune):
    with pytest.raises(rosters.RosterFileRefused, match="không phải là tệp Excel"):
        check(tmp_path, b"%PDF-1.7 not a spreadsheet", commune)


def test_a_zip_bomb_is_refused_before_it_is_opened(tmp_path, commune):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr(
            "xl/worksheets/sheet1.xml", b"\0" * (rosters.MAX_UNCOMPRESSED_BYTES + 1)
        )
    content = buffer.getvalue()
    assert len(content) < 1024 * 1024
    with pytest.raises(rosters.RosterFileRefused, match="giải nén quá lớn"):
        check(tmp_path, content, commune)


def test_csv_files_are_read_too(tmp_path, commune):
    content = ",".join(HEADER) + "\n" + ",".join(str(v or "") for v in row(1)) + "\n"
    checked = check(tmp_path, content.encode("utf-8-sig"), commune, name="ds.csv")
    assert checked.errors == [] and checked.rows[0].full_name == "Nguyễn Văn 1"


def test_commit_creates_officers_and_updates_existing_ones_by_email(tmp_path, commune):
    existing = make_officer(commune, username="cu", email="canbo2@bacninh.gov.vn")
    checked = check(tmp_path, xlsx([row(1, focal_point="có"), row(2)]), commune)
    result = rosters.roster_rows_commit(rows=checked.rows)
    assert len(result.created) == 1 and result.updated == 1
    new = User.objects.get(username="canbo_xa_1")
    assert new.profile.agency == commune and new.profile.is_data_focal_point
    assert not new.has_usable_password()
    existing.refresh_from_db()
    assert existing.full_name == "Nguyễn Văn 2"


def test_moving_officers_between_agencies_keeps_their_history(
    tmp_path, commune, other_commune
):
    moved = make_officer(other_commune, username="canbo_xa_1")
    AgencyMembership.objects.create(
        user=moved, agency=other_commune, started_at="2025-01-01T00:00:00Z"
    )
    checked = check(tmp_path, xlsx([row(1)]), commune, any_agency=True)
    result = rosters.roster_rows_commit(rows=checked.rows)
    assert result.moved == 1
    history = list(
        moved.memberships.order_by("started_at").values_list("agency__code", "ended_at")
    )
    assert history[0][0] == other_commune.code and history[0][1] is not None
    assert history[-1] == (commune.code, None)


def test_nothing_is_written_when_one_row_fails(tmp_path, commune, dost_admin, settings):
    settings.MEDIA_ROOT = tmp_path
    roster_import = RosterImport.objects.create(
        agency=commune,
        uploaded_by=dost_admin,
        file=SimpleUploadedFile("ds.xlsx", xlsx([row(1), row(2, email="sai")])),
        original_name="ds.xlsx",
    )
    rosters.roster_import_process(roster_import=roster_import, commit=True)
    assert roster_import.status == RosterImport.Status.INVALID
    assert not User.objects.filter(username__startswith="canbo_xa_").exists()


def test_new_officers_get_an_invitation_with_a_working_first_login_link(
    tmp_path, commune, client
):
    checked = check(tmp_path, xlsx([row(1)]), commune)
    result = rosters.roster_rows_commit(rows=checked.rows)
    rosters.invitations_send(user_ids=result.created)
    assert mail.outbox[0].to == ["canbo1@bacninh.gov.vn"]
    link = next(
        line
        for line in mail.outbox[0].body.splitlines()
        if "/password/reset/key/" in line
    )
    response = client.get(link.replace("http://127.0.0.1:8000", ""), follow=True)
    assert response.status_code == 200
    assert "password1" in response.content.decode()


def test_the_template_download_has_the_expected_header(client, manager):
    from openpyxl import load_workbook

    client.force_login(manager)
    response = client.get("/danh-sach-can-bo/mau.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]] == HEADER


def test_the_upload_page_refuses_a_non_spreadsheet(client, manager):
    client.force_login(manager)
    upload = SimpleUploadedFile("ds.pdf", b"%PDF")
    response = client.post("/danh-sach-can-bo/nhap/", {"file": upload})
    assert "Chỉ nhận tệp .xlsx hoặc .csv." in response.content.decode()
    assert not RosterImport.objects.exists()


def test_import_roster_command_imports_a_file(tmp_path, commune):
    from django.core.management import call_command

    path = tmp_path / "ds.xlsx"
    path.write_bytes(xlsx([row(1), row(2)]))
    out = io.StringIO()
    call_command("import_roster", str(path), agency=commune.code, stdout=out)
    assert "2 mới" in out.getvalue()
    assert (
        User.objects.filter(
            profile__agency=commune, username__startswith="canbo_xa_"
        ).count()
        == 2
    )


@pytest.mark.worker
def test_an_upload_is_checked_and_imported_by_the_worker(celery_worker_process, client):
    from tests.conftest import wait_for
    from tests.factories import AgencyFactory, officer

    commune = AgencyFactory(code="XA-W", kind="commune")
    boss = officer(agency=commune, roles=["Agency manager"], username="quanly_w")
    client.force_login(boss)
    upload = SimpleUploadedFile(
        "ds.xlsx", xlsx([row(n, agency="XA-W") for n in range(3)])
    )
    response = client.post(
        "/danh-sach-can-bo/nhap/", {"file": upload, "send_invitations": "on"}
    )
    roster_import = RosterImport.objects.get()
    assert response["Location"] == f"/danh-sach-can-bo/nhap/{roster_import.pk}/"
    status_url = f"/danh-sach-can-bo/nhap/{roster_import.pk}/trang-thai.json"
    wait_for(lambda: client.get(status_url).json()["status"] == "valid", timeout=60)
    assert not User.objects.filter(username__startswith="canbo_xa_").exists()
    client.post(f"/danh-sach-can-bo/nhap/{roster_import.pk}/xac-nhan/")
    wait_for(lambda: client.get(status_url).json()["status"] == "done", timeout=60)
    assert User.objects.filter(profile__agency=commune).count() == 4
