"""One way in for everybody: the Wagtail and Django admin login forms hand over to
the academy's login.

Both admins ship their own login view, which checks a password without allauth: no
throttling of failed attempts (ACCOUNT_RATE_LIMITS) and no second factor. Their
login URLs are routed here instead (lms/urls.py); every admin page still checks its
own permission after sign-in.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.contrib import admin, messages
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _


def _wagtail_access(request: HttpRequest) -> bool:
    return request.user.has_perm("wagtailadmin.access_admin")


# site -> (its home page, who may enter it)
_SITES: dict[str, tuple[str, Callable[[HttpRequest], bool]]] = {
    "wagtail": ("wagtailadmin_home", _wagtail_access),
    "django": ("admin:index", admin.site.has_permission),
}


def admin_login_redirect(request: HttpRequest, site: str) -> HttpResponseRedirect:
    """Anonymous: to the academy's login, then back. Signed in: on to the admin, or
    home with a message for someone the admin would refuse (it would send them
    straight back here)."""
    home, may_enter = _SITES[site]
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if not url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        next_url = reverse(home)
    if not request.user.is_authenticated:
        query = urlencode({REDIRECT_FIELD_NAME: next_url})
        return HttpResponseRedirect(f"{reverse('account_login')}?{query}")
    if may_enter(request):
        return HttpResponseRedirect(next_url)
    if site == "django":  # Wagtail has already said so before sending them here
        messages.error(
            request, _("Tài khoản của bạn không có quyền vào trang quản trị.")
        )
    return HttpResponseRedirect("/")
