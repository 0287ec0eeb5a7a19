"""Celery tasks of courses: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

DEADLINE_REMINDERS_TASK = "courses.deadline_reminders_send"


@shared_task(name=DEADLINE_REMINDERS_TASK)
def deadline_reminders_send() -> int:
    from courses.services import deadline_reminders_send as send

    return send(today=timezone.localdate())
