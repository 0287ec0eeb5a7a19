"""Fixtures for the Django side of labs (import them explicitly into a test module).

- `tiny_folder`: a minimal bundle folder in tmp_path (no grading needed to build it).
- `lab`: a Lab whose current version is that folder, recorded without grading.
- `notebook_bytes(...)`: a v4 notebook as bytes.
- `labs_queue`: a private Celery queue for this test run, so a worker started by
  another engineer on the same Redis never takes our messages.
- `labs_worker`: a real prefork worker on that queue and the test database.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from django.core.files.base import ContentFile

from labs import archives
from labs.models import Lab, LabBundleVersion
from tests.conftest import ROOT, _test_database_url

TINY_MANIFEST = {
    "slug": "tiny-lab",
    "title": "Bài thực hành thử",
    "summary": "Tính tổng.",
    "version": 1,
    "results": {"total": "json"},
    "checks": [
        {
            "name": "total",
            "title": "Tổng đúng",
            "points": 2,
            "hint": "Cộng các số trong data/numbers.csv.",
        }
    ],
    "limits": {"cell_timeout": 10, "notebook_timeout": 30, "memory_mb": 512},
    "data": ["data/numbers.csv"],
}


def notebook_bytes(*sources: str) -> bytes:
    """A notebook as JupyterLab saves one: with its Python kernelspec."""
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in sources],
        metadata={
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3",
                "language": "python",
            }
        },
    )
    return nbformat.writes(notebook).encode("utf-8")


@pytest.fixture
def tiny_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "tiny-lab"
    (folder / "data").mkdir(parents=True)
    (folder / "manifest.json").write_text(json.dumps(TINY_MANIFEST), encoding="utf-8")
    (folder / "data" / "numbers.csv").write_text("n\n1\n2\n3\n", encoding="utf-8")
    (folder / "starter.ipynb").write_bytes(notebook_bytes("total = None"))
    (folder / "solution.ipynb").write_bytes(
        notebook_bytes(
            "import csv\ntotal = sum(int(r['n']) for r in csv.DictReader(open('data/numbers.csv')))"
        )
    )
    (folder / "checks.py").write_text(
        "from labs.checklib import CheckFailed\n\n\n"
        "def check_total(r):\n"
        "    if r.get('total') != 6:\n"
        "        raise CheckFailed('Tổng chưa đúng.', expected=6, found=r.get('total'))\n",
        encoding="utf-8",
    )
    return folder


def version_record(lab: Lab, folder: Path, *, number: int = 1) -> LabBundleVersion:
    """A valid version of `folder`, recorded without grading it."""
    archive = archives.folder_archive(folder)
    version = LabBundleVersion(
        lab=lab,
        version=number,
        manifest=json.loads((folder / "manifest.json").read_text(encoding="utf-8")),
        sha256=archives.sha256_hex(archive),
        status=LabBundleVersion.Status.VALID,
        report={"ok": True},
    )
    version.archive.save(
        f"test-{lab.slug}-{number}.zip", ContentFile(archive), save=False
    )
    version.save()
    lab.current_version = version
    lab.save(update_fields=["current_version"])
    return version


@pytest.fixture
def lab(db, tiny_folder: Path) -> Lab:
    lab = Lab.objects.create(
        slug="tiny-lab", title="Bài thực hành thử", summary="Tính tổng."
    )
    version_record(lab, tiny_folder)
    return lab


@pytest.fixture
def labs_queue(settings) -> str:
    queue = f"labs-test-{os.getpid()}"
    settings.LABS_GRADING_QUEUE = queue
    return queue


def worker_start(
    queue: str, *, pool: str = "prefork", env: dict[str, str] | None = None
) -> subprocess.Popen:
    """A worker on `queue` and the test database; `env` adds or overrides variables
    (the fault tests point it at a private Redis)."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "DATABASE_URL": _test_database_url(),
        "DEBUG": "1",
        **(env or {}),
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            f"--pool={pool}",
            "--concurrency=1",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            "-n",
            f"{queue}-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )


def worker_stop(worker: subprocess.Popen) -> None:
    if worker.poll() is not None:
        return
    worker.send_signal(signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait(timeout=10)


@pytest.fixture
def labs_worker(transactional_db, labs_queue: str) -> Iterator[subprocess.Popen]:
    worker = worker_start(labs_queue)
    try:
        yield worker
    finally:
        worker_stop(worker)
