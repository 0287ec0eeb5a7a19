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

# Certificates: agency managers read their own agency's register; DOST issues,
# revokes, re-issues, reads the province register and edits who signs.
ROLE_PERMISSIONS[Role.AGENCY_MANAGER] += ["certificates.view_agency_register"]
ROLE_PERMISSIONS[Role.DOST_ADMIN] += [
    "certificates.issue_certificate",
    "certificates.revoke_certificate",
    "certificates.view_province_register",
    "certificates.view_agency_register",
    "certificates.view_certificatesigner",
    "certificates.add_certificatesigner",
    "certificates.change_certificatesigner",
]

# Labs: instructors and DOST upload lab bundles in the admin and regrade. DOST sees
# every submission, instructors those of labs used in the programs they teach
# (labs/selectors.can_see_lab_submissions); learners only their own.
_LABS = [
    "labs.view_lab",
    "labs.add_lab",
    "labs.change_lab",
    "labs.add_labbundleversion",
    "labs.view_labbundleversion",
    "labs.view_all_submissions",
    "labs.regrade_submission",
]
ROLE_PERMISSIONS[Role.INSTRUCTOR] += _LABS
ROLE_PERMISSIONS[Role.DOST_ADMIN] += _LABS

# Tracking: DOST sees the province dashboard, sets targets and owns the monthly
# report; agency managers work through accounts.view_agency_officers/manage_agency_roster.
ROLE_PERMISSIONS[Role.DOST_ADMIN] += [
    "tracking.view_province_dashboard",
    "tracking.manage_monthly_report",
    "tracking.view_target",
    "tracking.add_target",
    "tracking.change_target",
    # Keys for the LGSP data-sharing platform's read API (/api/v1/).
    "tracking.view_apitoken",
    "tracking.add_apitoken",
    "tracking.change_apitoken",
]

# Personal data (Law 91/2025): DOST answers officers' correction requests.
ROLE_PERMISSIONS[Role.DOST_ADMIN] += [
    "accounts.view_correctionrequest",
    "accounts.change_correctionrequest",
]


def _permission(dotted: str) -> Permission:
    app_label, codename = dotted.split(".", 1)
    try:
        return Permission.objects.get(
            content_type__app_label=app_label, codename=codename
        )
    except Permission.DoesNotExist as exc:
        raise LookupError(f"Role permission {dotted!r} does not exist.") from exc


def _collection_permissions_sync(group: Group, dotted_names: list[str]) -> None:
    """Wagtail checks documents and images per collection, not by the group's model
    permissions: grant the authoring ones on the root collection (all collections)."""
    from wagtail.models import Collection, GroupCollectionPermission

    # Wagtail's migration makes the root collection; a flushed database lacks it.
    root = Collection.get_first_root_node() or Collection.add_root(name="Root")
    wanted = [
        _permission(name)
        for name in dotted_names
        if name.split(".", 1)[0] in ("wagtaildocs", "wagtailimages")
    ]
    GroupCollectionPermission.objects.filter(group=group, collection=root).exclude(
        permission__in=wanted
    ).delete()
    for permission in wanted:
        GroupCollectionPermission.objects.get_or_create(
            group=group, collection=root, permission=permission
        )


def roles_sync() -> dict[str, Group]:
    """Create the role groups and set exactly the permissions listed above."""
    groups = {}
    for role, dotted_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set([_permission(name) for name in dotted_names])
        _collection_permissions_sync(group, dotted_names)
        groups[role] = group
    return groups


def user_roles(user: object) -> list[Role]:
    names = {group.name for group in user.groups.all()}  # type: ignore[attr-defined]
    return [role for role in Role if role.value in names]
