"""Fixtures for the journeys of PRODUCT.md §3.

- `browser`: one Debian Chromium per module (Playwright, sync API).
- `journey`: opens a `browsing.Journey` (a watched browser context) per person.
- `worker`: one real Celery worker for the grading queue and the default queue
  (roster imports, figures, certificates), rendering links with the live server's
  address.
- `hub`: a real JupyterHub on loopback for the module that needs one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.conftest import chromium
from tests.journeys.browsing import Journey


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)  # shared CI machines are sometimes slow

    # Playwright's sync API keeps an event loop in this thread; the ORM calls the
    # tests make around it are still plain synchronous code.
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        try:
            with chromium() as started:
                yield started
        finally:
            expect.set_options(timeout=5_000)  # Playwright's default again


@pytest.fixture
def journey(browser, live_server) -> Iterator:
    """`journey(name, **context_options)` opens a watched session (closed at the
    end of the test)."""
    opened: list[Journey] = []

    def open_journey(name: str, **options) -> Journey:
        session = Journey(browser, live_server.url, name, **options)
        opened.append(session)
        return session

    yield open_journey
    for session in opened:
        session.context.close()


@pytest.fixture
def site_url(live_server, settings, monkeypatch) -> str:
    """Links in e-mails, certificates and QR codes point at the live server."""
    settings.SITE_URL = live_server.url
    monkeypatch.setenv("SITE_URL", live_server.url)  # for the worker started later
    return live_server.url


@pytest.fixture
def worker(transactional_db, site_url, settings) -> Iterator:
    import os

    from tests.labs.lab_fixtures import worker_start, worker_stop

    queue = f"labs-test-{os.getpid()}"
    settings.LABS_GRADING_QUEUE = queue
    process = worker_start(f"{queue},celery")
    try:
        yield process
    finally:
        worker_stop(process)


@pytest.fixture(scope="module")
def hub_process(live_server, tmp_path_factory):
    from tests.hub.conftest import hub_start, hub_stop

    if shutil.which("node") is None:
        pytest.skip("node is not installed (needed by configurable-http-proxy)")
    process = hub_start(tmp_path_factory.mktemp("journey-hub"), live_server.url)
    try:
        yield process
    finally:
        hub_stop(process)


@pytest.fixture
def hub(hub_process, transactional_db, settings):
    """The running hub, wired to this test's academy (settings + OAuth client)."""
    from django.core.cache import cache

    from tests.hub.conftest import oauth_client_create

    settings.JUPYTERHUB_URL = hub_process.url
    settings.JUPYTERHUB_API_TOKEN = hub_process.token
    cache.delete("labs:hub:up")
    oauth_client_create(hub_url=hub_process.url, secret=hub_process.client_secret)
    return hub_process
