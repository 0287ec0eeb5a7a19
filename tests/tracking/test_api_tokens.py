"""DOST admins make and revoke the data-sharing platform's API keys on a page."""

from __future__ import annotations

import re

import pytest

from lms.tracking.models import AccessLog, ApiToken

URL = "/tong-quan/khoa-api/"


def _create(client, name="Nền tảng LGSP"):
    response = client.post(URL, {"name": name})
    return re.search(r'<code id="new-key">([^<]+)</code>', response.content.decode())


def test_a_new_key_is_shown_once_and_opens_the_api(client, dost_admin):
    client.force_login(dost_admin)

    key = _create(client).group(1)

    assert ApiToken.objects.get().key_hash != key  # only the hash is stored
    assert key not in client.get(URL).content.decode()
    api = client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 200


def test_a_revoked_key_no_longer_opens_the_api(client, dost_admin):
    client.force_login(dost_admin)
    key = _create(client).group(1)
    token = ApiToken.objects.get()

    client.post(f"{URL}{token.pk}/thu-hoi/")

    token.refresh_from_db()
    assert token.revoked_at is not None
    api = client.get("/api/v1/agencies", headers={"Authorization": f"Bearer {key}"})
    assert api.status_code == 401


def test_making_and_revoking_keys_is_in_the_access_log(client, dost_admin):
    client.force_login(dost_admin)
    _create(client)
    client.post(f"{URL}{ApiToken.objects.get().pk}/thu-hoi/")

    actions = set(AccessLog.objects.values_list("action", flat=True))
    assert {"api_token_create", "api_token_revoke"} <= actions


def test_an_empty_name_is_refused_with_a_message(client, dost_admin):
    client.force_login(dost_admin)

    response = client.post(URL, {"name": "   "})

    assert "Hãy nhập tên hệ thống" in response.content.decode()
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("who", ["learner", "manager", "instructor"])
def test_only_dost_admins_reach_the_keys_page(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(URL).status_code == 403
