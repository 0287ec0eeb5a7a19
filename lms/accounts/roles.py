"""The four roles as Django groups, and the permissions each one carries.

Groups are (re)synchronised after every migrate, so adding a permission here and
deploying is enough. A permission named here that no model defines is a bug, and
`roles_sync` raises instead of skipping it silently.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEARNER = "Learner", _("Học viên")
    INSTRUCTOR = "Instructor", _("Giảng viên")
    AGENCY_MANAGER = "Agency manager", _("Quản lý đơn vị")
    DOST_ADMIN = "DOST admin", _("Quản trị Sở KH&CN")


_ADMIN_ACCESS = ["wagtailadmin.access_admin"]
_AUTHORING = [
    "wagtaildocs.add_document",
    "wagtaildocs.change_document",
    "wagtaildocs.choose_document",
    "wagtailimages.add_image",
    "wagtailimages.change_image",
    "wagtailimages.choose_image",
]
_AGENCY = ["accounts.view_agency_officers", "accounts.manage_agency_roster"]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    Role.LEARNER: [],
    Role.INSTRUCTOR: _ADMIN_ACCESS + _AUTHORING,
    Role.AGENCY_MANAGER: _AGENCY,
    Role.DOST_ADMIN: _ADMIN_ACCESS
    + _AUTHORING
    + _AGENCY
    + [
        "accounts.view_province_officers",
        "agencies.view_agency",
        "agencies.add_agency",
        "agencies.change_agency",
    ],
}


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(
            content_type__app_label=app_label, codename=codename
        )
    except Permission.DoesNotExist as exc:
        raise LookupError(f"Role permission {dotted!r} does not exist.") from exc


def roles_sync() -> dict[str, Group]:
    """Create the role groups and set exactly the permissions listed above."""
    groups = {}
    for role, dotted_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(name) for name in dotted_names])
        groups[role] = group
    return groups


def user_roles(user: object) -> list[Role]:
    names = {group.name for group in user.groups.all()}  # type: ignore[attr-defined]
    return [role for role in Role if role.value in names]
