"""Writes for certificates: issue, render, revoke, re-issue, and the OB 3.0 credential.

Issuing is idempotent (one non-superseded certificate per holder and course or
program) and takes the year's serial from a counter row locked in the same
transaction, so serials are unique and gap-free.  Rendering is separate (a Celery
task): it is slow, it may be repeated, and it only runs when something printed
changed.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import logging
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.template.loader import get_template
from django.urls import reverse
from django.utils import timezone

from certificates import openbadges
from certificates.models import (
    Certificate,
    CertificateEvent,
    CertificateSerialCounter,
    CertificateSigner,
)
from certificates.rendering import (
    DEFAULT_TEMPLATE,
    CertificateData,
    clean_text,
    format_decimal_vi,
    normalise_name,
    pdf_fingerprint,
    render_certificate_pdf,
)
from courses.models import CoursePage, ProgramPage
from lms.accounts.models import OfficerProfile, User
from lms.agencies.models import Agency
from lms.pagecache import pages_changed

logger = logging.getLogger(__name__)

ISSUER_NAME_DEFAULT = "Sở Khoa học và Công nghệ tỉnh Bắc Ninh"


class CertificateError(ValueError):
    """A request the rules refuse; the message is Vietnamese and fit for the user."""


# --------------------------------------------------------------------------
# Configuration (settings read with defaults until they land in lms/settings.py)
# --------------------------------------------------------------------------


def serial_prefix() -> str:
    return getattr(settings, "CERTIFICATE_SERIAL_PREFIX", "BN")


def serial_format(year: int, number: int) -> str:
    return f"{serial_prefix()}-{year}-{number:06d}"


def issuer_name() -> str:
    return getattr(settings, "CERTIFICATE_ISSUER_NAME", ISSUER_NAME_DEFAULT)


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def certificate_verify_url(certificate: Certificate) -> str:
    return site_url(reverse("certificates:verify", args=[certificate.code]))


def issuer_key_path() -> Path:
    default = Path(settings.DATA_DIR) / "openbadges-issuer.pem"
    return Path(getattr(settings, "OPENBADGES_ISSUER_KEY_FILE", default))


@lru_cache(maxsize=4)
def _issuer_key(path: str) -> openbadges.SigningKey:
    return openbadges.load_or_create_issuer_key(path)


def issuer_key() -> openbadges.SigningKey:
    """The OB 3.0 signing key (created on first use; cached per process)."""
    return _issuer_key(str(issuer_key_path()))


# --------------------------------------------------------------------------
# Issuing
# --------------------------------------------------------------------------


def _program_of(course: CoursePage) -> ProgramPage | None:
    return ProgramPage.objects.ancestor_of(course).first()


def _signer_for(program: ProgramPage | None) -> tuple[str, str]:
    signer = None
    if program is not None:
        signer = CertificateSigner.objects.filter(program=program).first()
    if signer is None:
        signer = (
            CertificateSigner.objects.filter(program__isnull=True)
            .order_by("pk")
            .first()
        )
    if signer is not None:
        return signer.name, signer.title
    return (
        getattr(settings, "CERTIFICATE_SIGNER_NAME", ""),
        getattr(settings, "CERTIFICATE_SIGNER_TITLE", "Giám đốc"),
    )


def _score(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        # str() first: a float 8.1 must become 8.1, not 8.0999999...
        score = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError) as exc:
        raise CertificateError("Điểm không phải là số hợp lệ.") from exc
    if not score.is_finite() or score < 0 or score > 1000:
        raise CertificateError("Điểm phải nằm trong khoảng 0 đến 1000.")
    return score


def _holder_agency(user: User | None) -> Agency | None:
    if user is None:
        return None
    profile = OfficerProfile.objects.select_related("agency").filter(user=user).first()
    return profile.agency if profile else None


def _existing(
    *,
    user: User | None,
    course: CoursePage | None,
    program: ProgramPage | None,
    holder_name: str,
    agency: Agency | None,
) -> Certificate | None:
    found = Certificate.objects.exclude(status=Certificate.Status.SUPERSEDED).filter(
        course=course, program=program
    )
    if user is not None:
        found = found.filter(user=user)
    else:
        # People without an account: the same name at the same agency for the
        # same course is taken as the same person (a re-uploaded list).
        found = found.filter(user__isnull=True, holder_name=holder_name, agency=agency)
    return found.first()


def _serial_take(year: int) -> int:
    """Next serial number for `year`; call inside the issuing transaction."""
    CertificateSerialCounter.objects.get_or_create(year=year)
    counter = CertificateSerialCounter.objects.select_for_update().get(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


def certificate_issue(
    *,
    user: User | None = None,
    course: CoursePage | None = None,
    program: ProgramPage | None = None,
    score: Decimal | int | str | None = None,
    issued_on: datetime.date | None = None,
    by: User | None = None,
    agency: Agency | None = None,
    holder_name: str | None = None,
    source: str = Certificate.Source.COMPLETION,
    batch_id: int | None = None,
    render: bool = True,
) -> Certificate:
    """Issue the certificate for a completed course or program; idempotent.

    `agency` is the holder's agency at completion (default: their current one);
    `holder_name` is needed only for people without an account.  Returns the
    existing certificate if there is one (valid or revoked): a duplicate signal
    or a re-run never makes a second one.  With `render`, the PDF is rendered
    by a Celery task after commit.
    """
    if (course is None) == (program is None):
        raise CertificateError("Cần chọn đúng một khóa học hoặc một chương trình.")
    if user is None and not holder_name:
        raise CertificateError("Cần tài khoản hoặc họ và tên người được cấp.")
    try:
        name = normalise_name(holder_name or user.get_full_name())  # type: ignore[union-attr]
    except ValueError as exc:
        raise CertificateError(str(exc)) from exc
    agency = agency or _holder_agency(user)
    issued_on = issued_on or timezone.localdate()
    lookup = {
        "user": user,
        "course": course,
        "program": program,
        "holder_name": name,
        "agency": agency,
    }
    if found := _existing(**lookup):
        return found
    try:
        with transaction.atomic():
            number = _serial_take(issued_on.year)  # serialises issuers
            if found := _existing(**lookup):
                # Lost a race while waiting for the lock: the counter update
                # rolls back with this savepoint, keeping serials gap-free.
                transaction.set_rollback(True)
                return found
            certificate = _certificate_create(
                lookup=lookup,
                number=number,
                issued_on=issued_on,
                score=_score(score),
                source=source,
                batch_id=batch_id,
                by=by,
            )
    except IntegrityError:
        # A concurrent issuer committed between our check and insert (only on
        # databases where the counter lock does not serialise everything).
        if found := _existing(**lookup):
            return found
        raise
    if render:
        certificate_render_enqueue(certificate)
    return certificate


def _certificate_create(
    *,
    lookup: dict[str, Any],
    number: int,
    issued_on: datetime.date,
    score: Decimal | None,
    source: str,
    batch_id: int | None,
    by: User | None,
) -> Certificate:
    course, program = lookup["course"], lookup["program"]
    page = course or program
    signer_program = program or _program_of(course)
    signer_name, signer_title = _signer_for(signer_program)
    hours = Decimal(page.hours).quantize(Decimal("0.1")) if page.hours else None
    agency = lookup["agency"]
    certificate = Certificate.objects.create(
        serial=serial_format(issued_on.year, number),
        year=issued_on.year,
        number=number,
        user=lookup["user"],
        holder_name=lookup["holder_name"],
        agency=agency,
        agency_name=agency.name if agency else "",
        course=course,
        program=program,
        title=clean_text(page.title),
        hours=hours,
        score=score,
        issued_on=issued_on,
        signer_name=signer_name,
        signer_title=signer_title,
        source=source,
        batch_id=batch_id,
        issued_by=by,
    )
    CertificateEvent.objects.create(
        certificate=certificate,
        action=CertificateEvent.Action.ISSUED,
        by=by,
        detail={"serial": certificate.serial, "source": source},
    )
    return certificate


def certificate_issue_on_completion(
    *,
    user: User,
    course: CoursePage | None = None,
    program: ProgramPage | None = None,
    completion: Any,
) -> None:
    """Signal receivers' entry point: enqueue the issue after the completion commits."""
    from certificates.tasks import certificate_issue_task

    completed_at = getattr(completion, "completed_at", None) or timezone.now()
    if isinstance(completed_at, datetime.datetime):
        issued_on = timezone.localdate(completed_at)
    else:
        issued_on = completed_at
    score = getattr(completion, "score", None)
    agency_id = getattr(completion, "agency_id", None)
    if agency_id is None and getattr(completion, "agency", None) is not None:
        agency_id = completion.agency.pk
    kwargs = {
        "user_id": user.pk,
        "course_id": course.pk if course else None,
        "program_id": program.pk if program else None,
        "score": None if score is None else str(score),
        "issued_on": issued_on.isoformat(),
        "agency_id": agency_id,
    }
    transaction.on_commit(lambda: certificate_issue_task.delay(**kwargs), robust=True)


# --------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------


def certificate_data(certificate: Certificate) -> CertificateData:
    """What the PDF prints, from the certificate's snapshot fields."""
    return CertificateData(
        serial=certificate.serial,
        holder_name=certificate.holder_name,
        agency_name=certificate.agency_name,
        title=certificate.title,
        kind=certificate.kind,
        hours=certificate.hours,
        score=certificate.score,
        issued_on=certificate.issued_on,
        signer_name=certificate.signer_name,
        signer_title=certificate.signer_title,
        verify_url=certificate_verify_url(certificate),
        issuer_name=issuer_name(),
        status=certificate.status,
    )


def _template_source() -> str:
    template = get_template(DEFAULT_TEMPLATE)
    return getattr(template, "template", template).source


def _printed(value: object) -> str:
    # Decimal("8") and Decimal("8.0") print the same: hash what is printed.
    return format_decimal_vi(value) if isinstance(value, Decimal) else str(value)


def rendered_inputs_hash(data: CertificateData) -> str:
    """SHA-256 of everything printed plus the template, to skip needless renders."""
    printed = {
        item.name: _printed(getattr(data, item.name))
        for item in dataclasses.fields(data)
        if item.compare  # `status` is carried but never printed
    }
    payload = json.dumps(printed, sort_keys=True) + "\0" + _template_source()
    return hashlib.sha256(payload.encode()).hexdigest()


def certificate_render(*, certificate: Certificate, force: bool = False) -> bool:
    """Render and store the PDF if anything printed changed; returns True if it did.

    Rendering happens outside any transaction (it takes ~50 ms and must not hold
    the database's write lock); the row is then updated only if nobody else
    stored a rendering of the same inputs meanwhile.
    """
    data = certificate_data(certificate)
    inputs = rendered_inputs_hash(data)
    if not force and certificate.rendered_hash == inputs and certificate.pdf:
        return False
    pdf = render_certificate_pdf(data)
    digest = pdf_fingerprint(pdf)
    previous_hash, previous_file = certificate.rendered_hash, certificate.pdf.name
    storage = certificate.pdf.storage
    name = storage.save(
        certificate.pdf.field.generate_filename(certificate, "certificate.pdf"),
        ContentFile(pdf),
    )
    now = timezone.now()
    with transaction.atomic():
        updated = Certificate.objects.filter(
            pk=certificate.pk, rendered_hash=previous_hash
        ).update(pdf=name, pdf_sha256=digest, rendered_hash=inputs, rendered_at=now)
        if updated:
            CertificateEvent.objects.create(
                certificate=certificate,
                action=CertificateEvent.Action.RENDERED,
                detail={"sha256": digest, "size": len(pdf)},
            )
    if not updated:
        storage.delete(name)
        certificate.refresh_from_db()
        return False
    if previous_file and previous_file != name:
        storage.delete(previous_file)
    certificate.pdf.name, certificate.pdf_sha256 = name, digest
    certificate.rendered_hash, certificate.rendered_at = inputs, now
    return True


def certificate_render_enqueue(certificate: Certificate) -> None:
    from certificates.tasks import certificate_render_task

    certificate_id = certificate.pk
    transaction.on_commit(
        lambda: certificate_render_task.delay(certificate_id), robust=True
    )


def certificate_pdf_matches(*, certificate: Certificate, content: bytes) -> bool:
    """Whether `content` is byte for byte a PDF this certificate was issued as.

    Earlier renderings count (a template change re-renders, but the PDF the
    holder downloaded before is still genuine); their fingerprints are in the
    audit log.
    """
    digest = pdf_fingerprint(content)
    if certificate.pdf_sha256 and digest == certificate.pdf_sha256:
        return True
    return certificate.events.filter(
        action=CertificateEvent.Action.RENDERED, detail__sha256=digest
    ).exists()


# --------------------------------------------------------------------------
# Revocation and re-issue
# --------------------------------------------------------------------------


@transaction.atomic
def certificate_revoke(
    *, certificate: Certificate, reason: str, by: User
) -> Certificate:
    """Revoke a valid certificate (audited); the verify page shows it at once."""
    # Cached verify pages must show the new status at once.
    transaction.on_commit(pages_changed)
    reason = clean_text(reason)[:1000]
    if not reason:
        raise CertificateError("Cần nhập lý do thu hồi.")
    locked = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if locked.status != Certificate.Status.VALID:
        raise CertificateError("Chỉ thu hồi được giấy chứng nhận còn hiệu lực.")
    locked.status = Certificate.Status.REVOKED
    locked.status_reason = reason
    locked.status_changed_at = timezone.now()
    locked.save(update_fields=["status", "status_reason", "status_changed_at"])
    CertificateEvent.objects.create(
        certificate=locked,
        action=CertificateEvent.Action.REVOKED,
        by=by,
        detail={"reason": reason},
    )
    logger.info("certificate %s revoked by %s", locked.serial, by.pk)
    return locked


def certificate_reissue(
    *, certificate: Certificate, full_name: str, by: User, render: bool = True
) -> Certificate:
    """Re-issue under a corrected name: a new serial supersedes the old certificate.

    Everything else printed is copied from the old certificate (the agency and
    course as they were at the original issue); the old one stays on record and
    its verify page links to the new one.
    """
    # Cached verify pages must show the new status at once.
    transaction.on_commit(pages_changed)
    try:
        name = normalise_name(full_name)
    except ValueError as exc:
        raise CertificateError(str(exc)) from exc
    today = timezone.localdate()
    with transaction.atomic():
        number = _serial_take(today.year)
        old = Certificate.objects.select_for_update().get(pk=certificate.pk)
        if old.status != Certificate.Status.VALID:
            raise CertificateError("Chỉ cấp lại được giấy chứng nhận còn hiệu lực.")
        now = timezone.now()
        old.status = Certificate.Status.SUPERSEDED
        old.status_reason = f"Cấp lại do điều chỉnh họ và tên: {name}"
        old.status_changed_at = now
        old.save(update_fields=["status", "status_reason", "status_changed_at"])
        new = _reissue_create(old=old, name=name, number=number, day=today, by=by)
        old.superseded_by = new
        old.save(update_fields=["superseded_by"])
        CertificateEvent.objects.create(
            certificate=old,
            action=CertificateEvent.Action.SUPERSEDED,
            by=by,
            detail={"by_serial": new.serial, "old_name": old.holder_name},
        )
    if render:
        certificate_render_enqueue(new)
    return new


def _reissue_create(
    *, old: Certificate, name: str, number: int, day: datetime.date, by: User
) -> Certificate:
    copied = {
        field: getattr(old, field)
        for field in (
            "user_id",
            "agency_id",
            "agency_name",
            "course_id",
            "program_id",
            "title",
            "hours",
            "score",
            "signer_name",
            "signer_title",
        )
    }
    new = Certificate.objects.create(
        **copied,
        serial=serial_format(day.year, number),
        year=day.year,
        number=number,
        holder_name=name,
        issued_on=day,
        source=Certificate.Source.REISSUE,
        issued_by=by,
    )
    CertificateEvent.objects.create(
        certificate=new,
        action=CertificateEvent.Action.REISSUED,
        by=by,
        detail={"serial": new.serial, "replaces": old.serial},
    )
    return new


# --------------------------------------------------------------------------
# Open Badges 3.0
# --------------------------------------------------------------------------


def issuer_profile() -> openbadges.IssuerInfo:
    return {
        "id": site_url(reverse("certificates:issuer")),
        "name": issuer_name(),
        "url": settings.SITE_URL,
    }


def issuer_kid() -> str:
    return site_url(reverse("certificates:issuer_key"))


def _first_award(certificate: Certificate) -> Certificate:
    # Follow re-issues back to the original award (bounded: history is short).
    current = certificate
    for _step in range(50):
        previous = Certificate.objects.filter(superseded_by=current).first()
        if previous is None:
            break
        current = previous
    return current


def certificate_credential_jwt(*, certificate: Certificate) -> str:
    """The certificate as a signed OB 3.0 credential (VC-JWT); valid ones only."""
    if certificate.status != Certificate.Status.VALID:
        raise CertificateError("Chỉ cấp huy hiệu số cho giấy chứng nhận còn hiệu lực.")
    page = certificate.course or certificate.program
    kind_label = "khóa học" if certificate.course_id else "chương trình đào tạo"
    achievement: openbadges.AchievementInfo = {
        # A stable URI for the course/program itself (page URLs change with slugs).
        "id": f"urn:bn-academy:{certificate.kind}:{page.pk}",
        "name": certificate.title,
        "description": f"Hoàn thành {kind_label} {certificate.title}.",
        "criteria": f"Hoàn thành {kind_label} trên Học viện Dữ liệu tỉnh Bắc Ninh.",
        "hours": certificate.hours,
        "achievement_type": "Course" if certificate.course_id else "LearningProgram",
    }
    credential = openbadges.build_credential(
        credential_id=certificate_verify_url(certificate),
        issuer=issuer_profile(),
        holder_name=certificate.holder_name,
        achievement=achievement,
        issued_on=certificate.created_at,
        awarded_on=_first_award(certificate).created_at,
        status_url=site_url(reverse("certificates:revocations")),
    )
    return openbadges.sign_credential(
        credential, private_key_pem=issuer_key(), kid=issuer_kid()
    )
