"""Thin Celery tasks: take ids, load, call the service. All idempotent."""

from __future__ import annotations

import datetime

from celery import shared_task

from lms.tracking.schedules import (
    MONTHLY_REPORT_TASK,
    STATS_NIGHTLY_TASK,
    STATS_SWEEP_TASK,
)


@shared_task(name=STATS_SWEEP_TASK)
def stats_recompute_dirty() -> int:
    from lms.tracking.stats import agency_stats_recompute_dirty

    return agency_stats_recompute_dirty()


@shared_task(name=STATS_NIGHTLY_TASK)
def stats_recompute_all() -> int:
    from lms.tracking.stats import agency_stats_recompute_all

    return agency_stats_recompute_all()


@shared_task(name="tracking.roster_import_process")
def roster_import_process(roster_import_id: int, commit: bool) -> str:
    from lms.tracking.models import RosterImport
    from lms.tracking.rosters import roster_import_process as process

    roster_import = RosterImport.objects.filter(pk=roster_import_id).first()
    if roster_import is None:
        return "missing"
    return process(roster_import=roster_import, commit=commit).status


@shared_task(name=MONTHLY_REPORT_TASK)
def monthly_report_generate(month: str | None = None) -> str:
    """Beat runs this on the report day for the current month; a sent report is kept."""
    from django.utils import timezone

    from lms.tracking.reports import ReportAlreadySent
    from lms.tracking.reports import monthly_report_generate as gen

    day = datetime.date.fromisoformat(month + "-01") if month else timezone.localdate()
    try:
        return gen(month=day).month.isoformat()
    except ReportAlreadySent:
        return "already-sent"


@shared_task(name="tracking.overdue_reminders_send")
def overdue_reminders_send(agency_id: int, sent_by_id: int) -> int:
    from lms.accounts.models import User
    from lms.agencies.models import Agency
    from lms.tracking.services import overdue_reminders_send as send

    agency = Agency.objects.filter(pk=agency_id).first()
    sent_by = User.objects.filter(pk=sent_by_id).first()
    if agency is None or sent_by is None:
        return 0
    return send(agency=agency, sent_by=sent_by)
