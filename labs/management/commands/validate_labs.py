"""Grade every repository lab's solution and starter; exit non-zero if one is broken.

    python manage.py validate_labs [slug ...]

One line per lab: slug, solution score, starter score, OK or the reason. CI runs it."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from labs import engine
from labs.archives import repo_bundle_folders


def _score(part: dict) -> str:
    return f"{part.get('score', 0):g}/{part.get('max_score', 0):g}"


class Command(BaseCommand):
    help = "Kiểm tra mọi gói bài thực hành trong labs/bundles/: chấm lời giải và notebook khởi đầu."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Chỉ kiểm tra các bài này")
        parser.add_argument(
            "--path",
            help="Thư mục chứa các gói (mặc định labs/bundles/)",
        )

    def handle(self, *args: object, slugs: list[str], **options: object) -> None:
        root = Path(str(options["path"])) if options.get("path") else None
        folders = [f for f in repo_bundle_folders(root) if not slugs or f.name in slugs]
        missing = set(slugs) - {f.name for f in folders}
        if missing:
            raise CommandError(
                f"Không tìm thấy bài thực hành: {', '.join(sorted(missing))}"
            )
        if not folders:
            raise CommandError("Không có gói bài thực hành nào trong labs/bundles/.")
        # One warm kernel source for the whole run: each lab grades two notebooks.
        with engine.kernels_create() as kernels:
            broken = [f.name for f in folders if not self._check(f, kernels)]
        if broken:
            raise CommandError(f"{len(broken)} bài thực hành lỗi: {', '.join(broken)}")
        self.stdout.write(f"{len(folders)} bài thực hành hợp lệ.")

    def _check(self, folder: Path, kernels: object) -> bool:
        report = engine.bundle_check(folder, kernels=kernels)
        line = (
            f"{folder.name}\tsolution {_score(report.solution)}\t"
            f"starter {_score(report.starter)}\t"
        )
        if report.ok:
            self.stdout.write(line + "OK")
        else:
            self.stdout.write(line + f"LỖI: {report.reason}")
        return report.ok
