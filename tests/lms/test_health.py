from django.test import override_settings


def test_healthz_answers_without_touching_services(client):
    assert client.get("/healthz").json() == {"status": "ok"}


def test_readyz_reports_every_service(client, db):
    body = client.get("/readyz").json()
    for name in ["database", "cache", "broker", "storage"]:
        assert body[name] == "ok", body
    assert "hub" in body


def test_readyz_is_ready_when_only_the_hub_is_down(client, db):
    with override_settings(JUPYTERHUB_URL="http://127.0.0.1:9"):
        response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["hub"].startswith("error")


def test_readyz_stays_ready_but_degraded_when_the_broker_is_unreachable(client, db):
    from lms.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    try:
        response = client.get("/readyz")
    finally:
        app.conf.broker_url = original
    assert response.status_code == 200
    assert response.json()["status"] == "degraded"
    assert response.json()["broker"].startswith("error")


def test_readyz_fails_when_storage_cannot_be_written(client, db, settings, tmp_path):
    # A file where the media folder should be: even root cannot write under it.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "media")},
        },
    }

    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["storage"].startswith("error")


def test_pages_forbid_inline_scripts_and_allow_the_hub_as_form_target(
    client, db, settings
):
    settings.JUPYTERHUB_URL = "http://127.0.0.1:18555/"
    header = client.get("/healthz")["Content-Security-Policy"]
    policy = dict(part.strip().split(" ", 1) for part in header.split(";"))
    assert policy["script-src"] == "'self'"
    assert policy["form-action"] == "'self' http://127.0.0.1:18555"
    assert policy["frame-ancestors"] == "'none'"


def test_a_nul_byte_in_the_query_is_a_clear_400(client, db):
    response = client.get("/khoa-hoc/?q=a%00b")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()
