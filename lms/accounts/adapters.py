from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

# The pending page shows which agency the request went to (no user is signed in).
SIGNUP_PENDING_SESSION_KEY = "signup_pending"


class AccountAdapter(DefaultAccountAdapter):
    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_taken": _(
            "Tên đăng nhập này đã có người dùng, vui lòng chọn tên khác."
        ),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # Self sign-up is safe to leave open: the account waits for the chosen
        # agency's manager (lms/accounts/models.SignupRequest).
        return settings.ACCOUNT_SIGNUP_OPEN

    def pre_login(
        self, request: HttpRequest, user: AbstractBaseUser, **kwargs: Any
    ) -> HttpResponse | None:
        # allauth refuses an inactive account before its e-mail-verification step,
        # so a pending sign-up would never get the verification mail: send it here,
        # as configured, so the officer can confirm the address while waiting.
        if not user.is_active and kwargs.get("signup"):
            request._signup_submitted = {  # type: ignore[attr-defined]
                "submitted": True,
                "verification_sent": self._signup_verification_send(
                    request, user, kwargs.get("email_verification")
                ),
            }
        return super().pre_login(request, user, **kwargs)

    def _signup_verification_send(
        self, request: HttpRequest, user: AbstractBaseUser, verification: Any
    ) -> bool:
        from allauth.account.app_settings import EmailVerificationMethod
        from allauth.account.models import EmailAddress

        if verification == EmailVerificationMethod.NONE:
            return False
        address = EmailAddress.objects.filter(
            user=user, primary=True, verified=False
        ).first()
        if address is None or not self.should_send_confirmation_mail(
            request, address, True
        ):
            return False
        address.send_confirmation(request, signup=True)
        return True

    def respond_user_inactive(
        self, request: HttpRequest, user: AbstractBaseUser
    ) -> HttpResponse:
        """A pending sign-up is told it waits for its manager, not "inactive"."""
        from lms.accounts.selectors import signup_request_pending_for

        pending = signup_request_pending_for(user=user)  # type: ignore[arg-type]
        if pending is None:
            return super().respond_user_inactive(request, user)
        request.session[SIGNUP_PENDING_SESSION_KEY] = {
            "agency": pending.agency.name,
            "submitted": False,
            "verification_sent": False,
            **getattr(request, "_signup_submitted", {}),
        }
        return redirect("accounts:signup_pending")

    def get_logout_redirect_url(self, request: HttpRequest) -> str:
        # Why: JupyterHub keeps its own login cookie; without this hop a learner who
        # logs out on a shared computer would leave JupyterLab open to the next person.
        from labs import hub

        if request.session.get(hub.SESSION_OPENED_KEY) and hub.hub_available():
            return hub.logout_url()
        return super().get_logout_redirect_url(request)

    def logout(self, request: HttpRequest) -> None:
        user = request.user
        super().logout(request)
        if user.is_authenticated:
            from labs.hub_services import hub_tokens_revoke

            hub_tokens_revoke(user=user)
