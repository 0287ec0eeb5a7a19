"""Every refusal is logged (lms/security.py): one `access_refused` event on the
`lms.security` logger with the user id, the path and a reason, and no other
personal data (no name, e-mail, username or IP address)."""

from __future__ import annotations

import json
import logging

import pytest

from lms.logging import JsonFormatter
from tests.factories import AgencyFactory


def _refusals(caplog) -> list[logging.LogRecord]:
    return [r for r in caplog.records if getattr(r, "event", None) == "access_refused"]


def _json(record: logging.LogRecord) -> tuple[str, dict]:
    line = JsonFormatter().format(record)
    return line, json.loads(line)


def _assert_no_personal_data(line: str, payload: dict, user) -> None:
    assert "ip" not in payload
    for value in (user.username, user.email, user.get_full_name(), "127.0.0.1"):
        assert value not in line


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="UBND-KHAC", name="UBND Xã Khác")


def test_a_403_logs_the_user_id_path_and_reason(client, learner, caplog):
    client.force_login(learner)
    with caplog.at_level(logging.INFO, logger="lms.security"):
        response = client.get("/chi-tieu/")

    assert response.status_code == 403
    [record] = _refusals(caplog)
    line, payload = _json(record)
    assert record.levelno == logging.WARNING
    assert payload["status"] == 403
    assert payload["user_id"] == learner.pk
    assert payload["path"] == "/chi-tieu/"
    assert payload["reason"] == "perm:tracking.view_province_dashboard"
    _assert_no_personal_data(line, payload, learner)


def test_another_agencys_page_is_a_logged_404(client, manager, other_agency, caplog):
    client.force_login(manager)
    path = f"/tong-quan/don-vi/{other_agency.pk}/"
    with caplog.at_level(logging.INFO, logger="lms.security"):
        response = client.get(path)

    assert response.status_code == 404
    [record] = _refusals(caplog)
    line, payload = _json(record)
    assert payload["status"] == 404
    assert payload["user_id"] == manager.pk
    assert payload["path"] == path
    assert payload["reason"] == f"agency:{other_agency.pk}"
    _assert_no_personal_data(line, payload, manager)


def test_anonymous_on_a_protected_page_is_a_logged_login_redirect(client, caplog):
    with caplog.at_level(logging.INFO, logger="lms.security"):
        response = client.get("/hoc-tap-cua-toi/")

    assert response.status_code == 302
    [record] = _refusals(caplog)
    assert record.status == 302
    assert record.user_id is None
    assert record.reason == "login_required"


def test_an_allowed_page_logs_no_refusal(client, manager, caplog):
    client.force_login(manager)
    with caplog.at_level(logging.INFO, logger="lms.security"):
        response = client.get(f"/tong-quan/don-vi/{manager.profile.agency_id}/")

    assert response.status_code == 200
    assert _refusals(caplog) == []


def test_the_403_page_says_so_in_vietnamese(client, learner):
    client.force_login(learner)
    response = client.get("/giay-chung-nhan/toan-tinh/")

    assert response.status_code == 403
    body = response.content.decode()
    assert "Không có quyền truy cập" in body
    assert "perm:" not in body and "province register" not in body
