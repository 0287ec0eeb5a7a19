from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from lms.health import readiness


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Readiness checks live in /readyz."""
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: database, cache, broker and storage must answer; the hub is reported."""
    ready, checks = readiness()
    return JsonResponse(
        {"status": "ok" if ready else "error", **checks}, status=200 if ready else 503
    )


def page_not_found(
    request: HttpRequest, exception: Exception | None = None
) -> HttpResponse:
    return render(request, "404.html", status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    # No context processors that touch the database: the error may be the database.
    return render(request, "500.html", status=500, using=None)
