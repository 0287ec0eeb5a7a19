"""The monthly report to DOST: freeze the figures, write XLSX + PDF, never change a
report once it is sent."""

from __future__ import annotations

import datetime
import io
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from lms.accounts.models import User
from lms.tracking import charts, exports, selectors
from lms.tracking.models import MonthlyReport


class ReportAlreadySent(Exception):
    """A sent report is history: it is never regenerated."""


def month_first(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@transaction.atomic
def monthly_report_generate(*, month: datetime.date) -> MonthlyReport:
    """Create or regenerate the draft report of `month` from today's figures."""
    month = month_first(month)
    report, _created = MonthlyReport.objects.select_for_update().get_or_create(
        month=month
    )
    if report.status == MonthlyReport.Status.SENT:
        raise ReportAlreadySent(
            f"Báo cáo tháng {month:%m/%Y} đã gửi, không thể tạo lại."
        )
    now = timezone.now()
    figures = selectors.province_figures()
    frozen = figures.as_dict()
    frozen["month"] = month.strftime("%Y-%m")
    frozen["generated_at"] = now.isoformat()
    # Overdue duties (requirements and course assignments): the rows of the
    # "Quá hạn" sheet.
    frozen["overdue_officers"] = selectors.overdue_count()
    report.figures = frozen
    report.generated_at = now
    stem = f"bao-cao-{month:%Y-%m}"
    _replace(report, "xlsx", f"{stem}.xlsx", report_xlsx(frozen))
    _replace(report, "pdf", f"{stem}.pdf", report_pdf(frozen))
    report.save()
    return report


def _replace(report: MonthlyReport, name: str, filename: str, content: bytes) -> None:
    field = getattr(report, name)
    if field:
        field.delete(save=False)
    field.save(filename, ContentFile(content), save=False)


@transaction.atomic
def monthly_report_send(*, report: MonthlyReport, user: User) -> MonthlyReport:
    """Mark the report as sent to the Provincial People's Committee: frozen from now."""
    report = MonthlyReport.objects.select_for_update().get(pk=report.pk)
    if report.status == MonthlyReport.Status.SENT:
        raise ReportAlreadySent("Báo cáo đã gửi.")
    report.status = MonthlyReport.Status.SENT
    report.sent_at = timezone.now()
    report.sent_by = user
    report.save(update_fields=["status", "sent_at", "sent_by"])
    return report


# --- XLSX: fixed layout -------------------------------------------------------------
SUMMARY_ROWS = [
    ("Tháng báo cáo", "month"),
    ("Số liệu tính đến ngày", "as_of"),
    ("Số đơn vị", "agencies"),
    ("Số cán bộ", "officers"),
    ("Số lượt phải hoàn thành", "required"),
    ("Số lượt đã hoàn thành", "completed"),
    ("Tỷ lệ hoàn thành (%)", "rate"),
    ("Số lượt quá hạn", "overdue"),
    ("Đơn vị có đầu mối dữ liệu đã hoàn thành P1", "focal_point_agencies"),
    ("Tỷ lệ bao phủ đầu mối dữ liệu (%)", "focal_point_coverage"),
]


def report_xlsx(frozen: dict[str, Any]) -> bytes:
    """Sheets: "Tổng hợp", "Theo đơn vị", "Quá hạn" — the layout DOST files by."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    generated = datetime.datetime.fromisoformat(frozen["generated_at"]).replace(
        tzinfo=None
    )
    workbook.properties.created = workbook.properties.modified = generated
    bold = Font(bold=True)
    summary = workbook.create_sheet("Tổng hợp")
    summary.append(
        [_bold(summary, "BÁO CÁO ĐỊNH KỲ HẰNG THÁNG — HỌC VIỆN DỮ LIỆU", bold)]
    )
    totals = {**frozen["totals"], "month": frozen["month"], "as_of": frozen["as_of"]}
    for label, key in SUMMARY_ROWS:
        summary.append([label, totals[key]])
    summary.append([])
    summary.append([_bold(summary, "Theo loại đơn vị", bold)])
    summary.append(
        ["Loại", "Số đơn vị", "Phải hoàn thành", "Đã hoàn thành", "Tỷ lệ (%)"]
    )
    for kind in frozen["by_kind"]:
        summary.append(
            [
                kind["label"],
                kind["agencies"],
                kind["required"],
                kind["completed"],
                kind["rate"],
            ]
        )
    agencies = workbook.create_sheet("Theo đơn vị")
    agencies.append([_bold(agencies, h, bold) for h in exports.AGENCY_HEADER])
    for row in frozen["agencies"]:
        agencies.append([exports.cell_safe(v) for v in exports.agency_cells(_row(row))])
    overdue = workbook.create_sheet("Quá hạn")
    overdue.append([_bold(overdue, h, bold) for h in exports.OVERDUE_HEADER])
    for cells in exports.overdue_rows():
        overdue.append([exports.cell_safe(v) for v in cells])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _bold(sheet: Any, text: str, font: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=text)
    cell.font = font
    return cell


def _row(data: dict[str, Any]) -> selectors.AgencyRow:
    return selectors.AgencyRow(**data)


# --- PDF ----------------------------------------------------------------------------
def report_charts(frozen: dict[str, Any]) -> dict[str, Any]:
    return {
        "by_kind": charts.hbar_chart(
            [(k["label"], k["rate"]) for k in frozen["by_kind"]],
            title="Tỷ lệ hoàn thành theo loại đơn vị",
            maximum=100,
            suffix="%",
        ),
        "trend": charts.column_chart(
            [
                (t["month"][5:] + "/" + t["month"][:4], t["completed"])
                for t in frozen["trend"][-12:]
            ],
            title="Số lượt hoàn thành theo tháng",
        ),
        "top_overdue": charts.hbar_chart(
            [(r["name"], r["overdue"]) for r in frozen["top_overdue"]],
            title="Đơn vị có nhiều lượt quá hạn nhất",
            colour="bad",
        ),
    }


def report_pdf(frozen: dict[str, Any]) -> bytes:
    from certificates.rendering import html_to_pdf

    rows = [_row(r) for r in frozen["agencies"]]
    html = render_to_string(
        "tracking/monthly_report_pdf.html",
        {
            "frozen": frozen,
            "totals": frozen["totals"],
            "charts": report_charts(frozen),
            "attention": sorted(
                (r for r in rows if r.status in ("overdue", "at_risk")),
                key=lambda r: (-r.overdue, r.rate),
            )[:30],
        },
    )
    return html_to_pdf(html)
