from __future__ import annotations

import csv
import io

from openpyxl import load_workbook

from lms.tracking.exports import cell_safe
from lms.tracking.models import AccessLog
from tests.tracking.conftest import make_officer, refresh


def test_formula_like_text_is_neutralised():
    assert cell_safe("=1+2") == "'=1+2"
    assert cell_safe("@SUM(A1)") == "'@SUM(A1)"
    assert cell_safe("-2+3") == "'-2+3"
    assert cell_safe("Nguyễn Văn A") == "Nguyễn Văn A"
    assert cell_safe(-5) == -5


def test_officer_export_is_injection_safe_and_logged(client, dost_admin, commune):
    make_officer(commune, full_name='=HYPERLINK("http://x")')
    client.force_login(dost_admin)
    response = client.get(f"/tong-quan/xuat/can-bo.xlsx?agency={commune.pk}")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    names = [r[2] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ['\'=HYPERLINK("http://x")']
    log = AccessLog.objects.get()
    assert log.user == dost_admin and log.action == "export_xlsx"
    assert commune.name in log.object_description


def test_csv_export_streams_with_a_bom(client, dost_admin, commune, target_factory):
    make_officer(commune)
    target_factory("P1")
    refresh()
    client.force_login(dost_admin)
    response = client.get("/tong-quan/xuat/don-vi.csv?kind=commune")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][0] == "Mã đơn vị"
    assert [commune.code, commune.name] == rows[
        [r[0] for r in rows].index(commune.code)
    ][:2]


def test_a_manager_cannot_export_another_agency(client, manager, other_commune):
    client.force_login(manager)
    assert (
        client.get(f"/tong-quan/xuat/can-bo.csv?agency={other_commune.pk}").status_code
        == 404
    )
    assert client.get("/tong-quan/xuat/don-vi.csv").status_code == 403
    assert not AccessLog.objects.exists()
