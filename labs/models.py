from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Lab(models.Model):
    """A hands-on lab (bài thực hành) that a lesson's lab block points to.

    Bundles (starter, data, hidden checks) and their versions attach to it.
    """

    slug = models.SlugField(_("mã bài thực hành"), max_length=80, unique=True)
    title = models.CharField(_("tên bài thực hành"), max_length=255)
    summary = models.TextField(_("tóm tắt"), blank=True)
    # The version learners download and are graded against; only a valid version
    # is ever pointed to, so a refused upload never reaches learners.
    current_version = models.ForeignKey(
        "LabBundleVersion",
        verbose_name=_("phiên bản hiện hành"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("bài thực hành")
        verbose_name_plural = _("bài thực hành")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class LabBundleVersion(models.Model):
    """One uploaded bundle (zip of the bundle folder), kept forever: a submission
    records the version it was graded against."""

    class Status(models.TextChoices):
        VALID = "valid", _("Hợp lệ")
        REFUSED = "refused", _("Bị từ chối")

    lab = models.ForeignKey(
        Lab,
        verbose_name=_("bài thực hành"),
        on_delete=models.CASCADE,
        related_name="versions",
    )
    version = models.PositiveIntegerField(_("phiên bản"))
    manifest = models.JSONField(_("tệp mô tả"), default=dict)
    archive = models.FileField(_("gói bài thực hành"), upload_to="labs/bundles/")
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    status = models.CharField(
        _("trạng thái"), max_length=16, choices=Status.choices, default=Status.VALID
    )
    # {"solution": {"score", "max_score", "status"}, "starter": {...}, "reason": str}
    report = models.JSONField(_("kết quả kiểm tra"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người tải lên"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm tải lên"), auto_now_add=True)

    class Meta:
        verbose_name = _("phiên bản gói bài thực hành")
        verbose_name_plural = _("phiên bản gói bài thực hành")
        ordering = ["lab", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["lab", "version"], name="labs_labbundleversion_unique_version"
            ),
            models.UniqueConstraint(
                fields=["lab", "sha256"], name="labs_labbundleversion_unique_sha256"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.lab.slug} v{self.version}"

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def refusal_reason(self) -> str:
        return str(self.report.get("reason", ""))


class Submission(models.Model):
    """A learner's notebook (bài nộp). Saved before anything is queued, so the
    database, not the broker, is the record of what must be graded."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Đang chờ chấm")
        RUNNING = "running", _("Đang chấm")
        GRADED = "graded", _("Đã chấm")
        ERROR = "error", _("Lỗi khi chấm")
        REVIEW = "review", _("Chờ giảng viên xem xét")

    class Source(models.TextChoices):
        UPLOAD = "upload", _("Tải lên")
        HUB = "hub", _("Nộp từ JupyterLab")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("học viên"),
        on_delete=models.CASCADE,
        related_name="lab_submissions",
    )
    lab = models.ForeignKey(
        Lab,
        verbose_name=_("bài thực hành"),
        on_delete=models.CASCADE,
        related_name="submissions",
    )
    # The version to grade against; a regrade moves it to the lab's new version.
    bundle_version = models.ForeignKey(
        LabBundleVersion,
        verbose_name=_("phiên bản gói"),
        on_delete=models.PROTECT,
        related_name="submissions",
    )
    notebook = models.FileField(_("tệp notebook"), upload_to="labs/submissions/")
    sha256 = models.CharField(_("mã băm SHA-256"), max_length=64)
    source = models.CharField(
        _("nguồn"), max_length=16, choices=Source.choices, default=Source.UPLOAD
    )
    status = models.CharField(
        _("trạng thái"),
        max_length=16,
        choices=Status.choices,
        default=Status.QUEUED,
        db_index=True,
    )
    attempts = models.PositiveSmallIntegerField(_("số lần chấm"), default=0)
    score = models.FloatField(_("điểm"), null=True, blank=True)
    max_score = models.FloatField(_("điểm tối đa"), null=True, blank=True)
    # GradeResult.to_dict(): per-check status, points, message, hint, timings.
    result = models.JSONField(_("kết quả chấm"), default=dict, blank=True)
    error = models.TextField(_("thông báo lỗi"), blank=True)
    # The grading stores the executed notebook (.ipynb, outputs capped); the first
    # view replaces it with its rendered HTML (services.submission_notebook_html).
    # One field for both, so retention (which clears it) removes either. Gradings
    # before lazy rendering stored the HTML at once.
    executed_html = models.FileField(
        _("notebook đã chạy (HTML)"), upload_to="labs/executed/", blank=True
    )
    # Only the message carrying this id may grade: a redelivered message keeps it, a
    # re-queue by the sweeper or a regrade replaces it, so stale runs cannot write.
    task_id = models.CharField(_("mã tác vụ Celery"), max_length=64, blank=True)
    regrade_run = models.ForeignKey(
        "RegradeRun",
        verbose_name=_("lượt chấm lại"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submissions",
    )
    created_at = models.DateTimeField(_("thời điểm nộp"), auto_now_add=True)
    queued_at = models.DateTimeField(_("thời điểm xếp hàng"), null=True, blank=True)
    # Set only once the broker accepted the message: a queued submission without it
    # was never published (broker down) and the sweeper publishes it again.
    enqueued_at = models.DateTimeField(
        _("thời điểm gửi vào hàng đợi"), null=True, blank=True
    )
    started_at = models.DateTimeField(
        _("thời điểm bắt đầu chấm"), null=True, blank=True
    )
    graded_at = models.DateTimeField(_("thời điểm chấm xong"), null=True, blank=True)

    # Not stored: set by services after the commit that queued it, True when the
    # broker took the message, False when it was down (the sweeper publishes later).
    published: bool | None = None

    class Meta:
        verbose_name = _("bài nộp")
        verbose_name_plural = _("bài nộp")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["lab", "user"], name="labs_submission_lab_user"),
            models.Index(fields=["status", "queued_at"], name="labs_submission_sweep"),
        ]
        permissions = [
            ("view_all_submissions", _("Xem bài nộp của mọi học viên")),
            ("regrade_submission", _("Chấm lại bài nộp")),
        ]

    def __str__(self) -> str:
        return f"{self.lab.slug} #{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in {
            self.Status.GRADED,
            self.Status.ERROR,
            self.Status.REVIEW,
        }

    @property
    def checks(self) -> list[dict]:
        return list(self.result.get("checks", []))


class RegradeRun(models.Model):
    """ "Chấm lại tất cả" for one lab: what the progress bar counts against."""

    lab = models.ForeignKey(
        Lab,
        verbose_name=_("bài thực hành"),
        on_delete=models.CASCADE,
        related_name="regrade_runs",
    )
    bundle_version = models.ForeignKey(
        LabBundleVersion,
        verbose_name=_("phiên bản gói"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    total = models.PositiveIntegerField(_("số bài nộp"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("người yêu cầu"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("thời điểm yêu cầu"), auto_now_add=True)

    class Meta:
        verbose_name = _("lượt chấm lại")
        verbose_name_plural = _("lượt chấm lại")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.lab.slug} @ {self.created_at:%Y-%m-%d %H:%M}"
