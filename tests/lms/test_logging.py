import json
import logging

from django.test import RequestFactory

from lms.logging import JsonFormatter, security_event


def test_security_events_are_json_with_context_but_no_personal_data(caplog, db):
    from tests.factories import UserFactory

    user = UserFactory(full_name="Nguyễn Văn Bí Mật", email="bimat@example.org")
    request = RequestFactory().get("/tong-quan/don-vi/42/")
    request.user = user
    with caplog.at_level(logging.INFO, logger="lms.security"):
        security_event("access_refused", request, reason="other_agency")
    line = JsonFormatter().format(caplog.records[-1])
    payload = json.loads(line)
    assert payload["event"] == "access_refused"
    assert payload["user_id"] == user.pk
    assert payload["path"] == "/tong-quan/don-vi/42/"
    assert "Bí Mật" not in line and "bimat@" not in line
