from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.forms import WagtailAdminPageForm
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    InlinePanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
)
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page

from courses.blocks import LessonBodyBlock
from courses.text import answer_key, search_key
from lms.pagecache import AnonymousCacheablePageMixin


class ProgramIndexPage(AnonymousCacheablePageMixin, Page):
    """The list of training programs (chương trình đào tạo)."""

    intro = RichTextField(_("giới thiệu"), blank=True)

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["lms.HomePage"]
    subpage_types = ["courses.ProgramPage"]
    max_count = 1

    class Meta:
        verbose_name = _("danh mục chương trình")

    def route(self, request, path_components):
        # Wagtail resolves one tree level per query pair (child + specific); a lesson
        # sits four levels down. Look the whole path up at once instead, keeping
        # Wagtail's rule that only the final page must be live.
        if not path_components:
            return super().route(request, path_components)
        url_path = self.url_path + "/".join(path_components) + "/"
        page = LessonPage.objects.filter(url_path=url_path).first()
        if page is None:
            found = Page.objects.filter(url_path=url_path).first()
            if found is None:
                return super().route(request, path_components)
            page = found.specific
        return page.route(request, [])


class ProgramPage(AnonymousCacheablePageMixin, Page):
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
    self_enrolment = models.BooleanField(
        _("cho phép tự ghi danh"),
        default=True,
        help_text=_("Cán bộ được tự ghi danh vào các khóa học của chương trình."),
    )
    auto_assign_focal_points = models.BooleanField(
        _("tự động giao cho cán bộ đầu mối dữ liệu"), default=False
    )
    auto_assign_it_officers = models.BooleanField(
        _("tự động giao cho cán bộ chuyên trách CNTT"), default=False
    )
    auto_assign_deadline = models.DateField(
        _("hạn chót khi giao tự động"), null=True, blank=True
    )

    content_panels = [
        *Page.content_panels,
        "code",
        "audience",
        "target_positions",
        "hours",
        FieldPanel("summary"),
        MultiFieldPanel(
            [
                "self_enrolment",
                "auto_assign_focal_points",
                "auto_assign_it_officers",
                "auto_assign_deadline",
            ],
            heading=_("Ghi danh và giao học"),
        ),
    ]
    parent_page_types = ["courses.ProgramIndexPage"]
    subpage_types = ["courses.CoursePage"]

    class Meta:
        verbose_name = _("chương trình đào tạo")
        verbose_name_plural = _("chương trình đào tạo")


class CoursePage(AnonymousCacheablePageMixin, Page):
    """A course (khóa học) inside a program; its lessons are its children, its quiz
    (question bank and rules) lives on the course itself."""

    class Level(models.TextChoices):
        BASIC = "co-ban", _("Cơ bản")
        INTERMEDIATE = "trung-cap", _("Trung cấp")
        ADVANCED = "nang-cao", _("Nâng cao")

    class ScorePolicy(models.TextChoices):
        BEST = "best", _("Lần có điểm cao nhất")
        LAST = "last", _("Lần làm gần nhất")

    summary = RichTextField(_("tóm tắt"), blank=True)
    hours = models.DecimalField(_("số giờ"), max_digits=5, decimal_places=1, default=0)
    objectives = models.TextField(
        _("mục tiêu"), blank=True, help_text=_("Mỗi dòng một mục tiêu.")
    )
    level = models.CharField(
        _("trình độ"), max_length=10, choices=Level.choices, default=Level.BASIC
    )
    required_for_program = models.BooleanField(
        _("bắt buộc để hoàn thành chương trình"), default=True
    )
    quiz_required = models.BooleanField(_("phải đạt bài kiểm tra"), default=True)
    labs_required = models.BooleanField(_("phải đạt các bài thực hành"), default=True)
    prerequisites = ParentalManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="required_by",
        verbose_name=_("khóa học tiên quyết"),
    )
    quiz_title = models.CharField(
        _("tên bài kiểm tra"),
        max_length=255,
        blank=True,
        default="Bài kiểm tra cuối khóa",
    )
    quiz_pass_mark = models.PositiveSmallIntegerField(
        _("điểm đạt (%)"), default=70, validators=[MaxValueValidator(100)]
    )
    quiz_draw = models.PositiveSmallIntegerField(
        _("số câu rút ngẫu nhiên mỗi lần"),
        default=0,
        help_text=_("0 = dùng tất cả câu hỏi."),
    )
    quiz_max_attempts = models.PositiveSmallIntegerField(
        _("số lần làm tối đa"), default=3, help_text=_("0 = không giới hạn.")
    )
    quiz_score_policy = models.CharField(
        _("lần làm được tính điểm"),
        max_length=4,
        choices=ScorePolicy.choices,
        default=ScorePolicy.BEST,
    )
    # Denormalised on save so the catalogue filters and searches in one query.
    program = models.ForeignKey(
        ProgramPage,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="courses",
    )
    search_text = models.TextField(editable=False, blank=True, db_index=False)

    content_panels = [
        *Page.content_panels,
        FieldPanel("summary"),
        "objectives",
        FieldRowPanel(["hours", "level"]),
        InlinePanel("modules", heading=_("Chuyên đề"), label=_("chuyên đề")),
    ]
    rules_panels = [
        "required_for_program",
        "quiz_required",
        "labs_required",
        FieldPanel("prerequisites", widget=forms.CheckboxSelectMultiple),
    ]
    quiz_panels = [
        "quiz_title",
        FieldRowPanel(["quiz_pass_mark", "quiz_draw", "quiz_max_attempts"]),
        "quiz_score_policy",
        InlinePanel("questions", heading=_("Ngân hàng câu hỏi"), label=_("câu hỏi")),
    ]
    edit_handler = TabbedInterface(
        [
            ObjectList(content_panels, heading=_("Nội dung")),
            ObjectList(rules_panels, heading=_("Điều kiện hoàn thành")),
            ObjectList(quiz_panels, heading=_("Bài kiểm tra")),
            ObjectList(Page.promote_panels, heading=_("Quảng bá")),
            ObjectList(Page.settings_panels, heading=_("Cài đặt")),
        ]
    )
    parent_page_types = ["courses.ProgramPage"]
    subpage_types = ["courses.LessonPage"]

    class Meta:
        verbose_name = _("khóa học")
        verbose_name_plural = _("khóa học")

    def save(self, *args, **kwargs):
        # Partial saves (revisions, locks) carry draft content in memory: only a full
        # save, i.e. a publish, refreshes the denormalised columns.
        if kwargs.get("update_fields") is None and self.path:
            parent = Page.objects.filter(path=self.path[: -self.steplen]).first()
            self.program = (
                ProgramPage.objects.filter(pk=parent.pk).first() if parent else None
            )
            program_title = self.program.title if self.program else ""
            self.search_text = search_key(
                " ".join(
                    [
                        self.title,
                        program_title,
                        strip_tags(self.summary),
                        self.objectives,
                    ]
                )
            )
        return super().save(*args, **kwargs)

    @property
    def objective_list(self) -> list[str]:
        return [line.strip() for line in self.objectives.splitlines() if line.strip()]

    def lessons(self):
        return LessonPage.objects.child_of(self).live().order_by("path")

    def get_context(self, request, *args, **kwargs):
        from courses import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.course_page_facts(course=self, user=request.user))
        return context


class CourseModule(Orderable):
    """A module (chuyên đề): a titled group of a course's lessons."""

    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="modules")
    title = models.CharField(_("tên chuyên đề"), max_length=255)

    panels = ["title"]

    class Meta(Orderable.Meta):
        verbose_name = _("chuyên đề")
        verbose_name_plural = _("chuyên đề")

    def __str__(self) -> str:
        return self.title


@dataclass(frozen=True)
class Choice:
    key: str
    text: str
    correct: bool


class Question(Orderable):
    """A question of a course's bank. Choices are written one per line with a leading
    `*` on the correct ones, so authors need no nested forms."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Một lựa chọn")
        MULTIPLE = "multiple", _("Nhiều lựa chọn")
        TRUE_FALSE = "true_false", _("Đúng/Sai")
        NUMERIC = "numeric", _("Số")
        SHORT_TEXT = "short_text", _("Trả lời ngắn")

    course = ParentalKey(CoursePage, on_delete=models.CASCADE, related_name="questions")
    kind = models.CharField(_("loại câu hỏi"), max_length=12, choices=Kind.choices)
    text = models.TextField(_("câu hỏi"))
    choices_text = models.TextField(
        _("các phương án"),
        blank=True,
        help_text=_(
            "Mỗi dòng một phương án; thêm dấu * ở đầu các phương án đúng. "
            "Dùng cho câu một lựa chọn và nhiều lựa chọn."
        ),
    )
    true_false_answer = models.BooleanField(_("đáp án đúng/sai"), null=True, blank=True)
    numeric_answer = models.DecimalField(
        _("đáp án số"), max_digits=14, decimal_places=4, null=True, blank=True
    )
    tolerance = models.DecimalField(
        _("sai số cho phép"),
        max_digits=14,
        decimal_places=4,
        default=0,
        validators=[MinValueValidator(0)],
    )
    accepted_answers = models.TextField(
        _("các đáp án được chấp nhận"),
        blank=True,
        help_text=_("Mỗi dòng một đáp án; không phân biệt hoa thường và khoảng trắng."),
    )
    feedback = models.TextField(_("nhận xét sau khi nộp"), blank=True)

    panels = [
        "kind",
        "text",
        "choices_text",
        "true_false_answer",
        FieldRowPanel(["numeric_answer", "tolerance"]),
        "accepted_answers",
        "feedback",
    ]

    class Meta(Orderable.Meta):
        verbose_name = _("câu hỏi")
        verbose_name_plural = _("câu hỏi")

    def __str__(self) -> str:
        return self.text[:80]

    def choices(self) -> list[Choice]:
        result = []
        for line in self.choices_text.splitlines():
            line = line.strip()
            if not line:
                continue
            correct = line.startswith("*")
            text = line.lstrip("*").strip()
            # A key bound to the question: a choice posted for another question
            # never matches.
            digest = hashlib.sha256(f"{self.pk}:{text}".encode()).hexdigest()[:12]
            result.append(Choice(key=digest, text=text, correct=correct))
        return result

    def accepted_keys(self) -> set[str]:
        return {answer_key(a) for a in self.accepted_answers.splitlines() if a.strip()}

    def clean(self) -> None:
        kind = self.kind
        if kind in (self.Kind.SINGLE, self.Kind.MULTIPLE):
            choices = self.choices()
            correct = sum(c.correct for c in choices)
            if len(choices) < 2:
                raise ValidationError({"choices_text": _("Cần ít nhất hai phương án.")})
            if kind == self.Kind.SINGLE and correct != 1:
                raise ValidationError(
                    {
                        "choices_text": _(
                            "Câu một lựa chọn cần đúng một phương án có dấu *."
                        )
                    }
                )
            if kind == self.Kind.MULTIPLE and correct < 1:
                raise ValidationError(
                    {"choices_text": _("Đánh dấu * ít nhất một phương án đúng.")}
                )
        elif kind == self.Kind.TRUE_FALSE and self.true_false_answer is None:
            raise ValidationError(
                {"true_false_answer": _("Chọn đáp án Đúng hoặc Sai.")}
            )
        elif kind == self.Kind.NUMERIC and self.numeric_answer is None:
            raise ValidationError({"numeric_answer": _("Nhập đáp án số.")})
        elif kind == self.Kind.SHORT_TEXT and not self.accepted_keys():
            raise ValidationError(
                {"accepted_answers": _("Nhập ít nhất một đáp án được chấp nhận.")}
            )


def lesson_short_url(*, lesson_id: int, slug: str) -> str:
    return reverse("courses:lesson", kwargs={"lesson_id": lesson_id, "slug": slug})


class LessonPageForm(WagtailAdminPageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offer only the modules of this lesson's own course.
        parent = self.parent_page or (
            self.instance.get_parent() if self.instance.pk else None
        )
        if "module" in self.fields:
            self.fields["module"].queryset = CourseModule.objects.filter(
                course_id=parent.pk if parent else None
            )


class LessonPage(Page):
    """A lesson (bài học); ordered by its position among the course's children."""

    module = models.ForeignKey(
        CourseModule,
        verbose_name=_("chuyên đề"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="lessons",
    )
    minutes = models.PositiveSmallIntegerField(_("thời lượng (phút)"), default=0)
    # The parent course, denormalised on save so a lesson loads with its course in
    # one query.
    course = models.ForeignKey(
        CoursePage,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = StreamField(LessonBodyBlock(), blank=True, verbose_name=_("nội dung"))
    # The labs this lesson's body points at, kept in step on publish so completion
    # and `lab_graded` need no StreamField parsing.
    labs = models.ManyToManyField(
        "labs.Lab", blank=True, editable=False, related_name="lessons"
    )

    content_panels = [
        *Page.content_panels,
        FieldRowPanel(["module", "minutes"]),
        FieldPanel("body"),
    ]
    base_form_class = LessonPageForm
    parent_page_types = ["courses.CoursePage"]
    subpage_types: list[str] = []

    class Meta:
        verbose_name = _("bài học")
        verbose_name_plural = _("bài học")

    def lab_ids_in_body(self) -> list[int]:
        return [
            block["value"]
            for block in self.body.raw_data
            if block.get("type") == "lab" and block.get("value")
        ]

    def save(self, *args, **kwargs):
        if kwargs.get("update_fields") is None and self.path:
            self.course = CoursePage.objects.filter(
                path=self.path[: -self.steplen]
            ).first()
        result = super().save(*args, **kwargs)
        if kwargs.get("update_fields") is None:
            from labs.models import Lab

            self.labs.set(Lab.objects.filter(pk__in=self.lab_ids_in_body()))
        return result

    def get_url_parts(self, request=None):
        # Lessons are served by courses.views.lesson at a short URL: one query
        # loads the lesson with its course, instead of Wagtail walking the tree.
        parts = super().get_url_parts(request=request)
        if parts is None or not self.pk:
            return parts
        site_id, root_url, _page_path = parts
        return (site_id, root_url, self.short_url)

    @property
    def short_url(self) -> str:
        """The lesson's URL without Wagtail's site lookup (relative, one site)."""
        return lesson_short_url(lesson_id=self.pk, slug=self.slug)

    def get_context(self, request, *args, **kwargs):
        from courses import selectors

        context = super().get_context(request, *args, **kwargs)
        context.update(selectors.lesson_page_facts(lesson=self, user=request.user))
        return context

    def serve(self, request, *args, **kwargs):
        from courses.views import lesson_serve

        if getattr(request, "is_preview", False):
            return super().serve(request, *args, **kwargs)
        return lesson_serve(request, self)


def deadline_passed(deadline, completed_at, today) -> bool:
    """Overdue: a deadline, not completed, and the deadline before `today`."""
    return bool(deadline and not completed_at and deadline < today)


class Enrolment(models.Model):
    """An officer's enrolment (ghi danh) in a course, self-chosen or assigned.

    `progress` (percent of live lessons completed) and `last_lesson` are stored by
    the progress services so "Học tập của tôi" reads one row per course.
    """

    class Source(models.TextChoices):
        SELF = "self", _("Tự ghi danh")
        ASSIGNED = "assigned", _("Được giao")
        AUTO = "auto", _("Giao tự động")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrolments"
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="enrolments"
    )
    source = models.CharField(
        _("nguồn"), max_length=10, choices=Source.choices, default=Source.SELF
    )
    deadline = models.DateField(_("hạn chót"), null=True, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("tiến độ (%)"), default=0)
    last_lesson = models.ForeignKey(
        LessonPage, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_activity_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ghi danh")
        verbose_name_plural = _("ghi danh")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"], name="courses_enrolment_unique_user_course"
            )
        ]
        indexes = [models.Index(fields=["deadline", "completed_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.course}"

    def is_overdue(self, today=None) -> bool:
        return deadline_passed(
            self.deadline, self.completed_at, today or timezone.localdate()
        )


class LessonProgress(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="lesson_progress",
    )
    lesson = models.ForeignKey(LessonPage, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(CoursePage, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(default=timezone.now)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("tiến độ bài học")
        verbose_name_plural = _("tiến độ bài học")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lesson"],
                name="courses_lessonprogress_unique_user_lesson",
            )
        ]
        indexes = [models.Index(fields=["user", "course"])]


class LabPass(models.Model):
    """A lab an officer has passed, recorded from `labs.signals.lab_graded`."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    lab = models.ForeignKey("labs.Lab", on_delete=models.CASCADE, related_name="+")
    passed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "lab"], name="courses_labpass_unique_user_lab"
            )
        ]


class QuizAttempt(models.Model):
    """One attempt at a course's quiz; the drawn questions are fixed at start."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    number = models.PositiveSmallIntegerField(_("lần thứ"))
    question_ids = models.JSONField(default=list)
    answers = models.JSONField(default=dict, blank=True)
    started_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    score = models.DecimalField(
        _("điểm (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    passed = models.BooleanField(null=True)

    class Meta:
        verbose_name = _("lần làm bài kiểm tra")
        verbose_name_plural = _("lần làm bài kiểm tra")
        ordering = ["user", "course", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course", "number"],
                name="courses_quizattempt_unique_number",
            ),
            models.UniqueConstraint(
                fields=["user", "course"],
                condition=models.Q(submitted_at__isnull=True),
                name="courses_quizattempt_one_open",
            ),
        ]


class QuizAnswer(models.Model):
    """One scored answer, kept for item statistics (which questions go wrong)."""

    attempt = models.ForeignKey(
        QuizAttempt, on_delete=models.CASCADE, related_name="items"
    )
    question = models.ForeignKey(
        Question, null=True, on_delete=models.SET_NULL, related_name="answers"
    )
    correct = models.BooleanField()


class CourseCompletion(models.Model):
    """A completed course, credited to the officer's agency at that moment."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="course_completions",
    )
    course = models.ForeignKey(
        CoursePage, on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hoàn thành khóa học")
        verbose_name_plural = _("hoàn thành khóa học")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "course"],
                name="courses_coursecompletion_unique_user_course",
            )
        ]


class ProgramCompletion(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="program_completions",
    )
    program = models.ForeignKey(
        ProgramPage, on_delete=models.CASCADE, related_name="completions"
    )
    completed_at = models.DateTimeField(default=timezone.now)
    agency = models.ForeignKey(
        "agencies.Agency", null=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("hoàn thành chương trình")
        verbose_name_plural = _("hoàn thành chương trình")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "program"],
                name="courses_programcompletion_unique_user_program",
            )
        ]


class ReminderSent(models.Model):
    """At most one deadline reminder per learner per day."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "date"], name="courses_remindersent_once_per_day"
            )
        ]
