"""`manage.py import_roster --agency CODE file.xlsx`: check, then import in one go."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from lms.agencies.models import Agency
from lms.tracking import rosters


class Command(BaseCommand):
    help = "Nhập danh sách cán bộ từ tệp XLSX/CSV (kiểm tra toàn bộ trước khi ghi)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--agency", required=True, help="Mã đơn vị")
        parser.add_argument(
            "--any-agency",
            action="store_true",
            help="Cho phép các dòng thuộc đơn vị khác (quyền Sở KH&CN).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Chỉ kiểm tra.")
        parser.add_argument("--no-invite", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["file"]  # type: ignore[assignment]
        agency = Agency.objects.filter(code=options["agency"]).first()
        if agency is None:
            raise CommandError(f"Không có đơn vị mã {options['agency']}.")
        if not path.is_file():
            raise CommandError(f"Không thấy tệp {path}.")
        try:
            kind = rosters.file_check(path=path, name=path.name)
            checked = rosters.roster_check(
                path=path,
                kind=kind,
                agency=agency,
                any_agency=bool(options["any_agency"]),
            )
        except rosters.RosterFileRefused as exc:
            raise CommandError(str(exc)) from exc
        if checked.errors:
            for error in checked.errors:
                self.stderr.write(f"Dòng {error.row} [{error.column}]: {error.message}")
            raise CommandError(f"{len(checked.errors)} lỗi; không có gì được ghi.")
        if options["dry_run"]:
            self.stdout.write(f"Hợp lệ: {len(checked.rows)} dòng (chưa ghi).")
            return
        result = rosters.roster_rows_commit(rows=checked.rows)
        if not options["no_invite"]:
            rosters.invitations_send(user_ids=result.created)
        self.stdout.write(
            f"Đã nhập: {len(result.created)} mới, {result.updated} cập nhật, "
            f"{result.moved} chuyển đơn vị."
        )
