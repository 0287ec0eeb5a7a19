"""`manage.py monthly_report --month 2026-10`: what the beat job does, by hand."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from lms.tracking.reports import ReportAlreadySent, monthly_report_generate


class Command(BaseCommand):
    help = "Tạo (hoặc tạo lại bản nháp) báo cáo định kỳ hằng tháng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--month", help="yyyy-mm; mặc định tháng hiện tại")

    def handle(self, *args: object, **options: object) -> None:
        raw = options.get("month")
        try:
            month = (
                datetime.date.fromisoformat(f"{raw}-01")
                if raw
                else timezone.localdate()
            )
        except ValueError as exc:
            raise CommandError("--month phải có dạng yyyy-mm, ví dụ 2026-10.") from exc
        try:
            report = monthly_report_generate(month=month)
        except ReportAlreadySent as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Báo cáo tháng {report.month:%m/%Y}: {report.xlsx.name}, {report.pdf.name}"
        )
