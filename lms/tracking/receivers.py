"""Signal receivers: completions credit requirements; profile changes re-apply targets.

Connected in `TrackingConfig.ready`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver

from courses.signals import program_completed
from lms.accounts.models import OfficerProfile
from lms.tracking import learning, services

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


def _now() -> Any:
    from django.utils import timezone

    return timezone.now()
