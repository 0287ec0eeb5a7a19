"""The deployment guide's nginx config, exercised for real: nginx in front of gunicorn
on loopback serves static files, refuses oversized uploads and sets the headers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.deploy,
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
]


def _wait_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise TimeoutError(url)


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("nginx")
    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "DEBUG": "0",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "0",
        "STATIC_ROOT": str(tmp / "static"),
        "DATA_DIR": str(tmp / "data"),
    }
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
        timeout=300,
    )
    web_port, nginx_port = free_port(), free_port()
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi:application",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            "1",
        ],
        cwd=ROOT,
        env=env,
    )
    conf = subprocess.run(
        [str(ROOT / "deploy/render-nginx")],
        env={
            **env,
            "LISTEN": f"127.0.0.1:{nginx_port}",
            "SERVER_NAME": "localhost",
            "UPSTREAM": f"127.0.0.1:{web_port}",
            "STATIC_ROOT": env["STATIC_ROOT"],
        },
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    (tmp / "logs").mkdir()
    main_conf = tmp / "nginx.conf"
    main_conf.write_text(
        # Workers as root only here: pytest's temporary folders are private to root.
        f"user root; pid {tmp}/nginx.pid; error_log {tmp}/logs/error.log; daemon off;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include /etc/nginx/mime.types; access_log {tmp}/logs/access.log;\n"
        f"client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy;\n{conf}\n}}\n"
    )
    nginx = subprocess.Popen(["nginx", "-c", str(main_conf), "-p", str(tmp)])
    base = f"http://127.0.0.1:{nginx_port}"
    try:
        _wait_http(f"http://127.0.0.1:{web_port}/healthz")
        _wait_http(f"{base}/healthz")
        yield base
    finally:
        for proc in (nginx, gunicorn):
            proc.terminate()
            proc.wait(timeout=20)


def test_nginx_serves_static_files_itself(stack):
    response = requests.get(f"{stack}/static/css/academy.css", timeout=5)
    assert response.status_code == 200
    assert "text/css" in response.headers["Content-Type"]
    assert "immutable" in response.headers["Cache-Control"]


def test_nginx_proxies_the_app(stack):
    assert requests.get(f"{stack}/healthz", timeout=5).json() == {"status": "ok"}


def test_nginx_refuses_an_oversized_upload_before_the_app(stack):
    response = requests.post(
        f"{stack}/healthz", data=b"x" * (13 * 1024 * 1024), timeout=30
    )
    assert response.status_code == 413


def test_app_responses_carry_security_headers_once(stack):
    headers = requests.get(f"{stack}/healthz", timeout=5).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert "nginx/" not in headers.get("Server", "")


def test_static_files_carry_nosniff_and_hsts(stack):
    headers = requests.get(f"{stack}/static/css/academy.css", timeout=5).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in headers["Strict-Transport-Security"]
