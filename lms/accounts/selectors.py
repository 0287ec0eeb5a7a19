from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from lms.accounts.models import OfficerProfile, SignupRequest, User
from lms.accounts.roles import Role
from lms.agencies.models import Agency


def officer_profile_for(*, user: User) -> OfficerProfile | None:
    return OfficerProfile.objects.select_related("agency").filter(user=user).first()


# --- Self sign-up ---------------------------------------------------------------------
def signup_agency_choices() -> list[tuple[str, list[tuple[int, str]]]]:
    """Agencies an officer may choose at sign-up: those that exist today, grouped by
    kind (departments, provincial units, communes, enterprises)."""
    groups: dict[str, list[tuple[int, str]]] = {}
    for agency in Agency.objects.current().order_by("kind", "name"):
        groups.setdefault(agency.kind, []).append((agency.pk, agency.name))
    return [
        (str(label), groups[kind])
        for kind, label in Agency.Kind.choices
        if kind in groups
    ]


def _pending() -> QuerySet[SignupRequest]:
    # An account the retention job anonymised (left pending for years) is no one's
    # request any more.
    return SignupRequest.objects.filter(
        status=SignupRequest.Status.PENDING,
        user__isnull=False,
        user__anonymised_at__isnull=True,
    )


def signup_requests_pending(*, agency: Agency) -> QuerySet[SignupRequest]:
    """The agency's requests waiting for a decision, oldest first, each with
    `email_verified` (whether the person confirmed their address)."""
    from allauth.account.models import EmailAddress

    verified = EmailAddress.objects.filter(user_id=OuterRef("user_id"), verified=True)
    return (
        _pending()
        .filter(agency=agency)
        .select_related("user")
        .annotate(email_verified=Exists(verified))
        .order_by("created_at", "pk")
    )


def signup_request_pending_count(*, agency: Agency) -> int:
    return _pending().filter(agency=agency).count()


def signup_request_pending_for(*, user: User) -> SignupRequest | None:
    """The user's own request if it still waits (for the sign-in refusal)."""
    return _pending().select_related("agency").filter(user=user).first()


def signup_approvers(*, agency: Agency) -> list[User]:
    """Who is told about a new request: the agency's active managers with an
    e-mail address; when it has none, the DOST admins (who may act on any agency)."""
    people = User.objects.filter(is_active=True).exclude(email="")
    managers = people.filter(
        groups__name=Role.AGENCY_MANAGER, profile__agency=agency
    ).distinct()
    return list(managers) or list(
        people.filter(groups__name=Role.DOST_ADMIN).distinct()
    )


def signup_request_of(*, agency: Agency, request_id: int) -> SignupRequest | None:
    """Request `request_id` if it was made for `agency` (whatever its status)."""
    return SignupRequest.objects.filter(agency=agency, pk=request_id).first()
