"""Exports of dashboard tables to CSV/XLSX: streamed, formula-injection safe.

Each table is a header plus an iterator of rows read from `selectors`, so the
export shows exactly the dashboard's numbers. CSV streams row by row; XLSX is
written by openpyxl's write-only mode into a temporary file and streamed from
disk, so memory stays flat for 100,000 officers.
"""

from __future__ import annotations

import csv
import datetime
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from lms.agencies.models import Agency
from lms.spreadsheets import formula_neutralise
from lms.tracking import selectors


def cell_safe(value: Any) -> Any:
    """A spreadsheet-safe cell: no formulas, naive local datetimes."""
    if isinstance(value, str):
        return formula_neutralise(value)
    if isinstance(value, datetime.datetime):
        return (
            timezone.localtime(value).replace(tzinfo=None)
            if timezone.is_aware(value)
            else value
        )
    return value


@dataclass
class Table:
    name: str
    title: str
    header: list[str]
    rows: Iterable[list[Any]]


def agencies_table(*, kind: str | None = None, program_id: int | None = None) -> Table:
    figures = selectors.province_figures(kind=kind, program_id=program_id)
    return Table(
        "don-vi",
        "Tiến độ theo đơn vị",
        AGENCY_HEADER,
        (agency_cells(r) for r in figures.agencies),
    )


AGENCY_HEADER = [
    "Mã đơn vị",
    "Tên đơn vị",
    "Loại",
    "Số cán bộ",
    "Phải hoàn thành",
    "Đã hoàn thành",
    "Tỷ lệ hoàn thành (%)",
    "Quá hạn",
    "Đầu mối dữ liệu đã hoàn thành P1",
    "Trạng thái",
]


def agency_cells(row: selectors.AgencyRow) -> list[Any]:
    return [
        row.code,
        row.name,
        row.kind_label,
        row.officers,
        row.required,
        row.completed,
        row.rate,
        row.overdue,
        "Có" if row.focal_point_completed_p1 else "Không",
        row.status_label,
    ]


def officers_table(*, agency: Agency | None) -> Table:
    """Officers of one agency, or of the whole province (DOST) when `agency` is None."""
    if agency is not None:
        profiles = selectors.agency_officers(agency=agency)
    else:
        profiles = selectors.province_officers()

    def rows() -> Iterator[list[Any]]:
        for p in profiles.iterator(chunk_size=2000):
            yield [
                p.agency.code if agency is None else agency.code,
                p.user.username,
                p.user.get_full_name(),
                p.user.email,
                p.position,
                "Có" if p.is_data_focal_point else "",
                p.n_required,
                p.n_completed,
                p.n_overdue,
            ]

    return Table(
        f"can-bo-{agency.code if agency else 'toan-tinh'}",
        f"Cán bộ của {agency.name}" if agency else "Cán bộ toàn tỉnh",
        [
            "Mã đơn vị",
            "Tên đăng nhập",
            "Họ và tên",
            "Email",
            "Chức vụ / vị trí việc làm",
            "Đầu mối dữ liệu",
            "Chương trình phải hoàn thành",
            "Đã hoàn thành",
            "Quá hạn",
        ],
        rows(),
    )


OVERDUE_HEADER = [
    "Mã đơn vị",
    "Đơn vị",
    "Tên đăng nhập",
    "Họ và tên",
    "Email",
    "Chương trình",
    "Hạn chót",
    "Số ngày quá hạn",
    # Appended, so the columns DOST files by keep their places.
    "Khóa học được giao",
    "Nguồn giao",
]


def overdue_origin(item: selectors.OverdueItem) -> str:
    if item.kind == "target":
        return f"Chỉ tiêu: {item.origin}"
    if item.kind == "auto":
        return "Giao tự động theo chương trình"
    return f"Giao khóa học: {item.origin}" if item.origin else "Giao khóa học"


def overdue_rows(*, agency: Agency | None = None) -> Iterator[list[Any]]:
    today = timezone.localdate()
    for item in selectors.overdue_list(agency=agency, today=today):
        yield [
            item.agency_code,
            item.agency_name,
            item.username,
            item.full_name,
            item.email,
            f"{item.program_code} — {item.program_title}",
            item.deadline,
            (today - item.deadline).days,
            item.course_title,
            overdue_origin(item),
        ]


def overdue_table(*, agency: Agency | None = None) -> Table:
    suffix = f"-{agency.code}" if agency else ""
    return Table(
        f"qua-han{suffix}",
        "Danh sách quá hạn",
        OVERDUE_HEADER,
        overdue_rows(agency=agency),
    )


# --- Writers ------------------------------------------------------------------------
class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_response(table: Table) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def stream() -> Iterator[str]:
        yield "\ufeff"  # Excel opens UTF-8 CSV with Vietnamese correctly only with a BOM
        yield writer.writerow(table.header)
        for row in table.rows:
            yield writer.writerow([_csv_value(v) for v in row])

    response = StreamingHttpResponse(stream(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{_filename(table, "csv")}"'
    )
    return response


def _csv_value(value: Any) -> Any:
    value = cell_safe(value)
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    return value


def xlsx_write(table: Table, handle: Any) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=table.title[:31].replace("/", "-"))
    bold = Font(bold=True)
    header = []
    for text in table.header:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in table.rows:
        sheet.append([_xlsx_value(sheet, v) for v in row])
    workbook.save(handle)


def _xlsx_value(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    value = cell_safe(value)
    if isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY"
        return cell
    return value


def xlsx_response(table: Table) -> FileResponse:
    handle = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it
    xlsx_write(table, handle)
    handle.seek(0)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=_filename(table, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


def _filename(table: Table, ext: str) -> str:
    return f"{table.name}-{timezone.localdate():%Y%m%d}.{ext}"
