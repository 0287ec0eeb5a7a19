"""Grade one notebook against a lab and print the result as JSON.

    python manage.py grade_notebook --lab l1-officer-names path/to/notebook.ipynb

The bundle comes from the repository folder `labs/bundles/<slug>/` (no database
needed, so CI can run it), else from the lab's current version in the database;
`--bundle <folder>` grades against any bundle folder. Exit 0 whenever grading
finished, whatever the score."""

from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from labs import engine
from labs.archives import repo_bundle_folder


class Command(BaseCommand):
    help = "Chấm một notebook theo một bài thực hành và in kết quả dạng JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("notebook", help="Đường dẫn tệp .ipynb")
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--lab", help="Mã (slug) bài thực hành")
        source.add_argument("--bundle", help="Thư mục gói bài thực hành")
        parser.add_argument(
            "--full",
            action="store_true",
            help="In toàn bộ kết quả (thời gian, cơ chế bảo vệ)",
        )

    def handle(self, *args: object, **options: object) -> None:
        folder = self._folder(options["lab"], options["bundle"])
        path = Path(str(options["notebook"]))
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Không đọc được tệp {path}: {exc.strerror}") from exc
        try:
            outcome = engine.grade(data, folder)
        except engine.NotebookInvalid as exc:
            raise CommandError(f"Notebook không hợp lệ: {exc}") from exc
        self.stdout.write(
            json.dumps(
                self._summary(outcome, bool(options["full"])),
                ensure_ascii=False,
                indent=2,
            )
        )

    @staticmethod
    def _summary(outcome: engine.Outcome, full: bool) -> dict:
        if full:
            return outcome.data
        return {
            "score": outcome.score,
            "max_score": outcome.max_score,
            "status": outcome.status,
            "checks": [
                {key: check.get(key) for key in ("name", "passed", "points", "message")}
                for check in outcome.data.get("checks", [])
            ],
        }

    @staticmethod
    def _folder(slug: object, bundle: object) -> Path:
        if bundle:
            folder = Path(str(bundle))
            if not (folder / "manifest.json").is_file():
                raise CommandError(f"Không có manifest.json trong thư mục {folder}.")
            return folder
        folder = repo_bundle_folder(str(slug))
        if folder is not None:
            return folder
        try:
            from labs import selectors, services

            lab = selectors.lab_get(slug=str(slug))
            if lab is not None and lab.current_version is not None:
                return services.bundle_folder(version=lab.current_version)
        except DatabaseError:
            pass
        raise CommandError(f"Không tìm thấy bài thực hành “{slug}”.")
