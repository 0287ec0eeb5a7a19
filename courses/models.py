from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page


class ProgramIndexPage(Page):
    """The list of training programs (chương trình đào tạo)."""

    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["courses.ProgramPage"]
    max_count = 1

    class Meta:
        verbose_name = _("danh mục chương trình")


class ProgramPage(Page):
    """A training program (P1–P7 of the plan): audience, target positions, hours."""

    class Audience(models.TextChoices):
        A = "A", _("A — cán bộ Trung tâm Tích hợp dữ liệu")
        B = "B", _("B — cán bộ CNTT và đầu mối dữ liệu")
        AB = "AB", _("A và B")

    code = models.CharField(_("mã chương trình"), max_length=10, unique=True)
    audience = models.CharField(_("đối tượng"), max_length=2, choices=Audience.choices)
    target_positions = models.CharField(
        _("vị trí việc làm mục tiêu"), max_length=255, blank=True
    )
    hours = models.PositiveSmallIntegerField(_("số giờ"), default=0)
    summary = RichTextField(_("tóm tắt"), blank=True)

    content_panels = [
        *Page.content_panels,
        "code",
        "audience",
        "target_positions",
        "hours",
        FieldPanel("summary"),
    ]
    parent_page_types = ["courses.ProgramIndexPage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("chương trình đào tạo")
        verbose_name_plural = _("chương trình đào tạo")


class CoursePage(Page):
    """A course (khóa học) inside a program; its lessons are its children."""

    summary = RichTextField(_("tóm tắt"), blank=True)
    hours = models.DecimalField(_("số giờ"), max_digits=5, decimal_places=1, default=0)

    content_panels = [*Page.content_panels, FieldPanel("summary"), "hours"]
    parent_page_types = ["courses.ProgramPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("khóa học")
        verbose_name_plural = _("khóa học")


class LessonPage(Page):
    """A lesson (bài học); ordered by its position among the course's children."""

    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("bài học")
        verbose_name_plural = _("bài học")
