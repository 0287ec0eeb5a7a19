"""Writes for accounts: consent, profile, agency moves, role assignment."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from lms.accounts.models import AgencyMembership, ConsentRecord, OfficerProfile, User
from lms.accounts.roles import Role
from lms.agencies.models import Agency


class ConsentRequired(Exception):
    """Personal data may not be stored before the user accepted the current notice."""


@transaction.atomic
def consent_record(*, user: User, version: str | None = None) -> ConsentRecord:
    version = version or settings.PERSONAL_DATA_CONSENT_VERSION
    record, _created = ConsentRecord.objects.get_or_create(user=user, version=version)
    if user.consent_version != version:
        user.consent_version = version
        user.save(update_fields=["consent_version"])
    return record


def _ensure_consent(user: User) -> None:
    if not user.has_current_consent:
        raise ConsentRequired(
            "Bạn cần đồng ý với thông báo xử lý dữ liệu cá nhân trước khi lưu hồ sơ."
        )


@transaction.atomic
def officer_move(*, user: User, agency: Agency) -> AgencyMembership:
    """Close the officer's open membership and open one at `agency`."""
    now = timezone.now()
    current = AgencyMembership.objects.filter(user=user, ended_at__isnull=True).first()
    if current and current.agency_id == agency.pk:
        return current
    if current:
        current.ended_at = now
        current.save(update_fields=["ended_at"])
    OfficerProfile.objects.update_or_create(user=user, defaults={"agency": agency})
    return AgencyMembership.objects.create(user=user, agency=agency, started_at=now)


@transaction.atomic
def profile_update(
    *,
    user: User,
    full_name: str,
    position: str,
    agency: Agency | None = None,
    require_consent: bool = True,
) -> OfficerProfile:
    """Save an officer's own profile. `require_consent=False` is for roster imports
    by the agency, which process staff data under their own legal basis."""
    if require_consent:
        _ensure_consent(user)
    user.full_name = full_name
    user.save(update_fields=["full_name"])
    profile, _created = OfficerProfile.objects.update_or_create(
        user=user, defaults={"position": position}
    )
    if agency is not None and profile.agency_id != agency.pk:
        officer_move(user=user, agency=agency)
        profile.refresh_from_db()
    return profile


def role_grant(*, user: User, role: Role) -> None:
    user.groups.add(Group.objects.get(name=role))
    if role in (Role.INSTRUCTOR, Role.DOST_ADMIN) and not user.is_staff:
        # Wagtail admin needs staff status besides its access_admin permission.
        user.is_staff = True
        user.save(update_fields=["is_staff"])
