"""Property-based test of the LGSP API against its own OpenAPI schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import negative_data_rejection

from lms.tracking.api import api_token_create

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())


@pytest.fixture
def api_key(db, programs, commune):
    _token, key = api_token_create(name="schemathesis")
    return key


@pytest.fixture(autouse=True)
def keep_test_connection():
    """The WSGI handler closes the DB connection after each request, which would
    end the test transaction; Django's own test client disconnects it the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_conforms_to_its_schema(case, api_key, keep_test_connection):
    # Unknown query parameters are ignored, as most HTTP APIs do; schemathesis'
    # negative phase would call accepting them a schema violation.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_key}"},
        excluded_checks=[negative_data_rejection],
    )
