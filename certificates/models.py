"""Certificates (giấy chứng nhận): what was issued to whom, and what happened to it.

A certificate is a legal record: every printed field is a snapshot taken at issue
time (the holder's name and agency, the title and hours of the course), so later
edits to a course page, an agency merger or a profile change never alter a
certificate that was already handed out.  A correction is a *re-issue*: a new
certificate with a new serial that supersedes the old one, which stays on record.

`user` is nullable on purpose: DOST also certifies in-person training of people
who have no account (batch issue by full name + agency code).  The automatic path
always sets it, and the one-per-(user, course) rule only applies when it is set.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _pdf_path(certificate: Certificate, filename: str) -> str:
    # The public code (not the serial) names the file: serials are sequential,
    # so a path built from them would let anyone enumerate stored PDFs.
    return f"certificates/{certificate.issued_on:%Y}/{certificate.code}.pdf"


class CertificateSerialCounter(models.Model):
    """The last serial number used in a year.

    Locked with SELECT ... FOR UPDATE in the issuing transaction, so serials are
    gap-free (a rolled-back issue rolls the counter back too) and unique under
    concurrent issuing.
    """

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("bộ đếm số hiệu")
        verbose_name_plural = _("bộ đếm số hiệu")

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class CertificateSigner(models.Model):
    """Who signs a program's certificates.

    A row without a program is the default (the oldest one wins if there are
    several); with no row at all, CERTIFICATE_SIGNER_NAME/TITLE settings apply.
    """

    program = models.OneToOneField(
        "courses.ProgramPage",
        verbose_name=_("chương trình"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="certificate_signer",
        help_text=_("Để trống để dùng làm người ký mặc định cho mọi chương trình."),
    )
    name = models.CharField(_("họ và tên người ký"), max_length=120)
    title = models.CharField(_("chức vụ người ký"), max_length=120)

    class Meta:
        verbose_name = _("người ký giấy chứng nhận")
        verbose_name_plural = _("người ký giấy chứng nhận")

    def __str__(self) -> str:
        return f"{self.title} {self.name}"


class CertificateBatch(models.Model):
    """An XLSX list issued at once by DOST; its counters drive the progress bar."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Đang chờ")
        RUNNING = "running", _("Đang cấp")
        DONE = "done", _("Hoàn tất")
        FAILED = "failed", _("Thất bại")

    file = models.FileField(_("tệp danh sách"), upload_to="certificates/batches/")
    original_name = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING
    )
    total = models.PositiveIntegerField(default=0)
    issued = models.PositiveIntegerField(default=0)
    rendered = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("đợt cấp theo danh sách")
        verbose_name_plural = _("đợt cấp theo danh sách")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name or self.file.name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        if not self.total:
            return 100 if self.status == self.Status.DONE else 0
        # Issuing is one transaction (all or nothing); rendering is the long part.
        return min(100, round(100 * self.rendered / self.total))


class Certificate(models.Model):
    class Status(models.TextChoices):
        VALID = "valid", _("Còn hiệu lực")
        REVOKED = "revoked", _("Đã thu hồi")
        SUPERSEDED = "superseded", _("Đã được thay thế")

    class Source(models.TextChoices):
        COMPLETION = "completion", _("Tự động khi hoàn thành")
        MANUAL = "manual", _("Cấp thủ công")
        BATCH = "batch", _("Cấp theo danh sách")
        REISSUE = "reissue", _("Cấp lại")

    code = models.UUIDField(_("mã xác minh"), default=uuid.uuid4, unique=True)
    serial = models.CharField(_("số hiệu"), max_length=32, unique=True)
    year = models.PositiveSmallIntegerField(editable=False)
    number = models.PositiveIntegerField(editable=False)

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("tài khoản"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    holder_name = models.CharField(_("họ và tên"), max_length=150)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("cơ quan, đơn vị"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    agency_name = models.CharField(_("tên đơn vị khi cấp"), max_length=255, blank=True)

    course = models.ForeignKey(
        "courses.CoursePage",
        verbose_name=_("khóa học"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    program = models.ForeignKey(
        "courses.ProgramPage",
        verbose_name=_("chương trình"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="certificates",
    )
    title = models.CharField(_("tên khóa học / chương trình"), max_length=255)
    hours = models.DecimalField(
        _("số giờ"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    score = models.DecimalField(
        _("điểm"), max_digits=6, decimal_places=2, null=True, blank=True
    )
    issued_on = models.DateField(_("ngày cấp"))
    signer_name = models.CharField(_("người ký"), max_length=120, blank=True)
    signer_title = models.CharField(_("chức vụ người ký"), max_length=120, blank=True)

    status = models.CharField(
        _("trạng thái"), max_length=12, choices=Status.choices, default=Status.VALID
    )
    status_reason = models.TextField(_("lý do"), blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    superseded_by = models.OneToOneField(
        "self",
        verbose_name=_("được thay thế bởi"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supersedes",
    )

    source = models.CharField(
        max_length=12, choices=Source.choices, default=Source.COMPLETION
    )
    batch = models.ForeignKey(
        CertificateBatch,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="certificates",
    )
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    pdf = models.FileField(upload_to=_pdf_path, blank=True)
    pdf_sha256 = models.CharField(
        _("mã băm SHA-256 của tệp PDF"), max_length=64, blank=True
    )
    # Hash of everything printed (and of the template): re-render only on change.
    rendered_hash = models.CharField(max_length=64, blank=True, editable=False)
    rendered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("giấy chứng nhận")
        verbose_name_plural = _("giấy chứng nhận")
        ordering = ["-issued_on", "-number"]
        permissions = [
            ("issue_certificate", _("Cấp giấy chứng nhận thủ công")),
            ("revoke_certificate", _("Thu hồi, cấp lại giấy chứng nhận")),
            ("view_province_register", _("Xem sổ giấy chứng nhận toàn tỉnh")),
            ("view_agency_register", _("Xem sổ giấy chứng nhận của đơn vị mình")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(course__isnull=False, program__isnull=True)
                    | models.Q(course__isnull=True, program__isnull=False)
                ),
                name="certificates_certificate_course_xor_program",
            ),
            models.UniqueConstraint(
                fields=["year", "number"], name="certificates_certificate_year_number"
            ),
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(user__isnull=False, course__isnull=False)
                & ~models.Q(status="superseded"),
                name="certificates_certificate_one_per_user_course",
            ),
            models.UniqueConstraint(
                fields=["user", "program"],
                condition=models.Q(user__isnull=False, program__isnull=False)
                & ~models.Q(status="superseded"),
                name="certificates_certificate_one_per_user_program",
            ),
        ]
        indexes = [
            models.Index(fields=["agency", "issued_on"]),
            models.Index(fields=["status", "issued_on"]),
        ]

    def __str__(self) -> str:
        return f"{self.serial} — {self.holder_name}"

    @property
    def kind(self) -> str:
        return "course" if self.course_id else "program"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID


class CertificateEvent(models.Model):
    """Audit log: who did what to a certificate, and when. Rows are never edited."""

    class Action(models.TextChoices):
        ISSUED = "issued", _("Cấp")
        RENDERED = "rendered", _("Tạo tệp PDF")
        REVOKED = "revoked", _("Thu hồi")
        SUPERSEDED = "superseded", _("Được thay thế")
        REISSUED = "reissued", _("Cấp lại")

    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(max_length=12, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(auto_now_add=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("nhật ký giấy chứng nhận")
        verbose_name_plural = _("nhật ký giấy chứng nhận")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.certificate_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
