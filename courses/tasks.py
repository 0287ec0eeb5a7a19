"""Celery tasks of courses: thin, idempotent wrappers around services."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

DEADLINE_REMINDERS_TASK = "courses.deadline_reminders_send"
PUBLISH_SCHEDULED_TASK = "courses.publish_scheduled"


@shared_task(name=DEADLINE_REMINDERS_TASK)
def deadline_reminders_send() -> int:
    from courses.services import deadline_reminders_send as send

    return send(today=timezone.localdate())


@shared_task(name=PUBLISH_SCHEDULED_TASK)
def publish_scheduled() -> None:
    """Wagtail's scheduled publishing ("go live" / "expiry" dates) only happens when
    its `publish_scheduled` command runs; beat runs it every minute."""
    from django.core.management import call_command

    call_command("publish_scheduled", verbosity=0)
