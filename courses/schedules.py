"""Beat rows of courses, (re)written after migrate: the daily reminder job and the
minute-by-minute scheduled publishing of pages."""

from __future__ import annotations

from typing import Any

from django.conf import settings

REMINDERS_NAME = "Nhắc hạn hoàn thành khóa học"
PUBLISH_NAME = "Xuất bản nội dung theo lịch"


def schedules_ensure() -> None:
    from django_celery_beat.models import (
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
    )

    from courses.tasks import DEADLINE_REMINDERS_TASK, PUBLISH_SCHEDULED_TASK

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour=str(getattr(settings, "COURSE_REMINDERS_HOUR", 7)),
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=REMINDERS_NAME,
        defaults={
            "task": DEADLINE_REMINDERS_TASK,
            "crontab": crontab,
            "interval": None,
        },
    )
    minute, _ = IntervalSchedule.objects.get_or_create(
        every=60, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        name=PUBLISH_NAME,
        defaults={"task": PUBLISH_SCHEDULED_TASK, "interval": minute, "crontab": None},
    )


def schedules_ensure_after_migrate(**kwargs: Any) -> None:
    schedules_ensure()
