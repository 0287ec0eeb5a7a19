"""The holder's list, the agency and province registers, and the exports."""

from __future__ import annotations

import csv
import io
import logging

import openpyxl
from django.core.management import call_command
from django.urls import reverse

from certificates.exports import neutralise
from tests.certificates.conftest import issue
from tests.factories import AgencyFactory, officer


def test_my_certificates_lists_only_mine(client, learner, course_page, agency):
    mine = issue(learner, course_page)
    other = issue(officer(agency=agency), course_page)
    client.force_login(learner)
    body = client.get(reverse("certificates:mine")).content.decode()
    assert mine.serial in body and other.serial not in body
    assert f"/verify/{mine.code}/" in body


def test_my_certificates_needs_login(client, db):
    response = client.get(reverse("certificates:mine"))
    assert response.status_code == 302


def test_manager_sees_own_agency_register(client, manager, learner, course_page):
    certificate = issue(learner, course_page)
    client.force_login(manager)
    response = client.get(reverse("certificates:agency_home"), follow=True)
    assert certificate.serial in response.content.decode()


def test_other_agency_register_is_404_and_logged(client, manager, course_page, caplog):
    other = AgencyFactory(code="UBND-KHAC")
    issue(officer(agency=other), course_page)
    client.force_login(manager)
    with caplog.at_level(logging.WARNING, logger="lms.security"):
        response = client.get(
            reverse("certificates:agency_register", args=[other.code])
        )
    assert response.status_code == 404
    assert any(record.name == "lms.security" for record in caplog.records)


def test_manager_export_holds_only_own_agency(client, manager, learner, course_page):
    mine = issue(learner, course_page)
    theirs = issue(officer(agency=AgencyFactory()), course_page)
    client.force_login(manager)
    url = reverse("certificates:agency_register", args=[manager.profile.agency.code])
    response = client.get(url, {"export": "csv"})
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert mine.serial in text and theirs.serial not in text


def test_learner_cannot_open_the_province_register(client, learner):
    client.force_login(learner)
    assert client.get(reverse("certificates:province")).status_code == 403


def test_province_register_filters_by_agency_and_status(
    client, dost_admin, learner, course_page, agency
):
    ours = issue(learner, course_page)
    other = issue(officer(agency=AgencyFactory()), course_page)
    client.force_login(dost_admin)
    response = client.get(
        reverse("certificates:province"), {"agency": agency.pk, "status": "valid"}
    )
    body = response.content.decode()
    assert ours.serial in body and other.serial not in body


def test_province_register_filters_by_date(client, dost_admin, learner, course_page):
    from datetime import date

    certificate = issue(learner, course_page, issued_on=date(2026, 1, 10))
    client.force_login(dost_admin)
    url = reverse("certificates:province")
    assert (
        certificate.serial
        in client.get(url, {"issued_from": "2026-01-01"}).content.decode()
    )
    assert (
        certificate.serial
        not in client.get(url, {"issued_from": "2026-02-01"}).content.decode()
    )


def test_register_costs_a_fixed_number_of_queries(
    client, dost_admin, course_page, agency, django_assert_max_num_queries
):
    for _ in range(5):
        issue(officer(agency=agency), course_page)
    client.force_login(dost_admin)
    client.get(reverse("certificates:province"))
    with django_assert_max_num_queries(20):
        client.get(reverse("certificates:province"))


def test_formula_cells_are_neutralised():
    assert [neutralise(v) for v in ["=1+1", "+84", "-2", "@SUM", "\t=x", "An", 5]] == [
        "'=1+1",
        "'+84",
        "'-2",
        "'@SUM",
        "'\t=x",
        "An",
        5,
    ]


def test_csv_export_neutralises_a_formula_name(client, dost_admin, agency, course_page):
    issue(None, course_page, holder_name='=HYPERLINK("http://x","Bấm")', agency=agency)
    client.force_login(dost_admin)
    response = client.get(reverse("certificates:province"), {"export": "csv"})
    rows = list(
        csv.reader(
            io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))
        )
    )
    assert rows[1][1] == '\'=HYPERLINK("http://x","Bấm")'


def test_xlsx_export_opens_with_a_row_per_certificate(
    client, dost_admin, learner, course_page
):
    certificate = issue(learner, course_page)
    client.force_login(dost_admin)
    response = client.get(reverse("certificates:province"), {"export": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Số hiệu" and rows[1][0] == certificate.serial


def test_export_command_writes_csv_for_one_agency(learner, course_page, agency):
    certificate = issue(learner, course_page)
    issue(officer(agency=AgencyFactory()), course_page)
    out = io.StringIO()
    call_command(
        "export_certificates", "--agency", agency.code, "--format", "csv", stdout=out
    )
    rows = list(csv.reader(io.StringIO(out.getvalue().lstrip("\ufeff"))))
    assert len(rows) == 2
    assert rows[1][0] == certificate.serial
    assert rows[1][-1].endswith(f"/verify/{certificate.code}/")


def test_export_command_writes_xlsx(tmp_path, learner, course_page):
    certificate = issue(learner, course_page)
    target = tmp_path / "so.xlsx"
    call_command("export_certificates", "--format", "xlsx", "--output", str(target))
    sheet = openpyxl.load_workbook(target).active
    assert sheet.cell(row=2, column=1).value == certificate.serial
