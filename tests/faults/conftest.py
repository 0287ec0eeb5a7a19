"""Fixtures for fault tests: private servers a test may stop and restart.

- `private_redis`: a `redis-server` of this test's own on a free loopback port, never
  the shared one other processes use; `.stop()` / `.start()` mid-flow.
- `persistent_redis`: the same, but a restart brings back the data it had.
- `module_redis`: one private Redis shared by a module's tests.
- `django_env(...)` / `django_start(code, env=...)`: a subprocess with Django set up on
  the test database (a web process that sees another Redis than this one).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from tests.conftest import ROOT, _test_database_url, free_port, wait_for


class RedisServer:
    """One redis-server process. Without persistence a restart starts empty, like a
    crashed cache node replaced by a fresh one; with it, a stop saves a snapshot
    and the restart loads it, like Debian's default Redis."""

    def __init__(self, folder: Path, *, persist: bool = False) -> None:
        self.port = free_port()
        self.folder = folder
        self.persist = persist
        self.process: subprocess.Popen | None = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "3600 1" if self.persist else "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
                "--dir",
                str(self.folder),
                "--loglevel",
                "warning",
            ],
            stdout=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=20)

    def _answers(self) -> bool:
        try:
            return bool(redis.Redis(port=self.port, socket_timeout=1).ping())
        except redis.ConnectionError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)
        self.process = None


def _redis_server(folder: Path, *, persist: bool) -> Iterator[RedisServer]:
    if shutil.which("redis-server") is None:
        pytest.skip("redis-server is not installed")
    folder.mkdir(exist_ok=True)
    server = RedisServer(folder, persist=persist)
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def private_redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from _redis_server(tmp_path / "redis", persist=False)


@pytest.fixture(scope="module")
def module_redis(tmp_path_factory) -> Iterator[RedisServer]:
    """One private Redis for a module's tests (with a worker that outlives a test);
    `redis_running` restarts it if a failed test left it stopped."""
    yield from _redis_server(tmp_path_factory.mktemp("redis"), persist=False)


@pytest.fixture
def persistent_redis(tmp_path: Path) -> Iterator[RedisServer]:
    yield from _redis_server(tmp_path / "redis-persistent", persist=True)


def django_env(**extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "DATABASE_URL": _test_database_url(),
        "DEBUG": "1",
        **extra,
    }


def django_start(code: str, *, env: dict[str, str]) -> subprocess.Popen:
    """Python running `code` after django.setup(), in a new process on the test
    database, with stdin/stdout pipes (text mode)."""
    return subprocess.Popen(
        [sys.executable, "-c", "import django\ndjango.setup()\n" + code],
        cwd=ROOT,
        env=django_env(**env),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
