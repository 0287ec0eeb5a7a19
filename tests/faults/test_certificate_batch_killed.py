# ruff: noqa: F811 - pytest fixtures imported from tests.certificates.conftest
"""A certificate batch whose process is SIGKILLed halfway, then run again.

The batch runs in a real subprocess (what a Celery worker process does); the re-run
is what the redelivered task does. Afterwards every row has exactly one certificate,
the serials have no gap and no duplicate, and every PDF is there.
"""

from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date

import openpyxl
import pytest
from django.core.files.base import ContentFile
from django.db import connection, transaction

from certificates.imports import batch_run
from certificates.models import Certificate, CertificateBatch, CertificateSerialCounter
from tests.certificates.conftest import program_page  # noqa: F401
from tests.conftest import ROOT, wait_for
from tests.faults.conftest import django_env

ROWS = 10
RUN = "import django\ndjango.setup()\nfrom certificates.imports import batch_run\nbatch_run(batch_id={pk})\n"


def _batch(by, agency, issued_on) -> CertificateBatch:
    """A validated list of ROWS people without accounts (no Celery message sent)."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Họ và tên", "Mã đơn vị", "Mã khóa học", "Ngày cấp"])
    for row in range(ROWS):
        sheet.append([f"Nguyễn Văn Thử {row:02d}", agency.code, "PT1", issued_on(row)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    batch = CertificateBatch(created_by=by, original_name="ds.xlsx", total=ROWS)
    batch.file.save("list.xlsx", ContentFile(buffer.getvalue()), save=False)
    batch.save()
    return batch


@pytest.fixture
def start() -> Iterator[Callable[[CertificateBatch], subprocess.Popen]]:
    """Start `batch_run` in a subprocess; whatever a failed test left running dies."""
    started: list[subprocess.Popen] = []

    def run(batch: CertificateBatch) -> subprocess.Popen:
        command = [sys.executable, "-c", RUN.format(pk=batch.pk)]
        started.append(subprocess.Popen(command, cwd=ROOT, env=django_env()))
        return started[-1]

    yield run
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)


def _kill(process: subprocess.Popen) -> None:
    assert process.poll() is None, "the batch finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _assert_complete(batch: CertificateBatch, years: dict[int, int]) -> None:
    batch.refresh_from_db()
    assert (batch.status, batch.issued, batch.rendered) == ("done", ROWS, ROWS)
    certificates = Certificate.objects.filter(batch=batch)
    assert certificates.count() == ROWS
    assert certificates.values("holder_name").distinct().count() == ROWS
    for year, count in years.items():
        numbers = sorted(
            certificates.filter(year=year).values_list("number", flat=True)
        )
        assert numbers == list(range(1, count + 1))  # no gap, no duplicate
        assert CertificateSerialCounter.objects.get(year=year).last == count
    for certificate in certificates:
        assert certificate.pdf and certificate.pdf_sha256
        assert certificate.pdf.storage.exists(certificate.pdf.name)


def test_a_batch_killed_while_rendering_is_finished_by_a_re_run(
    transactional_db, start, dost_admin, agency, program_page
):
    batch = _batch(dost_admin, agency, lambda row: date(2026, 3, 2))
    process = start(batch)
    rendered = Certificate.objects.filter(batch=batch).exclude(pdf="")
    wait_for(lambda: rendered.count() >= 2, timeout=120, interval=0.05)
    _kill(process)
    assert rendered.count() < ROWS

    batch_run(batch_id=batch.pk)

    _assert_complete(batch, {2026: ROWS})


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="holds a PostgreSQL row lock to stop the batch halfway through issuing",
)
def test_a_batch_killed_while_issuing_leaves_no_serial_behind(
    transactional_db, start, dost_admin, agency, program_page
):
    # The first half is issued in 2025, the second in 2026: holding the 2026 serial
    # counter stops the batch's single transaction exactly halfway.
    half = ROWS // 2
    batch = _batch(
        dost_admin, agency, lambda row: date(2025 if row < half else 2026, 3, 2)
    )
    CertificateSerialCounter.objects.create(year=2026)
    with transaction.atomic():
        CertificateSerialCounter.objects.select_for_update().get(year=2026)
        process = start(batch)
        wait_for(_waiting_for_a_lock, timeout=120, interval=0.05)
        _kill(process)
    assert not Certificate.objects.exists()  # the half-done transaction rolled back

    batch_run(batch_id=batch.pk)

    _assert_complete(batch, {2025: half, 2026: ROWS - half})


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        # Inside a transaction PostgreSQL keeps showing the first snapshot.
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0
