"""Signal receivers: completions credit requirements; profile changes re-apply
targets; course completions and officer moves refresh the overdue roll-ups.

Connected in `TrackingConfig.ready`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from courses.signals import course_completed, program_completed
from lms.accounts.models import OfficerProfile
from lms.tracking import learning, services
from lms.tracking.stats import agency_stats_mark_dirty

_pending: contextvars.ContextVar[set[int] | None] = contextvars.ContextVar(
    "tracking_officer_sync_deferred", default=None
)


@contextmanager
def officer_sync_deferred() -> Iterator[set[int]]:
    """During a bulk write (roster import), sync each officer once at the end."""
    pending: set[int] = set()
    token = _pending.set(pending)
    try:
        yield pending
    finally:
        _pending.reset(token)
    ids = sorted(pending)
    for start in range(0, len(ids), 500):
        services.requirements_sync(user_ids=ids[start : start + 500])


@receiver(pre_save, sender=OfficerProfile, dispatch_uid="tracking_profile_moving")
def profile_moving(sender: Any, instance: OfficerProfile, **kwargs: Any) -> None:
    """An officer leaving an agency takes their open course assignments along: the
    agency they leave must be recomputed too (the new one is, by the sync)."""
    fields = kwargs.get("update_fields")
    if kwargs.get("raw") or instance.pk is None or (fields and "agency" not in fields):
        return
    before = (
        OfficerProfile.objects.filter(pk=instance.pk)
        .values_list("agency_id", flat=True)
        .first()
    )
    if before != instance.agency_id:
        agency_stats_mark_dirty(agency_ids=[before])


@receiver(post_save, sender=OfficerProfile, dispatch_uid="tracking_profile_saved")
def profile_saved(sender: Any, instance: OfficerProfile, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    pending = _pending.get()
    if pending is not None:
        pending.add(instance.user_id)
        return
    services.requirements_sync(user_ids=[instance.user_id])


@receiver(program_completed, dispatch_uid="tracking_program_completed")
def on_program_completed(
    sender: Any, user: Any, program: Any, completion: Any, **kwargs: Any
) -> None:
    services.requirement_complete(
        user=user,
        program=program,
        completed_at=getattr(completion, "completed_at", None) or _now(),
        agency_id=learning.completion_agency_id(completion),
    )


@receiver(course_completed, dispatch_uid="tracking_course_completed")
def on_course_completed(
    sender: Any, user: Any, course: Any, completion: Any, **kwargs: Any
) -> None:
    """A completed course assignment is no longer open (nor overdue)."""
    if learning.is_assignment(user=user, course=course):
        agency_id = (
            OfficerProfile.objects.filter(user=user)
            .values_list("agency_id", flat=True)
            .first()
        )
        agency_stats_mark_dirty(agency_ids=[agency_id])


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
