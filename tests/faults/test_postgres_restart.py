"""PostgreSQL stopped and started under a running gunicorn: a private cluster.

The shared cluster is never restarted: the test makes its own with initdb in a
temporary folder (as the postgres user when run as root), copies the migrated test
database into it, points a production-settings gunicorn at it, and keeps requesting
pages while it stops and starts PostgreSQL.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.db import connection

from tests.conftest import ROOT, free_port, wait_for

pytestmark = [
    pytest.mark.fault,
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs the PostgreSQL pass: the private cluster is a copy of the "
        "migrated test database",
    ),
]

MAINTENANCE = "tạm thời không kết nối được cơ sở dữ liệu"
# A session cookie, as every signed-in learner sends: the page is built for this
# visitor (never from the anonymous page cache), which needs the database.
SESSION = {"sessionid": "faults0session0cookie0not0stored"}


def _get(url: str) -> requests.Response:
    return requests.get(url, cookies=SESSION, timeout=30)


class Cluster:
    """A PostgreSQL cluster of this test's own, on a free loopback port."""

    def __init__(self, bin_dir: Path, folder: Path, as_postgres: list[str]) -> None:
        self.bin_dir, self.folder, self.as_postgres = bin_dir, folder, as_postgres
        self.port = free_port()
        self.data = folder / "data"

    def run(self, tool: str, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_postgres, str(self.bin_dir / tool), *args],
            check=True,
            capture_output=True,
            text=True,
            timeout=120,
            **kwargs,
        )

    def init(self) -> None:
        self.run(
            "initdb",
            "-D",
            str(self.data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        )

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c full_page_writes=off"
        )
        self.run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-l",
            str(self.folder / "log"),
            "-o",
            options,
            "-w",
            "start",
        )

    def stop(self) -> None:
        self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


def _as_postgres() -> list[str]:
    """initdb refuses to run as root: run the cluster's tools as `postgres` then."""
    if os.geteuid() != 0:
        return []
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        pytest.skip("running as root and there is no postgres user for initdb")
    if shutil.which("runuser") is None:
        pytest.skip("running as root without runuser to become postgres")
    return ["runuser", "-u", "postgres", "--"]


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL server binaries (initdb) are not installed")
    as_postgres = _as_postgres()
    folder = Path(tempfile.mkdtemp(prefix="faults-pg-"))
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    server = Cluster(Path(found[-1]).parent, folder, as_postgres)
    server.init()
    server.start()
    try:
        yield server
    finally:
        if (server.data / "postmaster.pid").exists():
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _copy_test_database(cluster: Cluster) -> str:
    """The test database (migrated, with this test's home page) into the cluster."""
    source = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": source.get("PASSWORD") or ""}
    dump = subprocess.run(
        [
            "pg_dump",
            "--no-owner",
            "--no-privileges",
            "-h",
            source.get("HOST") or "127.0.0.1",
            "-p",
            str(source.get("PORT") or 5432),
            "-U",
            source.get("USER") or "postgres",
            source["NAME"],
        ],
        check=True,
        capture_output=True,
        timeout=120,
        env=env,
    ).stdout
    psql = [
        "psql",
        "-h",
        "127.0.0.1",
        "-p",
        str(cluster.port),
        "-U",
        "postgres",
        "-q",
        "-v",
        "ON_ERROR_STOP=1",
    ]
    subprocess.run(
        [*psql, "-c", "CREATE DATABASE academy"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    subprocess.run(
        [*psql, "-d", "academy"],
        input=dump,
        check=True,
        capture_output=True,
        timeout=120,
    )
    return cluster.url("academy")


@dataclass
class Web:
    url: str
    pid: int

    def workers(self) -> list[int]:
        """The gunicorn master's worker processes."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return sorted(int(pid) for pid in path.read_text().split())


@pytest.fixture
def web(transactional_db, home_page, cluster, tmp_path) -> Iterator[Web]:
    """gunicorn (2 workers, production settings) on the private cluster."""
    port = free_port()
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if k not in {"REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}
        },
        "DJANGO_SETTINGS_MODULE": "tests.faults.web_settings",
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "DATABASE_URL": _copy_test_database(cluster),
        "DATA_DIR": str(tmp_path / "data"),
        "STATIC_ROOT": str(tmp_path),  # exists: WhiteNoise warns about a missing one
        "JUPYTERHUB_URL": "http://127.0.0.1:9",
        "LOG_FORMAT": "plain",
    }
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: _answers(f"{base}/healthz"), timeout=60)
        yield Web(base, gunicorn.pid)
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5).ok
    except requests.RequestException:
        return False


class Hammer(threading.Thread):
    """Requests a page in a loop and keeps every (status, body)."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url, self.seen = url, []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            response = _get(self.url)
            self.seen.append((response.status_code, response.text))


def test_a_postgresql_restart_answers_503_meanwhile_and_recovers_without_a_restart(
    web, cluster
):
    workers = web.workers()
    page, ready_url = f"{web.url}/khoa-hoc/", f"{web.url}/readyz"
    assert _get(page).status_code == 200
    assert requests.get(ready_url, timeout=30).json()["database"] == "ok"
    hammer = Hammer(page)
    hammer.start()

    cluster.stop()
    down = _get(page)
    ready = requests.get(ready_url, timeout=30)
    cluster.start()
    wait_for(lambda: _get(page).status_code == 200)
    hammer.done.set()
    hammer.join(timeout=60)

    assert down.status_code == 503
    assert MAINTENANCE in down.text and "Traceback" not in down.text
    assert down.headers["Retry-After"] == "30"
    assert ready.status_code == 503
    assert ready.json()["database"].startswith("error")
    assert requests.get(ready_url, timeout=30).json()["database"] == "ok"
    # The same gunicorn workers answer again: their connections were renewed.
    assert all(_get(page).status_code == 200 for _ in range(6))
    assert web.workers() == workers
    # Every answer during the restart was the page or the maintenance page.
    assert {status for status, _body in hammer.seen} <= {200, 503}
    assert all(MAINTENANCE in body for status, body in hammer.seen if status == 503)
