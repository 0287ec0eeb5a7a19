"""A real JupyterHub (with configurable-http-proxy) on loopback for the `hub` tests.

The hub process is session-scoped, so the few seconds of start-up and the first
spawn are paid once. It signs learners in against the academy served by
pytest-django's `live_server`; because every transactional test empties the
database, the `hub` fixture re-creates the OAuth client with the same secret before
each test. Everything the hub started is killed at the end (its own process group).
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.core.cache import cache
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from tests.conftest import ROOT, free_port

# The labs app's fixtures: a tiny bundle folder and a real grading worker.
from tests.labs.lab_fixtures import labs_queue, labs_worker, tiny_folder  # noqa: F401

CONFIG = ROOT / "jupyter_config" / "jupyterhub_config.py"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"


@dataclass
class HubProcess:
    url: str
    token: str
    client_secret: str
    data_dir: Path
    process: subprocess.Popen
    log: Path

    def home(self, username: str) -> Path:
        return self.data_dir / "homes" / username

    def api(self, method: str, path: str, **kwargs) -> requests.Response:
        return requests.request(
            method,
            f"{self.url}/hub/api{path}",
            headers={"Authorization": f"token {self.token}"},
            timeout=30,
            **kwargs,
        )


def hub_start(data_dir: Path, academy_url: str) -> HubProcess:
    subprocess.run([str(ROOT / "jupyter_config" / "install-proxy")], check=True)
    data_dir.mkdir(parents=True, exist_ok=True)
    token, secret = secrets.token_hex(32), secrets.token_urlsafe(32)
    url = f"http://127.0.0.1:{free_port()}"
    env = {
        **os.environ,
        "JUPYTERHUB_URL": url,
        "JUPYTERHUB_HUB_BIND_URL": f"http://127.0.0.1:{free_port()}",
        "JUPYTERHUB_PROXY_API_URL": f"http://127.0.0.1:{free_port()}",
        "JUPYTERHUB_DATA_DIR": str(data_dir),
        "ACADEMY_URL": academy_url,
        "ACADEMY_OAUTH_CLIENT_SECRET": secret,
        "JUPYTERHUB_API_TOKEN": token,
    }
    log = data_dir / "hub.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(JUPYTERHUB), "-f", str(CONFIG)],
            cwd=data_dir,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_default_signals,
        )
    hub = HubProcess(url, token, secret, data_dir, process, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"JupyterHub exited:\n{log.read_text()[-3000:]}")
        try:
            if requests.get(f"{url}/hub/api/", timeout=1).status_code == 200:
                return hub
        except requests.RequestException:
            pass
        time.sleep(0.2)
    hub_stop(hub)
    raise RuntimeError(f"JupyterHub did not answer:\n{log.read_text()[-3000:]}")


def descendants(pid: int) -> set[int]:
    """Every process below `pid` (single-user servers and the proxy run in their own
    sessions, so killing the hub's process group alone would orphan them)."""
    children: dict[int, list[int]] = {}
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat_file.parent.name))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _signal_all(pids: set[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


def hub_stop(hub: HubProcess) -> None:
    """SIGTERM (the hub stops servers, culler and proxy), then kill what is left."""
    family = descendants(hub.process.pid)
    if hub.process.poll() is None:
        hub.process.send_signal(signal.SIGTERM)
        try:
            hub.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            family |= descendants(hub.process.pid)
            hub.process.kill()
            hub.process.wait(timeout=10)
    alive = {pid for pid in family if Path(f"/proc/{pid}").exists()}
    _signal_all(alive, signal.SIGTERM)
    deadline = time.monotonic() + 10
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = {pid for pid in alive if Path(f"/proc/{pid}").exists()}
    _signal_all(alive, signal.SIGKILL)


def _default_signals() -> None:
    # A hub launched from a background job inherits an ignored SIGINT and passes
    # it on; the culler then ignores the hub's SIGINT and shutdown takes 30 s.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.fixture(scope="session")
def hub_process(live_server, tmp_path_factory) -> Iterator[HubProcess]:
    if shutil.which("node") is None:
        pytest.skip("node is not installed (needed by configurable-http-proxy)")
    hub = hub_start(tmp_path_factory.mktemp("jupyterhub"), live_server.url)
    try:
        yield hub
    finally:
        hub_stop(hub)


def oauth_client_create(*, hub_url: str, secret: str) -> None:
    from oauth2_provider.models import get_application_model

    Application = get_application_model()
    Application.objects.update_or_create(
        client_id="jupyterhub",
        defaults={
            "name": "JupyterHub (tests)",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "authorization_grant_type": Application.GRANT_AUTHORIZATION_CODE,
            "skip_authorization": True,
            "redirect_uris": f"{hub_url}/hub/oauth_callback",
            "client_secret": secret,
        },
    )


@pytest.fixture
def hub(hub_process: HubProcess, transactional_db, settings) -> HubProcess:
    """The running hub, wired to this test's academy (settings + OAuth client)."""
    settings.ROOT_URLCONF = "tests.hub.urls"
    settings.JUPYTERHUB_URL = hub_process.url
    settings.JUPYTERHUB_API_TOKEN = hub_process.token
    cache.delete("labs:hub:up")
    # Learners' files from earlier tests (the hub and its homes live all session).
    for labs_dir in (hub_process.data_dir / "homes").glob("*/labs"):
        shutil.rmtree(labs_dir)
    oauth_client_create(hub_url=hub_process.url, secret=hub_process.client_secret)
    return hub_process


@pytest.fixture
def hub_down(db, settings) -> None:
    """The academy pointed at a port where no hub listens."""
    settings.ROOT_URLCONF = "tests.hub.urls"
    settings.JUPYTERHUB_URL = f"http://127.0.0.1:{free_port()}"
    settings.JUPYTERHUB_API_TOKEN = "x" * 64
    cache.delete("labs:hub:up")


class AcademyBrowser(requests.Session):
    """A requests session that signs in to the academy like a browser would."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")
        self.trust_env = False
        # As a browser does: a request sent on a kept-alive connection that the
        # server is closing at that moment (gunicorn drops idle ones after 2 s, e.g.
        # while the learner's lab server starts) is sent once more on a new
        # connection instead of failing with "connection reset by peer".
        retry = Retry(
            total=2, connect=2, read=1, status=0, other=0, allowed_methods=None
        )
        for scheme in ("http://", "https://"):
            self.mount(scheme, HTTPAdapter(max_retries=retry))

    def login(self, username: str, password: str = "matkhau-thu-nghiem") -> None:  # noqa: S107
        page = self.get(f"{self.base_url}/accounts/login/", timeout=30)
        page.raise_for_status()
        response = self.post(
            f"{self.base_url}/accounts/login/",
            data={
                "login": username,
                "password": password,
                "csrfmiddlewaretoken": self.cookies["csrftoken"],
            },
            headers={"Referer": f"{self.base_url}/accounts/login/"},
            allow_redirects=False,
            timeout=30,
        )
        assert response.status_code == 302, response.text[:500]

    def post_form(self, path: str, **kwargs) -> requests.Response:
        """POST a button's form with the CSRF token, following redirects."""
        return self.post(
            f"{self.base_url}{path}",
            data={"csrfmiddlewaretoken": self.cookies["csrftoken"], **kwargs},
            headers={"Referer": f"{self.base_url}{path}"},
            timeout=120,
        )


@pytest.fixture
def academy_browser(live_server) -> Iterator[AcademyBrowser]:
    session = AcademyBrowser(live_server.url)
    try:
        yield session
    finally:
        session.close()
