"""Retention (Law 91/2025: personal data is kept no longer than its purpose needs).

`expired_data_purge` removes, each by its own period in settings (0 = keep):
access-log entries, expired sessions, handled correction requests, the notebook
files of old lab submissions (scores and feedback stay), uploaded roster and
certificate-batch files, and it anonymises accounts deactivated long ago. An
anonymised account keeps its row, completions, requirements and certificates, so
agency statistics and issued certificates do not change; only what identifies the
person (username, name, e-mail, password, sign-in records) is replaced or deleted.

Safe to run twice: every step selects only what is still there to remove.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Replace
from django.utils import timezone

from lms.accounts.models import CorrectionRequest, User
from lms.tracking.models import AccessLog

logger = logging.getLogger(__name__)

PURGE_TASK = "accounts.expired_data_purge"
PURGE_SCHEDULE_NAME = "Xóa dữ liệu cá nhân hết thời hạn lưu trữ"
BATCH = 2000
DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def _cutoff(now: datetime.datetime, setting: str) -> datetime.datetime | None:
    days = int(getattr(settings, setting))
    return None if days <= 0 else now - datetime.timedelta(days=days)


def expired_data_purge(
    *, now: datetime.datetime | None = None, dry_run: bool = False
) -> dict[str, int]:
    """Remove what is past its retention period; returns how many of each (with
    `dry_run`, how many would be, and nothing changes)."""
    now = now or timezone.now()
    steps: list[tuple[str, str | None, Callable[..., int]]] = [
        ("access_logs", "ACCESS_LOG_RETENTION_DAYS", _access_logs),
        ("sessions", None, _sessions),
        ("correction_requests", "CORRECTION_REQUEST_RETENTION_DAYS", _corrections),
        ("lab_files", "LAB_FILE_RETENTION_DAYS", _lab_files),
        ("upload_files", "UPLOAD_FILE_RETENTION_DAYS", _upload_files),
        ("accounts_anonymised", "DEACTIVATED_ACCOUNT_RETENTION_DAYS", _accounts),
    ]
    counts = {}
    for name, setting, step in steps:
        cutoff = _cutoff(now, setting) if setting else now
        counts[name] = 0 if cutoff is None else step(cutoff, dry_run)
    if not dry_run:
        logger.info("Retention purge: %s", counts)
    return counts


def _batched_delete(queryset: QuerySet, dry_run: bool) -> int:
    """Delete in primary-key batches so a year of rows never sits in memory."""
    if dry_run:
        return queryset.count()
    total = 0
    while ids := list(queryset.values_list("pk", flat=True)[:BATCH]):
        _deleted, per_model = queryset.model.objects.filter(pk__in=ids).delete()
        total += per_model.get(queryset.model._meta.label, 0)
        if len(ids) < BATCH:
            break
    return total


def _access_logs(cutoff: datetime.datetime, dry_run: bool) -> int:
    return _batched_delete(AccessLog.objects.filter(created_at__lt=cutoff), dry_run)


def _sessions(now: datetime.datetime, dry_run: bool) -> int:
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        return 0  # cache and cookie sessions expire by themselves
    from django.contrib.sessions.models import Session

    return _batched_delete(Session.objects.filter(expire_date__lt=now), dry_run)


def _corrections(cutoff: datetime.datetime, dry_run: bool) -> int:
    handled = CorrectionRequest.objects.exclude(status=CorrectionRequest.Status.OPEN)
    return _batched_delete(handled.filter(handled_at__lt=cutoff), dry_run)


def _files_clear(
    queryset: QuerySet, fields: list[str], dry_run: bool, **also: Any
) -> int:
    """Delete the stored files named in `fields` of every row, then blank them.
    The file goes first: a crash in between leaves a name the next run clears,
    never an unreferenced file nobody would delete."""
    has_file = Q()
    for field in fields:
        has_file |= ~Q(**{field: ""})
    rows = queryset.filter(has_file)
    if dry_run:
        return rows.count()
    count = 0
    # Batches of a fresh query, not one open cursor: each cleared row drops out.
    while batch := list(rows.only("pk", *fields).order_by("pk")[:BATCH]):
        for row in batch:
            for field in fields:
                file = getattr(row, field)
                if file:
                    file.storage.delete(file.name)
            queryset.model.objects.filter(pk=row.pk).update(
                **dict.fromkeys(fields, ""), **also
            )
        count += len(batch)
        if len(batch) < BATCH:
            break
    return count


def _lab_files(cutoff: datetime.datetime, dry_run: bool) -> int:
    from labs.models import Submission

    finished = Submission.objects.filter(
        created_at__lt=cutoff,
        status__in=[Submission.Status.GRADED, Submission.Status.ERROR],
    )
    return _files_clear(finished, ["notebook", "executed_html"], dry_run)


def _upload_files(cutoff: datetime.datetime, dry_run: bool) -> int:
    """Uploaded rosters and certificate lists name many officers; once processed,
    the rows they created are the record."""
    from certificates.models import CertificateBatch
    from lms.tracking.models import RosterImport

    Roster = RosterImport.Status
    rosters = RosterImport.objects.filter(
        created_at__lt=cutoff, status__in=[Roster.DONE, Roster.INVALID, Roster.FAILED]
    )
    batches = CertificateBatch.objects.filter(
        created_at__lt=cutoff,
        status__in=[CertificateBatch.Status.DONE, CertificateBatch.Status.FAILED],
    )
    # Their row-level error messages quote names and e-mails from the file.
    return _files_clear(rosters, ["file"], dry_run, errors=[]) + _files_clear(
        batches, ["file"], dry_run, errors=[]
    )


def _accounts(cutoff: datetime.datetime, dry_run: bool) -> int:
    expired = User.objects.filter(
        is_active=False, deactivated_at__lt=cutoff, anonymised_at__isnull=True
    )
    if dry_run:
        return expired.count()
    count = 0
    while batch := list(expired.order_by("pk")[:BATCH]):
        for user in batch:
            user_anonymise(user=user)
        count += len(batch)
        if len(batch) < BATCH:
            break
    return count


# --- Anonymising one account ----------------------------------------------------------
def pseudonym(user: User) -> str:
    # "~" is refused by Django's username validator, so no real account can hold it.
    return f"~an-danh-{user.pk}"


@transaction.atomic
def user_anonymise(*, user: User) -> User:
    """Replace what identifies a deactivated officer and delete their sign-in data.
    Completions, requirements, memberships, submissions' scores and certificates
    stay, tied to the pseudonymous account."""
    old_username = user.username
    user.username = pseudonym(user)
    user.full_name = f"Cán bộ ẩn danh {user.pk}"
    user.first_name = user.last_name = user.email = ""
    user.is_active = user.is_staff = user.is_superuser = False
    user.set_unusable_password()
    user.anonymised_at = timezone.now()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()
    _sign_in_data_delete(user)
    CorrectionRequest.objects.filter(user=user).delete()
    _logs_scrub(user, old_username)
    return user


def _sign_in_data_delete(user: User) -> None:
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from oauth2_provider import models as oauth
    from wagtail.users.models import UserProfile

    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    for model in (
        oauth.get_access_token_model(),
        oauth.get_refresh_token_model(),
        oauth.get_id_token_model(),
        oauth.get_grant_model(),
    ):
        model.objects.filter(user=user).delete()
    for profile in UserProfile.objects.filter(user=user):
        if profile.avatar:
            profile.avatar.delete(save=False)
        profile.delete()


def _logs_scrub(user: User, old_username: str) -> None:
    """Names written into log texts: the drill-down's access-log description and
    the Django admin's change history of the account and its profile."""
    from django.contrib.admin.models import LogEntry
    from django.contrib.contenttypes.models import ContentType

    from lms.accounts.models import OfficerProfile

    old, new = f"cán bộ {old_username} (", f"cán bộ {user.username} ("
    AccessLog.objects.filter(
        action="officer_view", object_description__contains=old
    ).update(
        object_description=Replace(F("object_description"), Value(old), Value(new))
    )
    profile_ids = OfficerProfile.objects.filter(user=user).values_list("pk", flat=True)
    LogEntry.objects.filter(
        Q(content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk))
        | Q(
            content_type=ContentType.objects.get_for_model(OfficerProfile),
            object_id__in=[str(pk) for pk in profile_ids],
        )
    ).update(object_repr=user.username)


# --- Schedule ---------------------------------------------------------------------------
def purge_schedule_ensure() -> None:
    """The nightly django-celery-beat row, (re)written after every migrate."""
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    crontab, _created = CrontabSchedule.objects.get_or_create(
        minute="30",
        hour=str(settings.DATA_RETENTION_HOUR),
        day_of_month="*",
        month_of_year="*",
        day_of_week="*",
        timezone=settings.TIME_ZONE,
    )
    PeriodicTask.objects.update_or_create(
        name=PURGE_SCHEDULE_NAME,
        defaults={"task": PURGE_TASK, "crontab": crontab, "interval": None},
    )


def purge_schedule_ensure_after_migrate(**kwargs: Any) -> None:
    purge_schedule_ensure()
