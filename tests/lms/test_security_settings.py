"""Session cookies and lifetime, HSTS, how files are served, and secrets kept out of
the logs (OWASP ASVS 3.2-3.4, 7.1, 12.5)."""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from lms.logging import JsonFormatter
from tests.factories import TEST_TOTP_SECRET
from tests.labs.lab_fixtures import lab, tiny_folder  # noqa: F401
from tests.labs.test_views import _submission
from tests.lms.test_mfa import _private_cache  # noqa: F401 - autouse: no lockouts
from tests.lms.test_settings import PRODUCTION_ENV, _run_python

PASSWORD = "matkhau-thu-nghiem"
_DUMPED = [
    "DEBUG",
    "SESSION_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE",
    "SESSION_COOKIE_AGE",
    "SESSION_EXPIRE_AT_BROWSER_CLOSE",
    "CSRF_COOKIE_SECURE",
    "CSRF_COOKIE_SAMESITE",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
]


@pytest.fixture(scope="module")
def production(tmp_path_factory) -> dict:
    """The security settings a production-like environment produces (DEBUG off)."""
    code = (
        "import json, lms.settings as s; "
        f"print(json.dumps({{k: getattr(s, k) for k in {_DUMPED!r}}}))"
    )
    env = {**PRODUCTION_ENV, "DATA_DIR": str(tmp_path_factory.mktemp("prod"))}
    result = _run_python(code, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def production_like(settings, production):
    """This process's settings switched to the production values above."""
    for name, value in production.items():
        setattr(settings, name, value)
    return settings


def _sign_in(client, username: str, **extra):
    return client.post(
        reverse("account_login"), {"login": username, "password": PASSWORD}, **extra
    )


# --- Cookies and session lifetime ----------------------------------------------------


def test_production_sends_the_session_cookie_secure_httponly_lax(
    client, learner, production_like
):
    assert production_like.DEBUG is False  # the values came from DEBUG=0
    _sign_in(client, learner.username, secure=True)

    cookie = client.cookies[production_like.SESSION_COOKIE_NAME]

    assert cookie["secure"] is True
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # gone when the browser closes


def test_production_sends_the_csrf_cookie_secure_and_lax(
    client, learner, production_like
):
    client.get(reverse("account_login"), secure=True)
    cookie = client.cookies[production_like.CSRF_COOKIE_NAME]
    assert cookie["secure"] is True
    assert cookie["samesite"] == "Lax"


def test_a_session_lasts_session_cookie_age_from_sign_in(client, learner, settings):
    age = timedelta(seconds=settings.SESSION_COOKIE_AGE)
    before = timezone.now()
    _sign_in(client, learner.username)
    after = timezone.now()

    row = Session.objects.get(session_key=client.session.session_key)

    assert before + age <= row.expire_date <= after + age


def test_a_session_idle_past_its_age_is_signed_out(client, learner, settings):
    settings.SESSION_COOKIE_AGE = 1  # both the cache entry and the row expire
    _sign_in(client, learner.username)
    time.sleep(1.5)

    response = client.get("/hoc-tap-cua-toi/")

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_production_sends_hsts_over_https(client, db, production_like):
    response = client.get("/healthz", secure=True)
    assert (
        response["Strict-Transport-Security"]
        == "max-age=31536000; includeSubDomains; preload"
    )


# --- Files are downloaded, never rendered in the academy's origin --------------------


@pytest.mark.parametrize(
    ("filename", "content"),
    [("huong-dan.pdf", b"%PDF-1.4\n%%EOF\n"), ("ghi-chu.txt", b"<script>x</script>")],
)
def test_documents_download_as_attachments_without_sniffing(
    client, db, settings, tmp_path, filename, content
):
    from wagtail.documents.models import Document
    from wagtail.models import Collection

    settings.MEDIA_ROOT = str(tmp_path)
    # A flushed test database has no root collection (a migration makes it).
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    document = Document.objects.create(
        title="Tài liệu", file=ContentFile(content, name=filename), collection=root
    )

    response = client.get(document.url)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'"
    assert b"".join(response.streaming_content) == content


def test_lab_downloads_are_attachments_without_sniffing(client, learner, lab):  # noqa: F811
    submission = _submission(lab, learner)
    client.force_login(learner)
    for url in (
        reverse("labs:lab_download", args=[lab.slug]),
        reverse("labs:submission_download", args=[submission.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Disposition"].startswith("attachment"), url
        assert response["X-Content-Type-Options"] == "nosniff", url


# --- No secret in the logs -------------------------------------------------------------


def _log_text(records) -> str:
    formatter = JsonFormatter()
    return "\n".join(formatter.format(record) for record in records)


def test_passwords_tokens_and_session_ids_never_reach_the_logs(
    client, learner, instructor, caplog, mailoutbox
):
    from lms.tracking.api import api_token_create

    caplog.set_level(logging.DEBUG)
    wrong_password = "sai-mat-khau-bi-mat-9271"
    new_password = "mat-khau-moi-bi-mat-4420"
    _token, api_key = api_token_create(name="LGSP thử")

    client.post(
        reverse("account_login"),
        {"login": learner.username, "password": wrong_password},
    )
    _sign_in(client, learner.username)
    session_id = client.cookies["sessionid"].value
    client.get("/hoc-tap-cua-toi/")
    client.post("/accounts/logout/")

    client.post(reverse("account_reset_password"), {"email": learner.email})
    link = next(w for w in mailoutbox[0].body.split() if "/password/reset/key/" in w)
    reset_key = link.rstrip("/").rsplit("/", 1)[-1].split("-", 1)[1]
    form_url = client.get(link)["Location"]
    client.post(form_url, {"password1": new_password, "password2": new_password})
    client.post("/accounts/logout/")

    _sign_in(client, instructor.username)  # stops at the code step
    client.get("/api/v1/agencies", headers={"authorization": f"Bearer {api_key}"})
    client.get("/api/v1/agencies", headers={"authorization": f"Bearer {api_key}-sai"})

    text = _log_text(caplog.records)
    assert "access_refused" in text  # the capture works: the bad token was logged
    for secret in (
        PASSWORD,
        wrong_password,
        new_password,
        session_id,
        reset_key,
        api_key,
        TEST_TOTP_SECRET,
    ):
        assert secret not in text
