"""Every refusal is logged: one structured `lms.security` event per denied request.

Three kinds of refusal, one event name (`access_refused`) with a `status`:

- 401/403: a function the user may not use (`PermissionDenied`, a missing API
  token, a CSRF failure). `RefusalLogMiddleware` logs them from the response; the
  reason is the `PermissionDenied` message when the view gave one.
- 302 to a login page: anonymous on a protected page (`reason="login_required"`),
  or signed in but refused by the Wagtail / Django admin (`no_admin_access`).
  Wagtail turns a permission error inside its admin into a redirect to the admin
  home, which is logged (for GET requests) as `admin_permission`.
- 404 for someone else's object (another agency's officer, another learner's
  submission): the view raises `not_found(request, reason)`, which logs at once;
  the middleware cannot tell that 404 from a mistyped address.

The event carries the user id, method, path, status and a reason made of ids and
permission names only: no names, e-mails, IP addresses, tokens or request bodies.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import cached_property
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, reverse

from lms.logging import security_event

EVENT = "access_refused"
_REASON_MAX = 200


def refusal_log(request: HttpRequest, *, status: int, reason: str) -> None:
    """Log one refusal of `request` (WARNING, so it stands out in the stream)."""
    user = getattr(request, "user", None)
    reason = reason[:_REASON_MAX]
    security_event(
        EVENT,
        level=logging.WARNING,
        message=f"{EVENT} {status} {reason}",
        status=status,
        reason=reason,
        user_id=user.pk if user is not None and user.is_authenticated else None,
        method=request.method,
        path=request.path[:_REASON_MAX],
    )


def not_found(request: HttpRequest, reason: str) -> Http404:
    """A logged 404 for an object the user may not see; `raise not_found(...)`."""
    refusal_log(request, status=404, reason=reason)
    return Http404()


class RefusalLogMiddleware:
    """Log 401/403 responses and redirects to a login page (see module docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        reason = self._reason(request, response)
        if reason:
            refusal_log(request, status=response.status_code, reason=reason)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            request._refusal_reason = str(exception) or "permission_denied"  # type: ignore[attr-defined]

    def _reason(self, request: HttpRequest, response: HttpResponse) -> str | None:
        status = response.status_code
        if status == 403:
            return getattr(request, "_refusal_reason", None) or "forbidden"
        if status == 401:
            return "unauthenticated"
        if status not in (301, 302, 303, 307) or "Location" not in response:
            return None
        target = urlsplit(response["Location"]).path
        authenticated = (
            request.user.is_authenticated if hasattr(request, "user") else False
        )
        if target in self._login_paths and request.path not in self._login_paths:
            return "no_admin_access" if authenticated else "login_required"
        if (
            authenticated
            and request.method == "GET"
            and target == self._admin_home
            and request.path.startswith(self._admin_home)
            and request.path not in self._login_paths | {target}
        ):
            return "admin_permission"
        return None

    @cached_property
    def _login_paths(self) -> frozenset[str]:
        paths = {resolve_url(settings.LOGIN_URL)}
        for name in ("wagtailadmin_login", "admin:login"):
            try:
                paths.add(reverse(name))
            except NoReverseMatch:
                pass
        return frozenset(paths)

    @cached_property
    def _admin_home(self) -> str:
        try:
            return reverse("wagtailadmin_home")
        except NoReverseMatch:
            return "/admin/"
