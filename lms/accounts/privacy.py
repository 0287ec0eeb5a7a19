"""An officer's rights over their personal data (Law 91/2025/QH15, Decree 356/2025):
see everything the academy holds about them, know who read or exported it, and ask
for a correction. Retention lives in `retention.py`.

`personal_data_export` is a plain function so the page, a management command or a
DOST officer answering a written request all produce the same document.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lms.accounts.models import (
    AccessLogSubject,
    CorrectionRequest,
    OfficerProfile,
    User,
)
from lms.agencies.models import Agency
from lms.tracking.models import AccessLog

EXPORT_FORMAT_VERSION = 1

# What each access-log action means, for the officer's "who saw my data" list.
ACTION_LABELS = {
    "officer_view": gettext_lazy("Xem tiến độ học tập của cán bộ"),
    "agency_officers_view": gettext_lazy("Xem danh sách cán bộ của đơn vị"),
    "export_csv": gettext_lazy("Xuất danh sách (CSV)"),
    "export_xlsx": gettext_lazy("Xuất danh sách (XLSX)"),
    "my_data_download": gettext_lazy("Cán bộ tải dữ liệu cá nhân của mình"),
    "submission_view": gettext_lazy("Xem bài nộp thực hành"),
    "submission_notebook_view": gettext_lazy("Xem notebook của bài nộp"),
    "submission_download": gettext_lazy("Tải tệp bài nộp"),
    "lab_submissions_view": gettext_lazy("Xem danh sách bài nộp"),
    "course_report_view": gettext_lazy("Xem báo cáo ghi danh khóa học"),
    "course_export_csv": gettext_lazy("Xuất danh sách ghi danh (CSV)"),
    "course_export_xlsx": gettext_lazy("Xuất danh sách ghi danh (XLSX)"),
    "certificate_register_view": gettext_lazy("Xem sổ giấy chứng nhận"),
    "certificate_register_export_csv": gettext_lazy("Xuất sổ giấy chứng nhận (CSV)"),
    "certificate_register_export_xlsx": gettext_lazy("Xuất sổ giấy chứng nhận (XLSX)"),
    "certificate_manage_view": gettext_lazy("Xem, quản lý giấy chứng nhận"),
    "admin_user_view": gettext_lazy("Xem tài khoản trong trang quản trị"),
    "admin_user_list": gettext_lazy("Xem danh sách tài khoản trong trang quản trị"),
    "correction_request_view": gettext_lazy("Xem đề nghị đính chính dữ liệu"),
    "signup_requests_view": gettext_lazy("Xem yêu cầu đăng ký tài khoản chờ phê duyệt"),
    "signup_approve": gettext_lazy("Phê duyệt yêu cầu đăng ký tài khoản"),
    "signup_reject": gettext_lazy("Từ chối yêu cầu đăng ký tài khoản"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# --- Access log -----------------------------------------------------------------------
def personal_data_access_record(
    *,
    user: User | None,
    action: str,
    description: str,
    subjects: Iterable[User | int] = (),
    agency: Agency | None = None,
    province: bool = False,
) -> AccessLog:
    """Log a read or export of personal data and whose data it was: `subjects`
    (officers or their ids), every officer of `agency`, or with `province` everyone."""
    from lms.tracking.services import access_log_record

    log = access_log_record(user=user, action=action, description=description)
    user_ids = {s if isinstance(s, int) else s.pk for s in subjects}
    rows = [AccessLogSubject(log=log, user_id=pk) for pk in sorted(user_ids)]
    if agency is not None:
        rows.append(AccessLogSubject(log=log, agency=agency))
    if province:
        rows.append(AccessLogSubject(log=log))
    AccessLogSubject.objects.bulk_create(rows, batch_size=1000)
    return log


def access_logs_about(*, user: User) -> QuerySet[AccessLog]:
    """Entries that touched `user`'s data: naming them, covering an agency while
    they belonged to it, or covering the whole province since they joined."""
    about = Q(subjects__user=user) | Q(
        subjects__user__isnull=True,
        subjects__agency__isnull=True,
        created_at__gte=user.date_joined,
    )
    memberships = list(user.memberships.all())
    for membership in memberships:
        window = Q(subjects__agency_id=membership.agency_id)
        window &= Q(created_at__gte=membership.started_at)
        if membership.ended_at:
            window &= Q(created_at__lt=membership.ended_at)
        about |= window
    profile = OfficerProfile.objects.filter(user=user).first()
    if (
        profile
        and profile.agency_id
        and not any(m.ended_at is None for m in memberships)
    ):
        # Officers created without a membership history (older imports).
        about |= Q(subjects__agency_id=profile.agency_id)
    return (
        AccessLog.objects.filter(about)
        .distinct()
        .select_related("user")
        .order_by("-created_at", "-pk")
    )


# --- The officer's data as one document ---------------------------------------------
def _iso(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


def _number(value: Any) -> Any:
    return None if value is None else float(value)


def _account(user: User) -> dict[str, Any]:
    from allauth.account.models import EmailAddress

    return {
        "username": user.username,
        "full_name": user.get_full_name(),
        "email": user.email,
        "email_addresses": [
            {"email": a.email, "verified": a.verified, "primary": a.primary}
            for a in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "is_active": user.is_active,
        "date_joined": _iso(user.date_joined),
        "last_login": _iso(user.last_login),
        "roles": sorted(user.groups.values_list("name", flat=True)),
        "consent_version": user.consent_version,
    }


def _agency(agency: Agency | None) -> dict[str, Any] | None:
    return {"code": agency.code, "name": agency.name} if agency else None


def _profile(user: User) -> dict[str, Any] | None:
    profile = OfficerProfile.objects.select_related("agency").filter(user=user).first()
    if profile is None:
        return None
    return {
        "agency": _agency(profile.agency),
        "position": profile.position,
        "is_data_focal_point": profile.is_data_focal_point,
        "is_it_officer": profile.is_it_officer,
        "updated_at": _iso(profile.updated_at),
    }


def _memberships(user: User) -> list[dict[str, Any]]:
    return [
        {
            "agency": _agency(m.agency),
            "started_at": _iso(m.started_at),
            "ended_at": _iso(m.ended_at),
        }
        for m in user.memberships.select_related("agency").order_by("started_at")
    ]


def _consents(user: User) -> list[dict[str, Any]]:
    return [
        {"version": c.version, "accepted_at": _iso(c.accepted_at)}
        for c in user.consents.order_by("accepted_at")
    ]


def _learning(user: User) -> dict[str, list[dict[str, Any]]]:
    from courses.models import (
        CourseCompletion,
        Enrolment,
        LessonProgress,
        ProgramCompletion,
        QuizAttempt,
    )

    enrolments = Enrolment.objects.filter(user=user).select_related("course")
    lessons = LessonProgress.objects.filter(user=user).select_related(
        "lesson", "course"
    )
    attempts = QuizAttempt.objects.filter(user=user).select_related("course")
    courses_done = CourseCompletion.objects.filter(user=user).select_related(
        "course", "agency"
    )
    programs_done = ProgramCompletion.objects.filter(user=user).select_related(
        "program", "agency"
    )
    return {
        "enrolments": [
            {
                "course": e.course.title,
                "source": e.get_source_display(),
                "deadline": _iso(e.deadline),
                "enrolled_at": _iso(e.created_at),
                "progress_percent": e.progress,
                "last_activity_at": _iso(e.last_activity_at),
                "completed_at": _iso(e.completed_at),
            }
            for e in enrolments.order_by("created_at", "pk")
        ],
        "lesson_progress": [
            {
                "course": p.course.title,
                "lesson": p.lesson.title,
                "viewed_at": _iso(p.viewed_at),
                "completed_at": _iso(p.completed_at),
            }
            for p in lessons.order_by("viewed_at", "pk")
        ],
        "quiz_attempts": [
            {
                "course": a.course.title,
                "number": a.number,
                "started_at": _iso(a.started_at),
                "submitted_at": _iso(a.submitted_at),
                "score_percent": _number(a.score),
                "passed": a.passed,
                "answers": a.answers,
            }
            for a in attempts.order_by("started_at", "pk")
        ],
        "course_completions": [
            {
                "course": c.course.title,
                "completed_at": _iso(c.completed_at),
                "score": _number(c.score),
                "agency": _agency(c.agency),
            }
            for c in courses_done.order_by("completed_at", "pk")
        ],
        "program_completions": [
            {
                "program": c.program.title,
                "code": c.program.code,
                "completed_at": _iso(c.completed_at),
                "agency": _agency(c.agency),
            }
            for c in programs_done.order_by("completed_at", "pk")
        ],
    }


def _requirements(user: User) -> list[dict[str, Any]]:
    from lms.tracking.models import Requirement

    rows = Requirement.objects.filter(user=user).select_related("program", "agency")
    return [
        {
            "program": r.program.title,
            "code": r.program.code,
            "agency": _agency(r.agency),
            "deadline": _iso(r.deadline),
            "completed_at": _iso(r.completed_at),
        }
        for r in rows.order_by("deadline", "pk")
    ]


def _submissions(user: User) -> list[dict[str, Any]]:
    """Metadata and scores; the notebooks themselves are downloadable one by one
    from each submission's page, and may be gone after their retention period."""
    from labs.models import Submission

    rows = Submission.objects.filter(user=user).select_related("lab")
    return [
        {
            "lab": s.lab.title,
            "lab_slug": s.lab.slug,
            "submitted_at": _iso(s.created_at),
            "source": s.get_source_display(),
            "status": s.get_status_display(),
            "score": s.score,
            "max_score": s.max_score,
            "graded_at": _iso(s.graded_at),
            "sha256": s.sha256,
            "notebook_kept": bool(s.notebook),
            "checks": [
                {
                    "name": c.get("name"),
                    "title": c.get("title"),
                    "passed": c.get("passed"),
                    "points": c.get("points"),
                }
                for c in s.checks
            ],
        }
        for s in rows.order_by("created_at", "pk")
    ]


def _certificates(user: User) -> list[dict[str, Any]]:
    from certificates.models import Certificate
    from certificates.services import certificate_verify_url

    rows = Certificate.objects.filter(user=user).select_related("course", "program")
    return [
        {
            "serial": c.serial,
            "holder_name": c.holder_name,
            "title": c.title,
            "course": c.course.title if c.course else None,
            "program": c.program.title if c.program else None,
            "agency_name": c.agency_name,
            "issued_on": _iso(c.issued_on),
            "status": c.get_status_display(),
            "status_reason": c.status_reason,
            "verify_url": certificate_verify_url(c),
        }
        for c in rows.order_by("issued_on", "pk")
    ]


def _corrections(user: User) -> list[dict[str, Any]]:
    return [
        {
            "field": r.get_field_display(),
            "current_value": r.current_value,
            "requested_value": r.requested_value,
            "note": r.note,
            "status": r.get_status_display(),
            "requested_at": _iso(r.created_at),
            "handled_at": _iso(r.handled_at),
            "response": r.response,
        }
        for r in user.correction_requests.order_by("created_at", "pk")
    ]


def viewer_label(log: AccessLog, subject: User) -> str:
    if log.user is None:
        return _("Hệ thống")
    if log.user_id == subject.pk:
        return _("Chính bạn")
    return f"{log.user.get_full_name()} ({log.user.username})"


def access_log_rows(*, user: User, limit: int | None = None) -> list[dict[str, Any]]:
    logs = access_logs_about(user=user)
    return [
        {
            "at": _iso(log.created_at),
            "by": viewer_label(log, user),
            "action": action_label(log.action),
            "description": log.object_description,
        }
        for log in (logs[:limit] if limit else logs)
    ]


def personal_data_summary(*, user: User) -> list[tuple[str, int]]:
    """How many records of each kind the academy holds about `user` (the page)."""
    from certificates.models import Certificate
    from courses.models import CourseCompletion, Enrolment, LessonProgress, QuizAttempt
    from labs.models import Submission

    return [
        (_("Quá trình công tác (đơn vị)"), user.memberships.count()),
        (_("Lần đồng ý xử lý dữ liệu"), user.consents.count()),
        (_("Khóa học đã ghi danh"), Enrolment.objects.filter(user=user).count()),
        (_("Bài học đã xem"), LessonProgress.objects.filter(user=user).count()),
        (_("Lần làm bài kiểm tra"), QuizAttempt.objects.filter(user=user).count()),
        (_("Bài nộp thực hành"), Submission.objects.filter(user=user).count()),
        (
            _("Khóa học đã hoàn thành"),
            CourseCompletion.objects.filter(user=user).count(),
        ),
        (_("Giấy chứng nhận"), Certificate.objects.filter(user=user).count()),
    ]


def personal_data_export(*, user: User) -> dict[str, Any]:
    """Everything the academy holds about `user`, as JSON-ready data."""
    return {
        "format_version": EXPORT_FORMAT_VERSION,
        "generated_at": _iso(timezone.now()),
        "account": _account(user),
        "officer_profile": _profile(user),
        "agency_memberships": _memberships(user),
        "consents": _consents(user),
        **_learning(user),
        "requirements": _requirements(user),
        "lab_submissions": _submissions(user),
        "certificates": _certificates(user),
        "correction_requests": _corrections(user),
        "access_log": access_log_rows(user=user),
    }


# --- Correction requests ------------------------------------------------------------
class CorrectionRefused(Exception):
    """A correction that cannot be recorded or applied; the message says why."""


APPLIED_FIELDS = {
    CorrectionRequest.Field.FULL_NAME,
    CorrectionRequest.Field.EMAIL,
    CorrectionRequest.Field.POSITION,
}


def correction_current_value(*, user: User, field: str) -> str:
    profile = OfficerProfile.objects.select_related("agency").filter(user=user).first()
    Field = CorrectionRequest.Field
    if field == Field.FULL_NAME:
        return user.get_full_name()
    if field == Field.EMAIL:
        return user.email
    if field == Field.POSITION:
        return profile.position if profile else ""
    if field == Field.AGENCY:
        return profile.agency.name if profile and profile.agency else ""
    return ""


def correction_value_clean(*, field: str, value: str) -> str:
    """Normalise a requested value; raise ValidationError if it cannot be right."""
    value = unicodedata.normalize("NFC", " ".join(value.split()))
    if not value:
        raise ValidationError(_("Vui lòng nhập giá trị đề nghị."))
    if len(value) > 255:
        raise ValidationError(_("Giá trị đề nghị dài tối đa 255 ký tự."))
    if field in (CorrectionRequest.Field.FULL_NAME, CorrectionRequest.Field.POSITION):
        if len(value) > 150:
            raise ValidationError(_("Giá trị đề nghị dài tối đa 150 ký tự."))
    if field == CorrectionRequest.Field.EMAIL:
        value = value.lower()
        try:
            validate_email(value)
        except ValidationError as exc:
            raise ValidationError(_("Địa chỉ thư điện tử không hợp lệ.")) from exc
    return value


@transaction.atomic
def correction_request_create(
    *, user: User, field: str, requested_value: str, note: str = ""
) -> CorrectionRequest:
    if field not in CorrectionRequest.Field.values:
        raise CorrectionRefused(_("Thông tin cần đính chính không hợp lệ."))
    try:
        requested_value = correction_value_clean(field=field, value=requested_value)
    except ValidationError as exc:
        raise CorrectionRefused(" ".join(exc.messages)) from exc
    User.objects.select_for_update().filter(pk=user.pk).first()  # one at a time
    open_same = CorrectionRequest.objects.filter(
        user=user, field=field, status=CorrectionRequest.Status.OPEN
    )
    if open_same.exists():
        raise CorrectionRefused(
            _("Bạn đã có một đề nghị đính chính thông tin này đang chờ xử lý.")
        )
    return CorrectionRequest.objects.create(
        user=user,
        field=field,
        current_value=correction_current_value(user=user, field=field)[:255],
        requested_value=requested_value,
        note=note,
    )


def _email_taken(*, user: User, email: str) -> bool:
    from allauth.account.models import EmailAddress

    others = User.objects.exclude(pk=user.pk).filter(email__iexact=email)
    addresses = EmailAddress.objects.exclude(user=user).filter(email__iexact=email)
    return others.exists() or addresses.exists()


def _email_set(*, user: User, email: str) -> None:
    from allauth.account.models import EmailAddress

    if _email_taken(user=user, email=email):
        raise CorrectionRefused(
            _("Địa chỉ thư điện tử này đã được một tài khoản khác sử dụng.")
        )
    user.email = email
    user.save(update_fields=["email"])
    # The officer confirms the new address the next time allauth asks for it.
    EmailAddress.objects.filter(user=user).delete()
    EmailAddress.objects.create(user=user, email=email, primary=True, verified=False)


def correction_check(*, correction: CorrectionRequest, status: str) -> None:
    """Raise CorrectionRefused if closing `correction` with `status` cannot work,
    so the admin form can say so before anything is saved."""
    if status not in (CorrectionRequest.Status.DONE, CorrectionRequest.Status.REJECTED):
        raise CorrectionRefused(_("Trạng thái xử lý không hợp lệ."))
    if (
        status != CorrectionRequest.Status.DONE
        or correction.field not in APPLIED_FIELDS
    ):
        return
    try:
        value = correction_value_clean(
            field=correction.field, value=correction.requested_value
        )
    except ValidationError as exc:
        raise CorrectionRefused(" ".join(exc.messages)) from exc
    if correction.field == CorrectionRequest.Field.EMAIL and _email_taken(
        user=correction.user, email=value
    ):
        raise CorrectionRefused(
            _("Địa chỉ thư điện tử này đã được một tài khoản khác sử dụng.")
        )


def correction_apply(*, correction: CorrectionRequest) -> None:
    """Write the requested value for the fields the academy can change itself."""
    user = correction.user
    value = correction_value_clean(
        field=correction.field, value=correction.requested_value
    )
    if correction.field == CorrectionRequest.Field.FULL_NAME:
        user.full_name = value
        user.save(update_fields=["full_name"])
    elif correction.field == CorrectionRequest.Field.EMAIL:
        _email_set(user=user, email=value)
    elif correction.field == CorrectionRequest.Field.POSITION:
        OfficerProfile.objects.update_or_create(user=user, defaults={"position": value})


@transaction.atomic
def correction_request_handle(
    *,
    correction: CorrectionRequest,
    status: str,
    by: User,
    response: str = "",
) -> CorrectionRequest:
    """Close an open request as done (applying name, e-mail or position) or
    rejected. Other fields (agency, ...) are corrected by hand, then marked done."""
    correction = (
        CorrectionRequest.objects.select_for_update()
        .select_related("user")
        .get(pk=correction.pk)
    )
    if not correction.is_open:
        raise CorrectionRefused(_("Đề nghị này đã được xử lý trước đó."))
    correction_check(correction=correction, status=status)
    if status == CorrectionRequest.Status.DONE and correction.field in APPLIED_FIELDS:
        correction_apply(correction=correction)
    correction.status = status
    correction.response = response
    correction.handled_by = by
    correction.handled_at = timezone.now()
    correction.save(update_fields=["status", "response", "handled_by", "handled_at"])
    return correction
