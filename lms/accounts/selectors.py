from __future__ import annotations

from lms.accounts.models import OfficerProfile, User


def officer_profile_for(*, user: User) -> OfficerProfile | None:
    return OfficerProfile.objects.select_related("agency").filter(user=user).first()
