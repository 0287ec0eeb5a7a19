from __future__ import annotations

import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """An academy account. Vietnamese names are kept whole in `full_name`.

    `consent_version` caches the newest consent record so the consent check costs no
    query per request; the records themselves are the audit trail.
    """

    full_name = models.CharField(_("họ và tên"), max_length=150, blank=True)
    consent_version = models.CharField(max_length=32, blank=True, editable=False)
    # Kept by save(): the retention job anonymises accounts deactivated long ago.
    deactivated_at = models.DateTimeField(null=True, blank=True, editable=False)
    anonymised_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = _("người dùng")
        verbose_name_plural = _("người dùng")

    def save(self, *args: object, **kwargs: object) -> None:
        self.full_name = unicodedata.normalize("NFC", " ".join(self.full_name.split()))
        self._deactivation_track(kwargs)
        super().save(*args, **kwargs)

    def _deactivation_track(self, kwargs: dict) -> None:
        if self.is_active:
            self.deactivated_at = None
        elif self.deactivated_at is None:
            self.deactivated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "is_active" in update_fields:
            kwargs["update_fields"] = {*update_fields, "deactivated_at"}

    def get_full_name(self) -> str:
        return self.full_name or super().get_full_name() or self.username

    @property
    def has_current_consent(self) -> bool:
        return self.consent_version == settings.PERSONAL_DATA_CONSENT_VERSION


class ConsentRecord(models.Model):
    """A user's agreement to a version of the personal-data notice (Law 91/2025)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    version = models.CharField(_("phiên bản"), max_length=32)
    accepted_at = models.DateTimeField(_("thời điểm đồng ý"), auto_now_add=True)

    class Meta:
        verbose_name = _("đồng ý xử lý dữ liệu cá nhân")
        verbose_name_plural = _("đồng ý xử lý dữ liệu cá nhân")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "version"],
                name="accounts_consentrecord_once_per_version",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.version}"


class OfficerProfile(models.Model):
    """What the academy knows about an officer's job. No citizen ID is collected."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan, đơn vị"),
        on_delete=models.PROTECT,
        related_name="officers",
        null=True,
        blank=True,
    )
    position = models.CharField(
        _("chức vụ / vị trí việc làm"), max_length=150, blank=True
    )
    is_data_focal_point = models.BooleanField(
        _("cán bộ đầu mối dữ liệu"), default=False
    )
    is_it_officer = models.BooleanField(
        _("cán bộ chuyên trách công nghệ thông tin"), default=False
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hồ sơ cán bộ")
        verbose_name_plural = _("hồ sơ cán bộ")
        permissions = [
            ("view_agency_officers", _("Xem cán bộ của đơn vị mình")),
            ("manage_agency_roster", _("Quản lý danh sách cán bộ của đơn vị mình")),
            ("view_province_officers", _("Xem cán bộ toàn tỉnh")),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name()} ({self.agency or '—'})"


class AgencyMembership(models.Model):
    """Which agency an officer belonged to and when, so moves keep their history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    agency = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="memberships"
    )
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["user", "started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(ended_at__isnull=True),
                name="accounts_agencymembership_one_open_per_user",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency} from {self.started_at:%Y-%m-%d}"


class SignupRequest(models.Model):
    """An officer's self sign-up: which agency they say they work for, waiting for
    that agency's manager (or DOST) to vouch for them.

    Why a row of its own instead of an approval status on OfficerProfile: every
    figure (dashboards, exports, the monthly report) and every target counts the
    OfficerProfile rows of an agency. A pending stranger must not be counted as
    the agency's officer, nor be given requirements, before anyone vouched for
    them. So the requested agency and job details wait here, the account stays
    `is_active=False` (allauth, the admins and every @login_required page refuse
    it with no extra check), and approval writes the profile through the same
    services as a roster import. A rejected account is deleted (its e-mail and
    username are free for a corrected request); this row keeps the decision.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ phê duyệt")
        APPROVED = "approved", _("Đã phê duyệt")
        REJECTED = "rejected", _("Đã từ chối")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="signup_request",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan, đơn vị"),
        on_delete=models.PROTECT,
        related_name="signup_requests",
    )
    position = models.CharField(
        _("chức vụ / vị trí việc làm"), max_length=150, blank=True
    )
    is_data_focal_point = models.BooleanField(
        _("cán bộ đầu mối dữ liệu"), default=False
    )
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("thời điểm đăng ký"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("thời điểm xử lý"), null=True, blank=True)
    reason = models.TextField(_("lý do từ chối"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("yêu cầu đăng ký tài khoản")
        verbose_name_plural = _("yêu cầu đăng ký tài khoản")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["agency", "status"], name="accounts_signup_agency_status"
            )
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user_id or '—'} → {self.agency_id} ({self.status})"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING


class CorrectionRequest(models.Model):
    """An officer's request to correct their personal data (Law 91/2025, art. 4).

    `current_value` is what the academy held when the request was made, so the
    record still reads correctly after the change is applied.
    """

    class Field(models.TextChoices):
        FULL_NAME = "full_name", _("Họ và tên")
        EMAIL = "email", _("Thư điện tử")
        POSITION = "position", _("Chức vụ / vị trí việc làm")
        AGENCY = "agency", _("Cơ quan, đơn vị")
        OTHER = "other", _("Thông tin khác")

    class Status(models.TextChoices):
        OPEN = "open", _("Đang chờ xử lý")
        DONE = "done", _("Đã đính chính")
        REJECTED = "rejected", _("Không đính chính")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người đề nghị"),
        on_delete=models.CASCADE,
        related_name="correction_requests",
    )
    field = models.CharField(
        _("thông tin cần đính chính"), max_length=16, choices=Field
    )
    current_value = models.CharField(_("giá trị hiện tại"), max_length=255, blank=True)
    requested_value = models.CharField(_("giá trị đề nghị"), max_length=255)
    note = models.TextField(_("ghi chú của cán bộ"), max_length=1000, blank=True)
    status = models.CharField(
        _("trạng thái"), max_length=10, choices=Status, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("thời điểm đề nghị"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người xử lý"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    handled_at = models.DateTimeField(_("thời điểm xử lý"), null=True, blank=True)
    response = models.TextField(_("trả lời"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("đề nghị đính chính dữ liệu")
        verbose_name_plural = _("đề nghị đính chính dữ liệu")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "handled_at"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.user} — {self.get_field_display()}"

    @property
    def is_open(self) -> bool:
        return self.status == self.Status.OPEN


class AccessLogSubject(models.Model):
    """Whose personal data an access-log entry touched: one officer, every officer
    of an agency, or (neither set) every officer of the province. Lets an officer
    see who viewed or exported their data without parsing descriptions."""

    log = models.ForeignKey(
        "tracking.AccessLog", on_delete=models.CASCADE, related_name="subjects"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    agency = models.ForeignKey(
        "agencies.Agency",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(user__isnull=True) | models.Q(agency__isnull=True),
                name="accounts_accesslogsubject_user_or_agency",
            )
        ]

    def __str__(self) -> str:
        return f"log {self.log_id}: {self.user_id or self.agency_id or '*'}"
