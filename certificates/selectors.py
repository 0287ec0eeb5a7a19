"""Scoped reads for certificates: public lookups, the holder's list, the registers."""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from certificates.models import Certificate
from lms.accounts.models import OfficerProfile, User
from lms.agencies.models import Agency

# A canonical UUID, with or without hyphens: anything else is malformed and is
# rejected before it reaches the database (no 10 KB strings in a query).
_CODE_RE = re.compile(r"^[0-9a-fA-F]{8}-?(?:[0-9a-fA-F]{4}-?){3}[0-9a-fA-F]{12}$")
_SERIAL_RE = re.compile(r"^[A-Z]{1,8}-\d{4}-\d{1,9}$")

REGISTER_RELATED = ("agency", "course", "program", "superseded_by")


class MalformedCode(ValueError):
    """The string cannot be a certificate code."""


def code_parse(raw: str) -> uuid.UUID:
    if len(raw) > 36 or not _CODE_RE.match(raw):
        raise MalformedCode(raw[:40])
    return uuid.UUID(raw)


def certificate_by_code(
    *, code: str, related: tuple[str, ...] = ("superseded_by",)
) -> Certificate | None:
    """The certificate with this public code, or None; raises MalformedCode.

    The public pages show only what the certificate itself recorded at issue
    (title, hours, agency name), so by default the course and program pages (two
    wide Wagtail rows each) are not joined. Codes are unique: no ORDER BY, which
    Django would otherwise compare against every selected column."""
    parsed = code_parse(code)
    found = list(
        Certificate.objects.select_related(*related).filter(code=parsed).order_by()[:1]
    )
    return found[0] if found else None


def serial_normalise(raw: str) -> str | None:
    serial = raw.strip().upper()
    if len(serial) > 32 or not _SERIAL_RE.match(serial):
        return None
    return serial


def certificate_by_serial(*, serial: str) -> Certificate | None:
    normalised = serial_normalise(serial)
    if normalised is None:
        return None
    found = list(Certificate.objects.filter(serial=normalised).order_by()[:1])
    return found[0] if found else None


def certificates_of_holder(*, user: User) -> QuerySet[Certificate]:
    """A holder's certificates, newest first (superseded ones included, marked)."""
    return Certificate.objects.filter(user=user).select_related(*REGISTER_RELATED)


def revoked_certificates() -> QuerySet[Certificate]:
    return Certificate.objects.filter(status=Certificate.Status.REVOKED).order_by(
        "status_changed_at", "pk"
    )


def agency_of(*, user: User) -> Agency | None:
    profile = OfficerProfile.objects.select_related("agency").filter(user=user).first()
    return profile.agency if profile else None


@dataclass(frozen=True)
class RegisterFilter:
    agency: Agency | None = None
    course_id: int | None = None
    program_id: int | None = None
    status: str | None = None
    issued_from: datetime.date | None = None
    issued_to: datetime.date | None = None
    query: str = ""


def certificates_register(*, filters: RegisterFilter) -> QuerySet[Certificate]:
    """The register (province-wide unless `filters.agency`), filtered."""
    found = Certificate.objects.select_related(*REGISTER_RELATED).order_by(
        "-issued_on", "-year", "-number"
    )
    if filters.agency is not None:
        found = found.filter(agency=filters.agency)
    if filters.course_id:
        found = found.filter(course_id=filters.course_id)
    if filters.program_id:
        found = found.filter(program_id=filters.program_id)
    if filters.status:
        found = found.filter(status=filters.status)
    if filters.issued_from:
        found = found.filter(issued_on__gte=filters.issued_from)
    if filters.issued_to:
        found = found.filter(issued_on__lte=filters.issued_to)
    if filters.query:
        found = found.filter(
            Q(holder_name__icontains=filters.query)
            | Q(serial__iexact=filters.query.strip())
        )
    return found
