"""Catch-up for work whose Celery message never left: a completion committed while
the broker was down has no certificate, an issued certificate has no PDF, a list
upload stays pending. Beat runs `sweep` every few minutes; every step is idempotent.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import Exists, OuterRef
from django.utils import timezone

from certificates.models import Certificate, CertificateBatch

logger = logging.getLogger(__name__)

SWEEP_TASK = "certificates.sweep"
SWEEP_NAME = "Cấp bù giấy chứng nhận bị lỡ"
# Older than this, a missing certificate or PDF is no longer "still on its way".
GRACE = datetime.timedelta(minutes=5)
BATCH_SIZE = 500


def _missing_for(completions, field: str):  # noqa: ANN001, ANN202 - two querysets
    has_certificate = Certificate.objects.filter(
        user=OuterRef("user"), **{field: OuterRef(field)}
    )
    cutoff = timezone.now() - GRACE
    return (
        completions.filter(completed_at__lt=cutoff)
        .exclude(Exists(has_certificate))
        .select_related("user", field, "agency")
        .order_by("completed_at")[:BATCH_SIZE]
    )


def missing_certificates_issue() -> int:
    """Issue the certificates of completions that have none; returns how many."""
    from certificates.services import CertificateError, certificate_issue
    from courses.models import CourseCompletion, ProgramCompletion

    issued = 0
    for completions, field in (
        (CourseCompletion.objects.all(), "course"),
        (ProgramCompletion.objects.all(), "program"),
    ):
        for completion in _missing_for(completions, field):
            try:
                certificate_issue(
                    user=completion.user,
                    agency=completion.agency,
                    issued_on=timezone.localdate(completion.completed_at),
                    score=getattr(completion, "score", None),
                    **{field: getattr(completion, field)},
                )
            except CertificateError as exc:
                logger.warning(
                    "certificate for %s %s of user %s not issued: %s",
                    field,
                    getattr(completion, f"{field}_id"),
                    completion.user_id,
                    exc,
                )
                continue
            issued += 1
    return issued


def missing_pdfs_enqueue() -> int:
    from certificates.services import certificate_render_enqueue

    cutoff = timezone.now() - GRACE
    waiting = Certificate.objects.filter(pdf="", created_at__lt=cutoff).exclude(
        status=Certificate.Status.SUPERSEDED
    )[:BATCH_SIZE]
    count = 0
    for certificate in waiting:
        certificate_render_enqueue(certificate)
        count += 1
    return count


def stuck_batches_enqueue() -> int:
    from certificates.tasks import certificate_batch_task

    cutoff = timezone.now() - GRACE
    stuck = CertificateBatch.objects.filter(
        status=CertificateBatch.Status.PENDING, created_at__lt=cutoff
    )
    count = 0
    for batch in stuck:
        certificate_batch_task.delay(batch.pk)
        count += 1
    return count


def sweep() -> dict[str, int]:
    return {
        "issued": missing_certificates_issue(),
        "renders": missing_pdfs_enqueue(),
        "batches": stuck_batches_enqueue(),
    }


def schedule_ensure(**_kwargs: object) -> None:
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _ = IntervalSchedule.objects.get_or_create(
        every=getattr(settings, "CERTIFICATE_SWEEP_SECONDS", 300),
        period=IntervalSchedule.SECONDS,
    )
    PeriodicTask.objects.update_or_create(
        name=SWEEP_NAME,
        defaults={"task": SWEEP_TASK, "interval": every, "crontab": None},
    )
