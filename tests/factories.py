"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import factory
from django.conf import settings
from django.contrib.auth.models import Group

from lms.accounts.models import OfficerProfile, User
from lms.agencies.models import Agency


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"TEST-{n:04d}")
    name = factory.Sequence(lambda n: f"UBND Xã Thử nghiệm {n}")
    kind = Agency.Kind.COMMUNE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"canbo{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    full_name = factory.Sequence(lambda n: f"Nguyễn Văn Thử {n}")
    consent_version = factory.LazyFunction(
        lambda: settings.PERSONAL_DATA_CONSENT_VERSION
    )
    password = factory.PostGenerationMethodCall("set_password", "matkhau-thu-nghiem")

    @factory.post_generation
    def roles(
        self, create: bool, extracted: list[str] | None, **kwargs: object
    ) -> None:
        if create and extracted:
            from lms.accounts.roles import Role
            from lms.accounts.services import role_grant

            for role in extracted:
                role_grant(user=self, role=Role(role))
        if create:
            self.save()


class OfficerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = OfficerProfile

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    position = "Công chức"


def officer(
    *, agency: Agency | None = None, roles: list[str] | None = None, **kw
) -> User:
    """A user with a profile at `agency` (a new agency when omitted)."""
    user = UserFactory(roles=roles or [], **kw)
    OfficerProfileFactory(user=user, agency=agency or AgencyFactory())
    return user


__all__ = ["AgencyFactory", "Group", "OfficerProfileFactory", "UserFactory", "officer"]
