from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from lms.accounts.roles import user_roles

_NAV_PERMISSIONS = {
    "dashboard": ("tracking.view_province_dashboard", "accounts.view_agency_officers"),
    "province_register": ("certificates.view_province_register",),
    "agency_register": ("certificates.view_agency_register",),
}


def header_cache_key(user_id: int) -> str:
    return f"academy:header:{user_id}"


def _header_facts(user: object) -> dict[str, object]:
    from lms.accounts.selectors import officer_profile_for

    officer = officer_profile_for(user=user)
    return {
        "header_agency_name": officer.agency.name if officer else "",
        "header_roles": [str(role.label) for role in user_roles(user)],
        "header_nav": {
            name: any(user.has_perm(p) for p in perms)  # type: ignore[attr-defined]
            for name, perms in _NAV_PERMISSIONS.items()
        },
    }


def academy(request: HttpRequest) -> dict[str, object]:
    """Header facts: who is signed in, their agency, roles and menus; and how long
    the rendered header may be reused (templates/includes/header.html)."""
    seconds = settings.HEADER_CACHE_SECONDS
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"header_cache_seconds": seconds}
    facts = getattr(request, "_academy_header", None)
    if facts is None:
        key = f"{header_cache_key(user.pk)}:{request.LANGUAGE_CODE}"
        facts = cache.get(key) if seconds else None
        if facts is None:
            facts = _header_facts(user)
            if seconds:
                cache.set(key, facts, seconds)
        request._academy_header = facts  # type: ignore[attr-defined]
    return {**facts, "header_cache_seconds": seconds}
