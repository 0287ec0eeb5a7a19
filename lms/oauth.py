"""The academy as JupyterHub's identity provider: the OAuth userinfo endpoint.

JupyterHub's GenericOAuthenticator calls `/api/me/` with the access token it got
from django-oauth-toolkit and takes the hub username and groups from the answer.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.text import slugify
from django.views.decorators.http import require_GET
from oauth2_provider.decorators import protected_resource

from lms.accounts.roles import user_roles
from lms.accounts.selectors import officer_profile_for

# The OAuth application `hub_register` creates for JupyterHub.
HUB_CLIENT_ID = "jupyterhub"


def hub_username(user: object) -> str:
    """The learner's name on the hub: JupyterHub lower-cases usernames itself, so
    the academy uses the same form everywhere (URLs, API calls, userinfo)."""
    return user.get_username().lower()  # type: ignore[attr-defined]


def hub_groups(user: object) -> list[str]:
    """Academy roles as hub group names without spaces: learner, dost-admin, ..."""
    return sorted(slugify(role.value) for role in user_roles(user))


@require_GET
@protected_resource(scopes=["read"])
def userinfo(request: HttpRequest) -> JsonResponse:
    user = request.resource_owner
    officer = officer_profile_for(user=user)
    agency = officer.agency if officer else None
    return JsonResponse(
        {
            "username": hub_username(user),
            "name": user.get_full_name(),
            "email": user.email,
            "agency": {"code": agency.code, "name": agency.name} if agency else None,
            "groups": hub_groups(user),
        }
    )
