"""factory_boy factories shared by every app's tests."""

from __future__ import annotations

import time

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


# The authenticator-app secret of every test user who needs a second factor.
TEST_TOTP_SECRET = "MRQXIYJNMFRWCZDFNV4S25DFON2GS3TH"


def totp_code(secret: str = TEST_TOTP_SECRET) -> str:
    """The code an authenticator app with `secret` shows now (allauth's own HOTP)."""
    from allauth.mfa import app_settings
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    step = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, step))


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

    @factory.post_generation
    def totp(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        """Users whose role requires a second factor get an authenticator app with
        TEST_TOTP_SECRET, as they would have in production; `totp=False` leaves it
        out (a user who has not activated it yet)."""
        from lms.accounts.mfa import mfa_required, totp_activate

        if create and extracted is not False and mfa_required(self):
            totp_activate(user=self, secret=TEST_TOTP_SECRET)


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


__all__ = [
    "TEST_TOTP_SECRET",
    "AgencyFactory",
    "Group",
    "OfficerProfileFactory",
    "UserFactory",
    "officer",
    "totp_code",
]
