from __future__ import annotations

import pytest

from lms.tracking.api import api_token_create
from tests.tracking.conftest import complete, make_officer, refresh


@pytest.fixture
def token(db):
    _token, key = api_token_create(name="LGSP tỉnh Bắc Ninh")
    return key


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_the_api_needs_a_token(client, db):
    assert client.get("/api/v1/agencies").status_code == 401
    assert client.get("/api/v1/agencies", **auth("sai")).status_code == 401


def test_agencies_are_paginated(client, token, commune, other_commune):
    body = client.get("/api/v1/agencies?page=1", **auth(token)).json()
    assert body["count"] >= 2
    assert {"code": commune.code, "kind": "commune"}.items() <= next(
        a for a in body["items"] if a["code"] == commune.code
    ).items()


def test_programs_are_listed(client, token, programs):
    codes = [
        p["code"] for p in client.get("/api/v1/programs", **auth(token)).json()["items"]
    ]
    assert codes == ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]


def test_agency_figures_match_the_dashboard_selector(
    client, token, commune, target_factory, programs
):
    users = [make_officer(commune) for _ in range(3)]
    target_factory("P1")
    complete(users[0], programs["P1"])
    refresh()
    items = client.get("/api/v1/figures/agencies?kind=commune", **auth(token)).json()[
        "items"
    ]
    row = next(i for i in items if i["code"] == commune.code)
    assert (row["required"], row["completed"], row["rate"]) == (3, 1, 33.3)


def test_an_unknown_certificate_is_404(client, token):
    response = client.get("/api/v1/certificates/BN-2026-999999", **auth(token))
    assert response.status_code == 404


def test_the_openapi_schema_is_served(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/figures/agencies" in schema["paths"]
    assert (
        "BearerAuth" in str(schema["components"]["securitySchemes"])
        or schema["components"]["securitySchemes"]
    )
