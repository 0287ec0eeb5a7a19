"""Write the certificate register (province-wide or one agency) as CSV or XLSX."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from certificates import exports
from certificates.selectors import RegisterFilter, certificates_register
from lms.agencies.models import Agency


class Command(BaseCommand):
    help = (
        "Xuất sổ giấy chứng nhận (số hiệu, họ tên, đơn vị, khóa học, ngày cấp, "
        "trạng thái, đường dẫn xác minh) ra CSV hoặc XLSX."
    )

    def add_arguments(self, parser):
        parser.add_argument("--agency", help="mã đơn vị (mặc định: toàn tỉnh)")
        parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
        parser.add_argument(
            "--output", help="tệp đích (mặc định: stdout với CSV; bắt buộc với XLSX)"
        )

    def handle(self, *args, **options):
        agency = None
        if options["agency"]:
            agency = Agency.objects.filter(code=options["agency"]).first()
            if agency is None:
                raise CommandError(f"Không có đơn vị mã {options['agency']!r}.")
        rows = exports.register_rows(
            certificates_register(filters=RegisterFilter(agency=agency))
        )
        output = options["output"]
        if options["format"] == "xlsx":
            if not output:
                raise CommandError("Cần --output khi xuất XLSX.")
            Path(output).write_bytes(exports.xlsx_bytes(rows))
        elif output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                exports.csv_write(rows, handle)
        else:
            for line in exports.csv_lines(rows):
                self.stdout.write(line, ending="")
        if output:
            self.stderr.write(f"Đã ghi {output}")
