# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""The cache's Redis stopped: pages and sign-in keep working, throttling still holds.

The cache is lms.cache.ResilientRedisCache (what production uses with REDIS_URL) on a
private redis-server that each test stops; the shared Redis is never touched.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from tests.factories import UserFactory
from tests.labs.lab_fixtures import lab, tiny_folder  # noqa: F401

pytestmark = pytest.mark.fault

PASSWORD = "matkhau-thu-nghiem"


def _use_cache(settings, server):
    settings.CACHES = {
        "default": {
            "BACKEND": "lms.cache.ResilientRedisCache",
            "LOCATION": server.url(),
            "KEY_PREFIX": "faults",
            # Try Redis on every call, so the test sees each call fall back.
            "OPTIONS": {"retry_after": 0, "socket_connect_timeout": 1},
        }
    }
    cache.set("faults:probe", "redis")
    assert cache.get("faults:probe") == "redis"
    return server


@pytest.fixture
def redis_cache(settings, private_redis):
    return _use_cache(settings, private_redis)


def _login(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


def test_pages_that_use_the_cache_render_while_its_redis_is_down(
    redis_cache, client, settings, lab, learner
):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 60  # counted in the cache
    client.force_login(learner)
    redis_cache.stop()

    # The lab page caches whether the hub is up; the verify page counts requests.
    assert client.get(f"/bai-thuc-hanh/{lab.slug}/").status_code == 200
    assert client.get(reverse("certificates:verify_lookup")).status_code == 200


def test_an_officer_signs_in_while_the_cache_redis_is_down(redis_cache, client, db):
    user = UserFactory(username="hoa")
    redis_cache.stop()

    response = _login(client, "hoa")

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


def test_failed_sign_ins_are_still_throttled_while_the_cache_redis_is_down(
    redis_cache, client, db
):
    UserFactory(username="hoa")
    redis_cache.stop()

    for _ in range(5):
        assert "không đúng" in _login(client, "hoa", "sai-mat-khau").content.decode()
    response = _login(client, "hoa")

    assert "_auth_user_id" not in client.session
    assert "quá nhiều lần" in response.content.decode()


def test_readyz_reports_the_cache_down_then_up(redis_cache, client, db):
    redis_cache.stop()
    assert client.get("/readyz").json()["cache"].startswith("error")

    redis_cache.start()
    assert client.get("/readyz").json()["cache"] == "ok"
    cache.set("faults:probe", "back")
    assert cache.get("faults:probe") == "back"


def test_a_session_ended_while_redis_was_down_stays_ended_when_it_returns(
    settings, persistent_redis, client, db
):
    # Sessions are read from the cache first (cached_db): a Redis that comes back
    # with its old data must not bring back a session logged out meanwhile.
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    _use_cache(settings, persistent_redis)
    UserFactory(username="hoa")
    assert _login(client, "hoa").status_code == 302
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    persistent_redis.stop()
    client.post(reverse("account_logout"))
    persistent_redis.start()

    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = stolen
    response = replay.get(reverse("certificates:mine"))
    assert not response.wsgi_request.user.is_authenticated
