"""Celery tasks: thin, idempotent wrappers that load by id and call a service."""

from __future__ import annotations

import datetime
import logging

from celery import shared_task

from certificates.models import Certificate

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def certificate_issue_task(
    *,
    user_id: int,
    course_id: int | None,
    program_id: int | None,
    score: str | None,
    issued_on: str,
    agency_id: int | None,
) -> int:
    """Issue (or find) the certificate for one completion; safe to run twice."""
    from certificates.services import certificate_issue
    from courses.models import CoursePage, ProgramPage
    from lms.accounts.models import User
    from lms.agencies.models import Agency

    certificate = certificate_issue(
        user=User.objects.get(pk=user_id),
        course=CoursePage.objects.get(pk=course_id) if course_id else None,
        program=ProgramPage.objects.get(pk=program_id) if program_id else None,
        score=score,
        issued_on=datetime.date.fromisoformat(issued_on),
        agency=Agency.objects.filter(pk=agency_id).first() if agency_id else None,
        render=False,
    )
    if not certificate.pdf:
        # Also covers a re-run after a lost render task: render again.
        from certificates.services import certificate_render_enqueue

        certificate_render_enqueue(certificate)
    return certificate.pk


@shared_task(acks_late=True)
def certificate_render_task(certificate_id: int) -> bool:
    """Render and store one certificate's PDF if anything printed changed."""
    from certificates.services import certificate_render

    certificate = Certificate.objects.filter(pk=certificate_id).first()
    if certificate is None:
        logger.warning("certificate %s vanished before rendering", certificate_id)
        return False
    return certificate_render(certificate=certificate)


@shared_task(acks_late=True)
def certificate_batch_task(batch_id: int) -> None:
    """Issue a validated XLSX list (all or nothing), then render its PDFs."""
    from certificates.imports import batch_run

    batch_run(batch_id=batch_id, fan_out=True)


@shared_task(acks_late=True)
def certificate_batch_render_task(batch_id: int, certificate_ids: list[int]) -> int:
    """Render one chunk of a batch's PDFs (see certificates.imports.batch_run)."""
    from certificates.imports import batch_render_chunk

    return batch_render_chunk(batch_id=batch_id, certificate_ids=certificate_ids)


@shared_task(name="certificates.sweep")
def sweep() -> dict[str, int]:
    """Issue and render what a lost message left undone (see certificates.sweeper)."""
    from certificates.sweeper import sweep as run

    return run()
