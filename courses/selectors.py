"""Scoped reads for courses. Each page's reads are a fixed number of queries,
whatever the number of lessons or enrolments."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from wagtail.models import GroupPagePermission

from courses.models import (
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    ProgramPage,
    Question,
    QuizAttempt,
)
from courses.text import search_key
from lms.accounts.models import User
from lms.accounts.roles import Role


@dataclass
class ModuleOutline:
    title: str
    lessons: list[LessonPage] = field(default_factory=list)


def lesson_outline(
    *, course: CoursePage, user: User | None = None
) -> list[ModuleOutline]:
    """Lessons in tree order, grouped by consecutive module (one query). With a
    user, each lesson carries `opened` and `done` for that user."""
    lessons = (
        LessonPage.objects.live()
        .child_of(course)
        .select_related("module")
        .only(
            "id",
            "title",
            "slug",
            "url_path",
            "path",
            "depth",
            "module__title",
            "minutes",
        )
        .order_by("path")
    )
    if user is not None and user.is_authenticated:
        mine = LessonProgress.objects.filter(user=user, lesson_id=OuterRef("pk"))
        lessons = lessons.annotate(
            opened=Exists(mine), done=Exists(mine.filter(completed_at__isnull=False))
        )
    outline: list[ModuleOutline] = []
    for lesson in lessons:
        title = lesson.module.title if lesson.module else ""
        if not outline or outline[-1].title != title:
            outline.append(ModuleOutline(title=title))
        outline[-1].lessons.append(lesson)
    return outline


def lesson_page_facts(
    *, lesson: LessonPage, user: User | None = None
) -> dict[str, object]:
    """Course, outline (with the user's progress) and neighbours of a lesson."""
    course = lesson.course if lesson.course_id else None
    if course is None or course.path != lesson.path[: -lesson.steplen]:
        course = (
            CoursePage.objects.select_related("program")
            .filter(path=lesson.path[: -lesson.steplen])
            .first()
        )
    outline = lesson_outline(course=course, user=user) if course else []
    ordered = [each for module in outline for each in module.lessons]
    index = next((i for i, each in enumerate(ordered) if each.pk == lesson.pk), None)
    current = ordered[index] if index is not None else None
    return {
        "course": course,
        "module_title": current.module.title if current and current.module else "",
        "outline": outline,
        "previous_lesson": ordered[index - 1] if index else None,
        "next_lesson": ordered[index + 1]
        if index is not None and index + 1 < len(ordered)
        else None,
        "position": (index or 0) + 1,
        "lesson_total": len(ordered),
        "opened_ids": {each.pk for each in ordered if getattr(each, "opened", False)},
        "done_ids": {each.pk for each in ordered if getattr(each, "done", False)},
    }


def completed_lesson_ids(*, user: User, course: CoursePage) -> set[int]:
    return set(
        LessonProgress.objects.filter(
            user=user, course=course, completed_at__isnull=False
        ).values_list("lesson_id", flat=True)
    )


def user_is_dost_admin(user: User) -> bool:
    return user.is_superuser or user.groups.filter(name=Role.DOST_ADMIN).exists()


def user_can_teach(*, user: User, program: ProgramPage | None) -> bool:
    """Instructors of this program (page permissions on it) and DOST admins."""
    if not user.is_authenticated or program is None:
        return False
    if user_is_dost_admin(user):
        return True
    return GroupPagePermission.objects.filter(
        group__user=user, page__in=program.get_ancestors(inclusive=True)
    ).exists()


def courses_taught(*, user: User) -> QuerySet[CoursePage]:
    courses = CoursePage.objects.select_related("program").order_by("path")
    if user_is_dost_admin(user):
        return courses
    pages = GroupPagePermission.objects.filter(group__user=user).values_list(
        "page__path", flat=True
    )
    condition = Q(pk__in=[])
    for path in set(pages):
        condition |= Q(path__startswith=path)
    return courses.filter(condition)


def course_page_facts(*, course: CoursePage, user: User) -> dict[str, object]:
    outline = lesson_outline(course=course, user=user)
    lessons = [lesson for module in outline for lesson in module.lessons]
    enrolment = None
    if user.is_authenticated:
        enrolment = (
            Enrolment.objects.filter(user=user, course=course)
            .select_related("last_lesson")
            .first()
        )
    return {
        "outline": outline,
        "enrolment": enrolment,
        "first_lesson": lessons[0] if lessons else None,
        "done_ids": {each.pk for each in lessons if getattr(each, "done", False)},
    }


def catalogue_courses(
    *, program: str = "", audience: str = "", level: str = "", query: str = ""
) -> QuerySet[CoursePage]:
    courses = (
        CoursePage.objects.live()
        .select_related("program")
        .only(
            "id",
            "title",
            "url_path",
            "path",
            "depth",
            "slug",
            "summary",
            "hours",
            "level",
            "program__code",
            "program__title",
            "program__audience",
        )
        .order_by("path")
    )
    if program:
        courses = courses.filter(program__code=program)
    if audience in ("A", "B"):
        courses = courses.filter(program__audience__contains=audience)
    if level:
        courses = courses.filter(level=level)
    for word in search_key(query).split():
        courses = courses.filter(search_text__contains=word)
    return courses


def my_enrolments(*, user: User) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(user=user)
        .select_related("course", "course__program", "last_lesson")
        .only(
            "id",
            "deadline",
            "completed_at",
            "progress",
            "source",
            "created_at",
            "course__id",
            "course__title",
            "course__url_path",
            "course__path",
            "course__depth",
            "course__hours",
            "course__program__code",
            "last_lesson__id",
            "last_lesson__title",
            "last_lesson__slug",
            "last_lesson__url_path",
            "last_lesson__path",
            "last_lesson__depth",
        )
        .order_by("completed_at", "deadline", "-last_activity_at")
    )


def quiz_attempts(*, user: User, course: CoursePage) -> QuerySet[QuizAttempt]:
    return QuizAttempt.objects.filter(user=user, course=course).order_by("number")


PROGRESS_BUCKETS = [(0, 0), (1, 25), (26, 50), (51, 75), (76, 99), (100, 100)]


def course_report(*, course: CoursePage) -> dict[str, object]:
    enrolments = Enrolment.objects.filter(course=course)
    distribution = enrolments.aggregate(
        total=Count("id"),
        completed=Count("id", filter=Q(completed_at__isnull=False)),
        **{
            f"b{low}_{high}": Count(
                "id", filter=Q(progress__gte=low, progress__lte=high)
            )
            for low, high in PROGRESS_BUCKETS
        },
    )
    buckets = [
        (f"{low}–{high}%" if low != high else f"{low}%", distribution[f"b{low}_{high}"])
        for low, high in PROGRESS_BUCKETS
    ]
    items = (
        Question.objects.filter(course=course)
        .annotate(
            answered=Count("answers"),
            wrong=Count("answers", filter=Q(answers__correct=False)),
        )
        .order_by("-wrong", "sort_order")
    )
    stats = [
        {
            "question": q,
            "answered": q.answered,
            "wrong": q.wrong,
            "wrong_rate": round(100 * q.wrong / q.answered) if q.answered else 0,
        }
        for q in items
    ]
    stats.sort(key=lambda s: (-s["wrong_rate"], -s["wrong"]))
    return {
        "total": distribution["total"],
        "completed": distribution["completed"],
        "buckets": buckets,
        "max_bucket": max([count for _label, count in buckets] + [1]),
        "item_stats": stats,
    }


def course_enrolment_rows(*, course: CoursePage) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(course=course)
        .select_related("user", "user__profile__agency")
        .order_by("user__full_name", "user__username")
    )
