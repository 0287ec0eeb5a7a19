from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class VietnameseFirstMiddleware:
    """Ignore the browser's Accept-Language: the academy speaks Vietnamese unless
    the user chose English with the language switch (a cookie).

    Many officers' browsers are set to English; the interface must not switch for
    them. Placed before LocaleMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.META.pop("HTTP_ACCEPT_LANGUAGE", None)
        return self.get_response(request)


class RejectNulBytesMiddleware:
    """Answer 400 to a query string or form holding a NUL byte.

    PostgreSQL text cannot store NUL, so such input would otherwise end as a 500
    deep inside a query (found by schemathesis on the API).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from django.http import HttpResponseBadRequest, JsonResponse
        from django.template.loader import render_to_string

        raw = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in raw or "\x00" in raw:
            message = "Yêu cầu chứa ký tự không hợp lệ (NUL)."
            if request.path.startswith("/api/"):
                # The API documents input errors as 422 with a JSON detail.
                return JsonResponse({"detail": message}, status=422)
            # Rendered without the request: this runs before sessions and locale.
            return HttpResponseBadRequest(
                render_to_string("400.html", {"message": message})
            )
        return self.get_response(request)
