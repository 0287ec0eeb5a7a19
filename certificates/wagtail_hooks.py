"""Wagtail admin: who signs each program's certificates, and links to the registers."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from certificates.models import CertificateSigner


class CertificateSignerViewSet(SnippetViewSet):
    model = CertificateSigner
    icon = "user"
    menu_label = _("Người ký giấy chứng nhận")
    add_to_admin_menu = False
    list_display = ["name", "title", "program"]
    panels = ["program", "name", "title"]


register_snippet(CertificateSignerViewSet)


class _PermissionMenuItem(MenuItem):
    def __init__(self, *args: object, permission: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.permission = permission

    def is_shown(self, request: object) -> bool:
        return request.user.has_perm(self.permission)  # type: ignore[attr-defined]


@hooks.register("register_admin_menu_item")
def certificate_register_menu_item() -> MenuItem:
    return _PermissionMenuItem(
        _("Sổ giấy chứng nhận"),
        reverse("certificates:province"),
        icon_name="doc-full",
        order=900,
        permission="certificates.view_province_register",
    )
