from __future__ import annotations

from django.http import HttpRequest

from lms.accounts.roles import user_roles


def academy(request: HttpRequest) -> dict[str, object]:
    """Header facts: who is signed in, their agency and roles (one query, cached)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    cached = getattr(request, "_academy_header", None)
    if cached is None:
        from lms.accounts.selectors import officer_profile_for

        officer = officer_profile_for(user=user)
        cached = {
            "header_agency": officer.agency if officer else None,
            "header_roles": [role.label for role in user_roles(user)],
        }
        request._academy_header = cached  # type: ignore[attr-defined]
    return cached
