"""The academy as JupyterHub's identity provider: userinfo and client registration."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import call_command
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from tests.factories import officer


@pytest.fixture(autouse=True)
def _urls(settings):
    settings.ROOT_URLCONF = "tests.hub.urls"


def _token(user, scope: str = "read") -> str:
    application = get_application_model().objects.create(
        name="hub",
        client_id="jupyterhub-test",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="http://127.0.0.1:18000/hub/oauth_callback",
    )
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token="tok-" + user.username,
        scope=scope,
        expires=timezone.now() + timedelta(hours=1),
    )
    return "tok-" + user.username


def test_userinfo_returns_the_hub_identity_of_the_token_owner(client, agency):
    user = officer(
        agency=agency,
        roles=["Learner", "DOST admin"],
        username="Huong.NT",
        full_name="Nguyễn Thị Hương",
    )

    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {_token(user)}")

    assert response.status_code == 200
    assert response.json() == {
        "username": "huong.nt",
        "name": "Nguyễn Thị Hương",
        "email": "Huong.NT@example.org",
        "agency": {"code": "UBND-TEST", "name": "UBND Phường Thử nghiệm"},
        "groups": ["dost-admin", "learner"],
    }


def test_userinfo_refuses_requests_without_a_valid_token(client, learner):
    assert client.get("/api/me/").status_code == 403
    assert client.get("/api/me/", HTTP_AUTHORIZATION="Bearer nope").status_code == 403


def test_userinfo_refuses_a_token_without_the_read_scope(client, learner):
    token = _token(learner, scope="write")

    response = client.get("/api/me/", HTTP_AUTHORIZATION=f"Bearer {token}")

    assert response.status_code == 403


def test_hub_register_creates_a_first_party_client_and_0600_secret_files(db, tmp_path):
    call_command(
        "hub_register", "--hub-url", "http://127.0.0.1:18000", "--dir", tmp_path
    )

    app = get_application_model().objects.get(client_id="jupyterhub")
    secret = (tmp_path / "oauth_client_secret").read_text().strip()
    assert app.skip_authorization is True
    assert app.client_type == "confidential"
    assert app.authorization_grant_type == "authorization-code"
    assert app.redirect_uris == "http://127.0.0.1:18000/hub/oauth_callback"
    assert app.client_secret != secret  # DOT stores a hash only
    assert check_password(secret, app.client_secret)
    for name in ("oauth_client_secret", "service_token"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert len((tmp_path / "service_token").read_text().strip()) == 64


def test_hub_register_is_idempotent_and_rotates_only_on_request(db, tmp_path):
    call_command("hub_register", "--dir", tmp_path)
    first = (tmp_path / "oauth_client_secret").read_text()
    token = (tmp_path / "service_token").read_text()

    call_command("hub_register", "--dir", tmp_path)
    assert (tmp_path / "oauth_client_secret").read_text() == first
    call_command("hub_register", "--dir", tmp_path, "--rotate")

    assert (tmp_path / "oauth_client_secret").read_text() != first
    assert (tmp_path / "service_token").read_text() == token
    assert get_application_model().objects.filter(client_id="jupyterhub").count() == 1
