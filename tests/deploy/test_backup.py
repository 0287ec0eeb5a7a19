"""deploy/backup-check dumps the database, restores it into a fresh one and compares
row counts of every table (PostgreSQL only)."""

import subprocess
from pathlib import Path

import pytest
from django.db import connection

from tests.conftest import _test_database_url

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.deploy
@pytest.mark.django_db(transaction=True)
def test_a_backup_restores_with_identical_row_counts():
    if connection.vendor != "postgresql":
        pytest.skip("backups are pg_dump-based; production runs PostgreSQL")
    from lms.agencies.services import agencies_load

    agencies_load()
    result = subprocess.run(
        [str(ROOT / "deploy/backup-check")],
        env={"DATABASE_URL": _test_database_url(), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical row counts" in result.stdout
