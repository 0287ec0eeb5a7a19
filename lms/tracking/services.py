"""Writes for tracking: targets and the requirements they create, course
assignments ("Giao khóa học"), completions, overdue reminders, access logging.
Rosters live in `rosters.py`, reports in `reports.py`."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import get_connection, send_mass_mail
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.models import CoursePage, Enrolment, ProgramPage
from lms.accounts.models import OfficerProfile, User
from lms.agencies.models import Agency
from lms.tracking import learning
from lms.tracking.models import AccessLog, OverdueReminder, Requirement, Target
from lms.tracking.selectors import OverdueItem, overdue_list
from lms.tracking.stats import agency_stats_deferred, agency_stats_mark_dirty

logger = logging.getLogger(__name__)


# --- Access log ---------------------------------------------------------------------
def access_log_record(*, user: User | None, action: str, description: str) -> AccessLog:
    return AccessLog.objects.create(
        user=user if user and user.is_authenticated else None,
        action=action,
        object_description=description[:500],
    )


# --- Targets ------------------------------------------------------------------------
def target_officers(*, target: Target) -> QuerySet[OfficerProfile]:
    """Officer profiles a target applies to (current agencies only)."""
    profiles = OfficerProfile.objects.filter(agency__isnull=False)
    if target.agency_id:
        profiles = profiles.filter(agency_id=target.agency_id)
    if target.agency_kind:
        profiles = profiles.filter(agency__kind=target.agency_kind)
    profiles = profiles.filter(
        Q(agency__valid_to__isnull=True) | Q(agency__valid_to__gt=timezone.localdate())
    )
    if target.focal_points_only:
        profiles = profiles.filter(is_data_focal_point=True)
    if target.it_officers_only:
        profiles = profiles.filter(is_it_officer=True)
    if target.position_contains:
        profiles = profiles.filter(position__icontains=target.position_contains)
    return profiles


def _target_matches(target: Target, profile: OfficerProfile, agency: Agency) -> bool:
    if profile.agency_id is None or not agency.is_current():
        return False
    position = target.position_contains.casefold()
    return (
        (not target.agency_id or target.agency_id == profile.agency_id)
        and (not target.agency_kind or target.agency_kind == agency.kind)
        and (not target.focal_points_only or profile.is_data_focal_point)
        and (not target.it_officers_only or profile.is_it_officer)
        and (not position or position in profile.position.casefold())
    )


@transaction.atomic
def target_create(*, created_by: User, **fields: Any) -> Target:
    target = Target.objects.create(created_by=created_by, **fields)
    target_apply(target=target)
    return target


@transaction.atomic
def target_apply(*, target: Target) -> int:
    """Create requirements and course enrolments for every officer the target
    matches; returns how many officers received a new requirement. Idempotent."""
    user_ids = list(target_officers(target=target).values_list("user_id", flat=True))
    return _sync_in_batches(user_ids, assigned_by=target.created_by)


@transaction.atomic
def target_reapply(*, target: Target) -> int:
    """After a target's deadline or filters changed: the officers it matches now
    get it with its new deadline (their course deadlines too), those it no longer
    matches lose it. Returns how many officers received a new requirement."""
    holders = Requirement.objects.filter(target=target, completed_at__isnull=True)
    user_ids = set(target_officers(target=target).values_list("user_id", flat=True))
    user_ids.update(holders.values_list("user_id", flat=True))
    return _sync_in_batches(sorted(user_ids), assigned_by=target.created_by)


def _sync_in_batches(user_ids: list[int], *, assigned_by: User) -> int:
    created = 0
    with agency_stats_deferred():
        for start in range(0, len(user_ids), 500):
            created += requirements_sync(
                user_ids=user_ids[start : start + 500], assigned_by=assigned_by
            )
    return created


@transaction.atomic
def target_deactivate(*, target: Target) -> None:
    """Withdraw a target: its open requirements are dropped (or pass to another
    active target asking for the same program), and with them the course
    deadlines it set; completed ones stay as history."""
    target.is_active = False
    target.save(update_fields=["is_active"])
    open_rows = Requirement.objects.filter(target=target, completed_at__isnull=True)
    user_ids = list(open_rows.values_list("user_id", flat=True))
    with agency_stats_deferred():
        requirements_sync(user_ids=user_ids)


def _desired(profile: OfficerProfile, targets: list[Target]) -> dict[int, Target]:
    """Program id → the matching active target with the earliest deadline."""
    wanted: dict[int, Target] = {}
    for target in targets:
        if not _target_matches(target, profile, profile.agency):
            continue
        current = wanted.get(target.program_id)
        if current is None or target.deadline < current.deadline:
            wanted[target.program_id] = target
    return wanted


def requirements_sync(
    *, user_ids: Iterable[int], assigned_by: User | None = None
) -> int:
    """Bring officers' open requirements in line with the active targets.

    New matches get a requirement (already completed if courses has a completion)
    and course enrolments; officers who moved carry open requirements to the new
    agency; requirements no target asks for any more are dropped if still open,
    with the course deadlines their targets set.
    Completed requirements never change: their credit is history.
    """
    ids = list(user_ids)
    profiles = list(
        OfficerProfile.objects.filter(user_id__in=ids).select_related("agency", "user")
    )
    targets = list(Target.objects.filter(is_active=True))
    existing: dict[tuple[int, int], Requirement] = {
        (r.user_id, r.program_id): r
        for r in Requirement.objects.filter(user_id__in=ids)
    }
    completions = {
        (c.user_id, c.program_id): c for c in learning.program_completions(user_ids=ids)
    }
    created, dirty = 0, set()
    to_enrol: dict[tuple[int, datetime.date, int], list[User]] = {}
    for profile in profiles:
        wanted = _desired(profile, targets) if profile.agency_id else {}
        for program_id, target in wanted.items():
            row = existing.pop((profile.user_id, program_id), None)
            if row is None:
                row = _requirement_create(
                    profile, target, completions.get((profile.user_id, program_id))
                )
                created += 1
                if row.completed_at is None:
                    key = (program_id, target.deadline, target.created_by_id)
                    to_enrol.setdefault(key, []).append(profile.user)
            elif row.completed_at is None:
                dirty.add(row.agency_id)
                if _requirement_refresh(row, profile, target):
                    # Another target (or an edited one) sets a new deadline: the
                    # program's courses take it, as they did the first one's.
                    key = (program_id, target.deadline, target.created_by_id)
                    to_enrol.setdefault(key, []).append(profile.user)
            dirty.add(row.agency_id)
        dirty.add(profile.agency_id)
    _enrol(to_enrol, assigned_by)
    # Whatever is left in `existing` for these officers is no longer wanted.
    stale = [r for r in existing.values() if r.completed_at is None]
    dirty.update(r.agency_id for r in stale)
    Requirement.objects.filter(pk__in=[r.pk for r in stale]).delete()
    _target_enrolments_release(stale)
    agency_stats_mark_dirty(agency_ids=dirty)
    return created


def _target_enrolments_release(dropped: list[Requirement]) -> None:
    """The course deadlines targets set go with the requirements dropped: otherwise
    a withdrawn target's courses would count as overdue assignments of their own
    (`learning.assigned_enrolments_open` only leaves out courses of a program the
    officer has a requirement for). The officers' agencies are marked dirty by the
    caller."""
    by_program: dict[int, list[Requirement]] = {}
    for row in dropped:
        by_program.setdefault(row.program_id, []).append(row)
    targets = list(
        Target.objects.filter(program_id__in=list(by_program)).values_list(
            "program_id", "created_by_id", "deadline"
        )
    )
    for program_id, rows in by_program.items():
        written = [(author, day) for p, author, day in targets if p == program_id]
        learning.target_enrolments_release(
            user_ids=[r.user_id for r in rows],
            program_id=program_id,
            assigned_by_ids={author for author, _day in written},
            # A requirement keeps the deadline its target had when it was applied.
            deadlines={day for _author, day in written} | {r.deadline for r in rows},
        )


def _enrol(
    groups: dict[tuple[int, datetime.date, int], list[User]],
    assigned_by: User | None,
) -> None:
    """One courses call per program and deadline, for all officers at once."""
    programs = ProgramPage.objects.in_bulk({key[0] for key in groups})
    authors = User.objects.in_bulk({key[2] for key in groups})
    for (program_id, deadline, author_id), users in groups.items():
        learning.enrolments_assign(
            users=users,
            program=programs[program_id],
            deadline=deadline,
            assigned_by=assigned_by or authors[author_id],
        )


def _requirement_create(
    profile: OfficerProfile, target: Target, completion: learning.Completion | None
) -> Requirement:
    return Requirement.objects.create(
        user_id=profile.user_id,
        program_id=target.program_id,
        target=target,
        agency_id=(completion.agency_id if completion else None) or profile.agency_id,
        deadline=target.deadline,
        is_focal_point=profile.is_data_focal_point,
        completed_at=completion.completed_at if completion else None,
    )


def _requirement_refresh(
    row: Requirement, profile: OfficerProfile, target: Target
) -> bool:
    """Bring an open requirement in line; True when its deadline changed."""
    fields = {
        "agency_id": profile.agency_id,
        "deadline": target.deadline,
        "target_id": target.pk,
        "is_focal_point": profile.is_data_focal_point,
    }
    changed = [k for k, v in fields.items() if getattr(row, k) != v]
    if changed:
        for key in changed:
            setattr(row, key, fields[key])
        row.save(update_fields=[k.removesuffix("_id") for k in changed])
    return "deadline" in changed


# --- Completions --------------------------------------------------------------------
def requirement_complete(
    *,
    user: User,
    program: ProgramPage,
    completed_at: datetime.datetime,
    agency_id: int | None,
) -> Requirement | None:
    """Record a program completion: the requirement is done and credited to the
    agency the officer belonged to at that moment."""
    row = Requirement.objects.filter(user=user, program=program).first()
    profile = OfficerProfile.objects.filter(user=user).only("agency_id").first()
    credit = agency_id or (profile.agency_id if profile else None)
    if row is None:
        agency_stats_mark_dirty(agency_ids=[credit])
        return None
    previous = row.agency_id
    if row.completed_at is None:
        row.completed_at = completed_at
        row.agency_id = credit or row.agency_id
        row.save(update_fields=["completed_at", "agency"])
    agency_stats_mark_dirty(agency_ids=[previous, row.agency_id])
    return row


# --- Course assignments ("Giao khóa học") ---------------------------------------------
@transaction.atomic
def assignments_create(
    *,
    users: list[User],
    deadline: datetime.date,
    by: User,
    course: CoursePage | None = None,
    program: ProgramPage | None = None,
) -> list[Enrolment]:
    """Assign a course, or every live course of a program, with a deadline (the
    rules, and refusals as `CourseError`, are courses'). The assignments count as
    overdue once the deadline passes, so the officers' agencies are recomputed."""
    enrolments = learning.courses_assign(
        users=users, deadline=deadline, by=by, course=course, program=program
    )
    agency_stats_mark_dirty(
        agency_ids=OfficerProfile.objects.filter(user__in=users).values_list(
            "agency_id", flat=True
        )
    )
    return enrolments


# --- Reminders ----------------------------------------------------------------------
def overdue_officers(*, agency: Agency) -> dict[int, list[OverdueItem]]:
    """Overdue duties (requirements and course assignments) of `agency`'s officers
    who have an email, by user id."""
    by_user: dict[int, list[OverdueItem]] = {}
    for item in overdue_list(agency=agency):
        if item.email:
            by_user.setdefault(item.user_id, []).append(item)
    return by_user


def overdue_reminders_send(*, agency: Agency, sent_by: User) -> int:
    """E-mail every overdue officer of `agency` one list of everything overdue, at
    most once a day each (a second click, or a retried task, sends nothing new);
    returns how many were sent."""
    today = timezone.localdate()
    officers = overdue_officers(agency=agency)
    done = set(
        OverdueReminder.objects.filter(
            sent_on=today, user_id__in=list(officers)
        ).values_list("user_id", flat=True)
    )
    sent = 0
    # One SMTP connection for all.
    with get_connection() as connection:
        for user_id, items in officers.items():
            if user_id not in done and _reminder_send(
                items, today=today, sent_by=sent_by, connection=connection
            ):
                sent += 1
    access_log_record(
        user=sent_by,
        action="reminder_send",
        description=f"Nhắc nhở {sent} cán bộ quá hạn của {agency.code}",
    )
    return sent


def _reminder_send(
    items: list[OverdueItem], *, today: datetime.date, sent_by: User, connection: Any
) -> bool:
    """Why the lock row is written before the e-mail, in one transaction: two tasks
    racing for the same officer cannot both send (the second one's insert fails),
    and a failed send rolls the lock back so a retry still writes to them."""
    try:
        with transaction.atomic():
            OverdueReminder.objects.create(
                user_id=items[0].user_id, sent_on=today, sent_by=sent_by
            )
            Requirement.objects.filter(
                pk__in=[i.requirement_id for i in items if i.requirement_id]
            ).update(reminded_on=today)
            send_mass_mail([_reminder_message(items)], connection=connection)
    except IntegrityError:  # another run reminded this officer today
        return False
    return True


def _reminder_message(items: list[OverdueItem]) -> tuple[str, str, str, list[str]]:
    lines = [f"- {i.title}: hạn chót {i.deadline:%d/%m/%Y}" for i in items]
    body = _(
        "Kính gửi {name},\n\nCác chương trình đào tạo, khóa học sau đã quá hạn "
        "hoàn thành:\n{lines}\n\nĐề nghị đồng chí sắp xếp thời gian học tập tại "
        "{site}.\n\nHọc viện Dữ liệu tỉnh Bắc Ninh"
    ).format(name=items[0].full_name, lines="\n".join(lines), site=settings.SITE_URL)
    subject = _("Nhắc nhở: chương trình đào tạo đã quá hạn")
    return subject, body, settings.DEFAULT_FROM_EMAIL, [items[0].email]
