"""Periodic jobs (django-celery-beat rows), (re)written after every migrate."""

from __future__ import annotations

from typing import Any

from django.conf import settings

MONTHLY_REPORT_TASK = "tracking.monthly_report_generate"
STATS_SWEEP_TASK = "tracking.stats_recompute_dirty"
STATS_NIGHTLY_TASK = "tracking.stats_recompute_all"


def monthly_report_day() -> int:
    day = int(getattr(settings, "MONTHLY_REPORT_DAY", 20))
    return min(max(day, 1), 28)


def schedules_ensure() -> None:
    from django_celery_beat.models import (
        CrontabSchedule,
        IntervalSchedule,
        PeriodicTask,
    )

    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0",
        hour="6",
        day_of_month=str(monthly_report_day()),
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name="Báo cáo định kỳ hằng tháng",
        defaults={"task": MONTHLY_REPORT_TASK, "crontab": crontab, "interval": None},
    )
    interval, _ = IntervalSchedule.objects.get_or_create(
        every=30, period=IntervalSchedule.SECONDS
    )
    PeriodicTask.objects.update_or_create(
        name="Cập nhật số liệu tổng hợp",
        defaults={"task": STATS_SWEEP_TASK, "interval": interval, "crontab": None},
    )
    # Why nightly as well: a few writes reach the counted rows without telling
    # tracking (courses' bulk automatic assignment, deleted accounts or courses).
    nightly, _ = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour="1",
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name="Tính lại toàn bộ số liệu tổng hợp",
        defaults={"task": STATS_NIGHTLY_TASK, "crontab": nightly, "interval": None},
    )


def schedules_ensure_after_migrate(**kwargs: Any) -> None:
    schedules_ensure()
