"""Readiness checks for /readyz: each returns None when healthy or a short reason.

Critical checks (database, storage) make the endpoint answer 503 so a load balancer
stops sending traffic. The others are reported, and make the status "degraded", but
do not take the node out: with Redis down pages and sign-in run on a per-process
cache (lms/cache.py) and submissions wait for the sweeper; with the hub down lessons,
quizzes and uploads keep working. Taking every node out because a shared Redis is
down would turn a degraded site into no site.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import requests
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from lms.celery import app as celery_app


def check_database() -> str | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return None


def check_cache() -> str | None:
    # The Redis cache answers from memory while Redis is down (lms.cache): ask Redis.
    ping = getattr(cache, "ping", None)
    if ping is not None:
        ping()
    key = f"readyz:{uuid.uuid4().hex}"
    cache.set(key, "1", 10)
    ok = cache.get(key) == "1"
    cache.delete(key)
    return None if ok else "cache did not return the value it stored"


def check_broker() -> str | None:
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return None


def check_storage() -> str | None:
    name = default_storage.save(f"readyz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return None


def check_hub() -> str | None:
    response = requests.get(f"{settings.JUPYTERHUB_URL}/hub/api/", timeout=2)
    return None if response.ok else f"HTTP {response.status_code}"


CRITICAL: dict[str, Callable[[], str | None]] = {
    "database": check_database,
    "storage": check_storage,
}
OPTIONAL: dict[str, Callable[[], str | None]] = {
    "cache": check_cache,
    "broker": check_broker,
    "hub": check_hub,
}


def _run(check: Callable[[], str | None]) -> str:
    try:
        problem = check()
    except Exception as exc:  # noqa: BLE001 - any failure is "not ready", reported by type
        return f"error: {type(exc).__name__}"
    return "ok" if problem is None else f"error: {problem}"


def readiness() -> tuple[bool, bool, dict[str, str]]:
    """(ready, degraded, results by check)."""
    results = {name: _run(check) for name, check in {**CRITICAL, **OPTIONAL}.items()}
    ready = all(results[name] == "ok" for name in CRITICAL)
    degraded = any(results[name] != "ok" for name in OPTIONAL)
    return ready, degraded, results
