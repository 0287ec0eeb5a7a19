"""A second factor for the roles that can change what every officer sees.

DOST admins and instructors publish content, issue certificates and read the whole
province's records, so a stolen password alone must not open their accounts
(OWASP ASVS 4.3.1). allauth.mfa does the work: TOTP with recovery codes, and the code
step at login once TOTP is active. This module only decides who must have it and
keeps those users on the activation page until they do.

Whether a user needs a second factor is decided at sign-in and kept in the session,
so learners' requests cost no query; a role granted during a session applies from
the next sign-in (sessions last at most SESSION_COOKIE_AGE).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt, is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.core import checks
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from lms.accounts.models import User

SESSION_KEY = "academy.mfa_required"

# What a user who still has to activate TOTP may reach: the activation flow itself
# (allauth's 2FA pages, the password prompt it may show first, and the e-mail pages
# for the case where allauth asks to confirm the address before activation),
# leaving, the consent notice, the language switch, assets, health checks and the
# API, which authenticates by token and never by this session.
_EXEMPT_PREFIXES = (
    "/accounts/2fa/",
    "/accounts/reauthenticate/",
    "/accounts/email/",
    "/accounts/confirm-email/",
    "/accounts/logout/",
    "/accounts/consent/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
    "/api/",
)


def mfa_required(user: User | AnonymousUser) -> bool:
    """Whether `user` must sign in with a second factor: a member of a role listed
    in settings.MFA_REQUIRED_ROLES, or a superuser while any role requires one."""
    roles = settings.MFA_REQUIRED_ROLES
    if not roles or not user.is_authenticated:
        return False
    return user.is_superuser or user.groups.filter(name__in=roles).exists()


def totp_activate(*, user: User, secret: str) -> Authenticator:
    """Give `user` an authenticator app with a known base32 `secret` (the demo staff,
    tests); people activate their own through allauth's page, which also issues
    recovery codes."""
    authenticator, _created = Authenticator.objects.get_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt(secret)}},
    )
    return authenticator


@checks.register(checks.Tags.security)
def mfa_roles_check(app_configs: object = None, **kwargs: object) -> list[checks.Error]:
    """A misspelt role in MFA_REQUIRED_ROLES would silently exempt that role."""
    from lms.accounts.roles import Role

    unknown = sorted(set(settings.MFA_REQUIRED_ROLES) - set(Role.values))
    if not unknown:
        return []
    return [
        checks.Error(
            f"MFA_REQUIRED_ROLES names unknown roles: {', '.join(unknown)}.",
            hint=f"Use role names from: {', '.join(Role.values)}.",
            id="accounts.E001",
        )
    ]


def mfa_session_mark(
    sender: object, request: HttpRequest | None, user: User, **kwargs: object
) -> None:
    """`user_logged_in` receiver: decide once per session (see the module docstring)."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = mfa_required(user)


def _session_requires_mfa(request: HttpRequest) -> bool:
    required = request.session.get(SESSION_KEY)
    if required is None:  # a session opened before this rule existed
        required = request.session[SESSION_KEY] = mfa_required(request.user)
    return required


def _explain(request: HttpRequest) -> None:
    text = _(
        "Tài khoản của bạn có quyền quản trị nội dung hoặc dữ liệu toàn tỉnh nên phải "
        "bật xác thực hai lớp trước khi tiếp tục: xác nhận lại mật khẩu, quét mã QR "
        "bằng ứng dụng xác thực trên điện thoại (ví dụ Google Authenticator) rồi nhập "
        "mã 6 chữ số mà ứng dụng hiển thị."
    )
    storage = messages.get_messages(request)
    already = any(message.message == text for message in storage)
    storage.used = False  # iterating marked the queued messages as shown
    if not already:
        messages.warning(request, text)


class MFARequiredMiddleware:
    """Send users who need a second factor and have no TOTP to its activation page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_EXEMPT_PREFIXES)
            and _session_requires_mfa(request)
            and not is_mfa_enabled(user, [Authenticator.Type.TOTP])
        ):
            _explain(request)
            return HttpResponseRedirect(reverse("mfa_activate_totp"))
        return self.get_response(request)
