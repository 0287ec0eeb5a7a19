"""Register exports (CSV streamed, XLSX) with formula-injection neutralisation.

A holder's name or a course title is typed by people; a spreadsheet would run a
cell beginning with ``=``, ``+``, ``-`` or ``@`` (or a tab/CR before one) as a
formula, so such cells get a leading apostrophe (OWASP's CSV-injection advice).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator

from django.db.models import QuerySet

from certificates.models import Certificate
from lms.spreadsheets import formula_neutralise

HEADER = [
    "Số hiệu",
    "Họ và tên",
    "Đơn vị",
    "Mã đơn vị",
    "Khóa học / chương trình",
    "Số giờ",
    "Điểm",
    "Ngày cấp",
    "Trạng thái",
    "Lý do",
    "Đường dẫn xác minh",
]
neutralise = formula_neutralise


def register_rows(certificates: QuerySet[Certificate]) -> Iterator[list[object]]:
    """Header, then one row per certificate (read in chunks, never all at once)."""
    from certificates.services import certificate_verify_url

    yield HEADER
    for certificate in certificates.iterator(chunk_size=2000):
        yield [
            neutralise(value)
            for value in (
                certificate.serial,
                certificate.holder_name,
                certificate.agency_name,
                certificate.agency.code if certificate.agency else "",
                certificate.title,
                "" if certificate.hours is None else str(certificate.hours),
                "" if certificate.score is None else str(certificate.score),
                certificate.issued_on.isoformat(),
                certificate.get_status_display(),
                certificate.status_reason,
                certificate_verify_url(certificate),
            )
        ]


class _Echo:
    def write(self, value: str) -> str:
        return value


def csv_lines(rows: Iterable[list[object]]) -> Iterator[str]:
    """CSV text line by line, with a BOM so Excel reads UTF-8 Vietnamese."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for row in rows:
        yield writer.writerow(row)


def csv_write(rows: Iterable[list[object]], stream: io.TextIOBase) -> None:
    for line in csv_lines(rows):
        stream.write(line)


def xlsx_bytes(
    rows: Iterable[list[object]], *, title: str = "Giấy chứng nhận"
) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
