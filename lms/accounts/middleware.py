from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse

# Paths a user may reach before consenting: the notice itself, leaving, switching
# language, assets, and machine endpoints that carry no page for a person.
_EXEMPT_PREFIXES = (
    "/accounts/consent/",
    "/accounts/logout/",
    "/i18n/",
    "/static/",
    "/media/",
    "/verify/",
    "/o/",
    "/api/",
    "/healthz",
    "/readyz",
)


class ConsentRequiredMiddleware:
    """Send signed-in users to the personal-data notice until they accept its version."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not user.has_current_consent
            and not request.path.startswith(_EXEMPT_PREFIXES)
        ):
            target = reverse("accounts:consent")
            return HttpResponseRedirect(
                f"{target}?{urlencode({'next': request.get_full_path()})}"
            )
        return self.get_response(request)
