"""Tracking: rosters, targets, the requirements they create, running figures,
overdue reminders, monthly reports, export/API access.

Two kinds of duty are tracked. A `Requirement` is a DOST target's demand on one
officer (program + deadline); only requirements make up "required" and the
completion rate. A course assignment is a `courses.Enrolment` assigned with a
deadline (page "Giao khóa học", or a program's automatic assignment); it counts
towards "overdue" only (`learning.assigned_enrolments_open`).

The figures every page shows are read from `AgencyProgramStat`/`AgencyMonthStat`/
`AgencyStat`, small roll-ups kept current by `stats.agency_stats_recompute`, so
no request ever recounts progress rows.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from lms.agencies.models import Agency


class RosterImport(models.Model):
    """One uploaded roster file, checked in full before anything is written."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ kiểm tra")
        VALIDATING = "validating", _("Đang kiểm tra")
        INVALID = "invalid", _("Có lỗi, chưa nhập")
        VALID = "valid", _("Hợp lệ, chờ xác nhận")
        IMPORTING = "importing", _("Đang nhập")
        DONE = "done", _("Đã nhập xong")
        FAILED = "failed", _("Nhập thất bại, không có thay đổi")

    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("đơn vị"),
        on_delete=models.PROTECT,
        related_name="roster_imports",
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file = models.FileField(_("tệp"), upload_to="rosters/%Y/%m/")
    original_name = models.CharField(max_length=255)
    status = models.CharField(
        max_length=12, choices=Status.choices, default=Status.PENDING
    )
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    moved_count = models.PositiveIntegerField(default=0)
    # [{"row": 5, "column": "Email", "message": "..."}]; row 0 = the whole file.
    errors = models.JSONField(default=list, blank=True)
    send_invitations = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("lần nhập danh sách cán bộ")
        verbose_name_plural = _("lần nhập danh sách cán bộ")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} → {self.agency_id} ({self.status})"

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.status in (self.Status.DONE,) else 0
        return min(100, round(100 * self.processed_rows / self.total_rows))


class Target(models.Model):
    """A DOST target (chỉ tiêu): which officers must complete a program by when.

    Matches officers of one agency, or of every agency of a kind; optionally only
    data focal points, IT officers, or positions containing some text.
    """

    name = models.CharField(_("tên chỉ tiêu"), max_length=255)
    program = models.ForeignKey(
        "courses.ProgramPage",
        verbose_name=_("chương trình"),
        on_delete=models.PROTECT,
        related_name="targets",
    )
    agency_kind = models.CharField(
        _("loại đơn vị"),
        max_length=20,
        blank=True,
        choices=Agency.Kind.choices,
        help_text=_("Để trống nếu chỉ áp dụng cho một đơn vị cụ thể."),
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("đơn vị cụ thể"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="targets",
    )
    focal_points_only = models.BooleanField(
        _("chỉ cán bộ đầu mối dữ liệu"), default=False
    )
    it_officers_only = models.BooleanField(
        _("chỉ cán bộ chuyên trách CNTT"), default=False
    )
    position_contains = models.CharField(
        _("vị trí việc làm có chứa"), max_length=150, blank=True
    )
    deadline = models.DateField(_("hạn chót"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(_("đang áp dụng"), default=True)

    # What the target asks of whom, and by when: a change to any of these must be
    # applied again to the officers (the targets page form, the Django admin).
    SCOPE_FIELDS = (
        "program",
        "agency_kind",
        "agency",
        "focal_points_only",
        "it_officers_only",
        "position_contains",
        "deadline",
    )

    class Meta:
        verbose_name = _("chỉ tiêu")
        verbose_name_plural = _("chỉ tiêu")
        ordering = ["deadline", "name"]

    def __str__(self) -> str:
        return self.name


class Requirement(models.Model):
    """An officer's duty to complete a program by a deadline, created by a target.

    `agency` is the agency the requirement counts for: the officer's current agency
    while it is open, frozen to the agency at the time of completion once done
    (PRODUCT §7: agencies merge and rename; credit stays where it was earned).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="requirements"
    )
    program = models.ForeignKey(
        "courses.ProgramPage", on_delete=models.PROTECT, related_name="+"
    )
    target = models.ForeignKey(
        Target, on_delete=models.PROTECT, related_name="requirements"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="requirements"
    )
    deadline = models.DateField()
    is_focal_point = models.BooleanField(default=False)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The last day an overdue reminder named this requirement (shown as history;
    # the once-a-day lock per officer is `OverdueReminder`).
    reminded_on = models.DateField(null=True, blank=True)

    class Meta:
        verbose_name = _("yêu cầu hoàn thành")
        verbose_name_plural = _("yêu cầu hoàn thành")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program"], name="tracking_requirement_once_per_program"
            )
        ]
        indexes = [
            models.Index(fields=["agency", "program", "deadline"]),
            models.Index(fields=["deadline", "completed_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.program_id} by {self.deadline}"


class AgencyStat(models.Model):
    """Per-agency facts that are not per program: head count, focal-point coverage."""

    agency = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, related_name="stat"
    )
    officers = models.PositiveIntegerField(default=0)
    focal_points = models.PositiveIntegerField(default=0)
    focal_point_completed_p1 = models.BooleanField(default=False)
    dirty = models.BooleanField(default=False, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"stat {self.agency_id}"


class AgencyProgramStat(models.Model):
    """Requirements of one agency for one program with one deadline, counted, and
    the open course assignments of the agency's officers in that program with that
    deadline (overdue once the deadline has passed)."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="program_stats"
    )
    program = models.ForeignKey(
        "courses.ProgramPage", on_delete=models.CASCADE, related_name="+"
    )
    deadline = models.DateField()
    required = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    # Completed after the deadline (late, but no longer overdue).
    completed_late = models.PositiveIntegerField(default=0)
    # Course assignments not completed (`learning.assigned_enrolments_open`); they
    # are not in `required`, so the completion rate stays DOST's.
    assigned_open = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "program", "deadline"],
                name="tracking_agencyprogramstat_unique",
            )
        ]


class AgencyMonthStat(models.Model):
    """Completions of required programs credited to an agency, per calendar month."""

    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="month_stats"
    )
    program = models.ForeignKey(
        "courses.ProgramPage", on_delete=models.CASCADE, related_name="+"
    )
    month = models.DateField(help_text="First day of the month.")
    completed = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "program", "month"],
                name="tracking_agencymonthstat_unique",
            )
        ]


class OverdueReminder(models.Model):
    """An overdue reminder e-mailed to an officer: at most one per officer a day
    (the unique row is the lock, taken before the e-mail goes out)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    sent_on = models.DateField()
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "sent_on"], name="tracking_overduereminder_once_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id} reminded {self.sent_on}"


class MonthlyReport(models.Model):
    """The monthly report to DOST: frozen figures + XLSX + PDF. Never changes once sent."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Bản nháp")
        SENT = "sent", _("Đã gửi")

    month = models.DateField(
        _("tháng"), unique=True, help_text="First day of the month."
    )
    status = models.CharField(
        max_length=8, choices=Status.choices, default=Status.DRAFT
    )
    figures = models.JSONField(default=dict)
    xlsx = models.FileField(upload_to="reports/", blank=True)
    pdf = models.FileField(upload_to="reports/", blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("báo cáo định kỳ hằng tháng")
        verbose_name_plural = _("báo cáo định kỳ hằng tháng")
        ordering = ["-month"]
        permissions = [
            ("view_province_dashboard", _("Xem trang tổng quan toàn tỉnh")),
            ("manage_monthly_report", _("Quản lý báo cáo định kỳ hằng tháng")),
        ]

    def __str__(self) -> str:
        return f"{self.month:%m/%Y} ({self.status})"


class AccessLog(models.Model):
    """Who exported or read personal data, and when (Law 91/2025)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(max_length=64)
    object_description = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("nhật ký truy cập dữ liệu")
        verbose_name_plural = _("nhật ký truy cập dữ liệu")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_id} {self.action}"


class ApiToken(models.Model):
    """A token for the LGSP data-sharing platform. Only its SHA-256 is stored."""

    name = models.CharField(_("tên hệ thống"), max_length=150)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("khóa truy cập API")
        verbose_name_plural = _("khóa truy cập API")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
