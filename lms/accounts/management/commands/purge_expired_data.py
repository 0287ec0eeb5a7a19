"""`manage.py purge_expired_data [--dry-run]`: the nightly retention job, by hand."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from lms.accounts.retention import expired_data_purge

LABELS = {
    "access_logs": "Nhật ký truy cập dữ liệu",
    "sessions": "Phiên đăng nhập đã hết hạn",
    "correction_requests": "Đề nghị đính chính đã xử lý",
    "lab_files": "Bài nộp thực hành (xóa tệp, giữ điểm)",
    "upload_files": "Tệp danh sách đã tải lên",
    "accounts_anonymised": "Tài khoản đã khóa được ẩn danh",
}


class Command(BaseCommand):
    help = "Xóa hoặc ẩn danh dữ liệu cá nhân đã quá thời hạn lưu trữ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Chỉ đếm những gì sẽ bị xóa, không thay đổi gì.",
        )

    def handle(self, *args: object, **options: object) -> None:
        dry_run = bool(options["dry_run"])
        counts = expired_data_purge(dry_run=dry_run)
        if dry_run:
            self.stdout.write("Chạy thử (--dry-run): không có gì bị thay đổi.")
        verb = "sẽ xử lý" if dry_run else "đã xử lý"
        for key, count in counts.items():
            self.stdout.write(f"{key}: {count} ({LABELS[key]}, {verb})")
