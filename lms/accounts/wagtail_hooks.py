"""Wagtail admin: a menu entry to the officers' correction requests (handled in the
Django admin, where marking one done applies the change), and access logging of
the Wagtail user edit page (Law 91/2025)."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from lms.accounts.models import User
from lms.accounts.privacy import personal_data_access_record


class _CorrectionsMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return request.user.has_perm("accounts.change_correctionrequest")


@hooks.register("register_admin_menu_item")
def correction_requests_menu_item() -> MenuItem:
    return _CorrectionsMenuItem(
        _("Đề nghị đính chính dữ liệu"),
        reverse("admin:accounts_correctionrequest_changelist") + "?status__exact=open",
        icon_name="user",
        order=910,
    )


@hooks.register("before_edit_user")
def user_edit_access_log(request: HttpRequest, user: User) -> None:
    # Runs after Wagtail's permission check, so only allowed reads are logged.
    if request.method == "GET":
        personal_data_access_record(
            user=request.user,
            action="admin_user_view",
            description=f"Tài khoản #{user.pk} (quản trị Wagtail)",
            subjects=[user],
        )
