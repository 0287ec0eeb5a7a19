"""Fixtures shared by all tests.

- `agency`, `learner`, `manager`, `dost_admin`, `instructor`: people with roles.
- `celery_worker_process`: a real `celery worker` subprocess on the configured broker
  (Redis in CI, the file-system transport locally) and the test database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.db import connection

from tests.factories import AgencyFactory, officer

ROOT = Path(__file__).resolve().parent.parent

# Debian's Chromium (Playwright's own browser download does not work here).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium():
    """A Chromium browser for Playwright's sync API, closed afterwards.

    Start it after the test data exists: the sync API runs an event loop in this
    thread, and Django refuses database calls from it unless
    DJANGO_ALLOW_ASYNC_UNSAFE is set (the `browser` fixture sets it)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS
        )
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def browser(monkeypatch):
    # The ORM calls a browser test makes around Playwright are plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with chromium() as started:
        yield started


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Start every run from a clean reused test database.

    An interrupted run can leave rows a transactional test committed, and a
    finished one leaves the page tree flushed: flush (which re-runs the post-migrate
    hooks: permissions, role groups, beat schedules) and rebuild the home page.
    """
    from django.core.management import call_command

    from lms.accounts.roles import roles_sync
    from lms.services import home_page_ensure

    with django_db_blocker.unblock():
        call_command("flush", interactive=False, verbosity=0)
        home_page_ensure()
        roles_sync()


@pytest.fixture
def home_page(db):
    from lms.services import home_page_ensure

    return home_page_ensure()


@pytest.fixture
def agency(db):
    return AgencyFactory(code="UBND-TEST", name="UBND Phường Thử nghiệm")


@pytest.fixture
def learner(agency):
    return officer(agency=agency, roles=["Learner"], username="hocvien_test")


@pytest.fixture
def manager(agency):
    return officer(agency=agency, roles=["Agency manager"], username="quanly_test")


@pytest.fixture
def instructor(db):
    return officer(roles=["Instructor"], username="giangvien_test")


@pytest.fixture
def dost_admin(db):
    return officer(roles=["DOST admin"], username="sokhcn_test")


def _test_database_url() -> str:
    settings = connection.settings_dict
    if settings["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{settings['NAME']}"
    user = settings.get("USER") or "postgres"
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}@{host}:{port}/{settings['NAME']}"


@pytest.fixture
def celery_worker_process(transactional_db) -> Iterator[subprocess.Popen]:
    """Start a real worker against the test database; stop it after the test."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "DATABASE_URL": _test_database_url(),
        "DEBUG": "1",
    }
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "lms",
            "worker",
            "--pool=solo",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--loglevel=WARNING",
            "-n",
            f"test-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()


def free_port() -> int:
    """A loopback port nobody listens on right now (for servers tests start)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, *, timeout: float = 30.0, interval: float = 0.1):
    """Poll until `predicate()` is truthy; returns its value or raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError("condition not met in time")
