from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from lms.health import readiness


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Readiness checks live in /readyz."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database and storage must answer; cache, broker and hub are
    reported ("degraded") without taking the node out (lms/health.py)."""
    ready, degraded, checks = readiness()
    status = "error" if not ready else "degraded" if degraded else "ok"
    return JsonResponse({"status": status, **checks}, status=200 if ready else 503)


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # Django calls this inside its `except` block, wherever the error was raised
    # (a view or a middleware): a lost database is a 503 "under maintenance".
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    # No context processors that touch the database: the error may be the database.
    return render(request, "500.html", status=500, using=None)


DATABASE_UNAVAILABLE = (
    "Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Vui lòng thử lại sau ít phút."
)


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """503 while the database cannot be reached (restart, failover, maintenance).

    Rendered without the request: sessions, users and context processors all need
    the database. Bilingual, like the other error pages.
    """
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {"detail": DATABASE_UNAVAILABLE}, status=503
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response
