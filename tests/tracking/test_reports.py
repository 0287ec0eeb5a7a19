from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from lms.tracking.models import MonthlyReport
from lms.tracking.reports import (
    ReportAlreadySent,
    monthly_report_generate,
    monthly_report_send,
)
from tests.tracking.conftest import complete, make_officer, refresh

OCTOBER = datetime.date(2026, 10, 1)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_report_xlsx_has_the_fixed_layout(media, commune, target_factory, programs):
    users = [make_officer(commune) for _ in range(2)]
    target_factory("P1")
    complete(users[0], programs["P1"])
    refresh()
    report = monthly_report_generate(month=OCTOBER)
    book = load_workbook(io.BytesIO(report.xlsx.read()))
    assert book.sheetnames == ["Tổng hợp", "Theo đơn vị", "Quá hạn"]
    agencies = book["Theo đơn vị"]
    row = next(r for r in agencies.iter_rows(values_only=True) if r[0] == commune.code)
    assert row[4:7] == (2, 1, 50.0)


def test_the_report_pdf_has_the_summary_and_charts(media, commune, target_factory):
    make_officer(commune)
    target_factory("P1")
    refresh()
    report = monthly_report_generate(month=OCTOBER)
    text = "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(report.pdf.read())).pages
    )
    assert "BÁO CÁO ĐỊNH KỲ HẰNG THÁNG" in text
    assert "Tỷ lệ hoàn thành theo loại đơn vị" in text
    assert "10/2026" in text


def test_a_sent_report_never_changes_after_new_completions(
    media, commune, target_factory, programs
):
    users = [make_officer(commune) for _ in range(2)]
    target_factory("P1")
    refresh()
    report = monthly_report_generate(month=OCTOBER)
    monthly_report_send(report=report, user=users[0])
    before = (report.xlsx.read(), report.pdf.read(), report.figures)

    complete(users[1], programs["P1"])
    refresh()
    with pytest.raises(ReportAlreadySent):
        monthly_report_generate(month=OCTOBER)

    report = MonthlyReport.objects.get(month=OCTOBER)
    report.xlsx.open("rb")
    report.pdf.open("rb")
    assert (report.xlsx.read(), report.pdf.read(), report.figures) == before


def test_a_draft_can_be_regenerated_with_new_figures(
    media, commune, target_factory, programs
):
    user = make_officer(commune)
    target_factory("P1")
    refresh()
    first = monthly_report_generate(month=OCTOBER)
    assert first.figures["totals"]["completed"] == 0
    complete(user, programs["P1"])
    refresh()
    assert monthly_report_generate(month=OCTOBER).figures["totals"]["completed"] == 1


def test_the_management_command_generates_a_month(media, commune):
    from django.core.management import call_command

    out = io.StringIO()
    call_command("monthly_report", month="2026-10", stdout=out)
    assert MonthlyReport.objects.get(month=OCTOBER).pdf
    assert "10/2026" in out.getvalue()


def test_dost_sees_and_downloads_reports_and_agency_managers_do_not(
    media, client, dost_admin, manager
):
    report = monthly_report_generate(month=OCTOBER)
    client.force_login(manager)
    assert client.get("/bao-cao-thang/").status_code == 403
    client.force_login(dost_admin)
    assert "10/2026" in client.get("/bao-cao-thang/").content.decode()
    response = client.get(f"/bao-cao-thang/{report.pk}/tai.pdf")
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_the_beat_schedule_uses_the_configured_day(db, settings):
    from django_celery_beat.models import PeriodicTask

    from lms.tracking.schedules import schedules_ensure

    settings.MONTHLY_REPORT_DAY = 18
    schedules_ensure()
    task = PeriodicTask.objects.get(task="tracking.monthly_report_generate")
    assert task.crontab.day_of_month == "18"
    assert (
        PeriodicTask.objects.get(task="tracking.stats_recompute_dirty").interval.every
        == 30
    )
    nightly = PeriodicTask.objects.get(task="tracking.stats_recompute_all")
    assert (nightly.crontab.hour, nightly.crontab.minute) == ("1", "30")
