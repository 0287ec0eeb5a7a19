"""Scoped reads for courses. Each page's reads are a fixed number of queries,
whatever the number of lessons or enrolments."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TypeVar

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q, QuerySet
from wagtail.models import GroupPagePermission

from courses.models import (
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    ProgramPage,
    Question,
    QuizAttempt,
    deadline_passed,
    lesson_short_url,
)
from courses.text import search_key
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.cache import cache_version, cache_version_bump

OUTLINE_VERSION_KEY = "courses:outline:version"
T = TypeVar("T")


@dataclass(frozen=True)
class OutlineLesson:
    """What the outline, the pager and "continue" need of a lesson: plain data, so
    the course's outline can be cached and shared by all its learners."""

    pk: int
    title: str
    url: str
    module_title: str


@dataclass
class ModuleOutline:
    title: str
    lessons: list[OutlineLesson] = field(default_factory=list)


def outline_changed(**_kwargs: object) -> None:
    """Retire every cached outline (signal receiver: a lesson, module or course
    was saved, published, moved or deleted)."""
    cache_version_bump(OUTLINE_VERSION_KEY)


def outline_cached(name: str, compute: Callable[[], T | None]) -> T | None:
    """`compute()`, cached under `name` for all learners until the next change to
    a lesson, module or course (the outline version); None is not cached, and
    nothing is when COURSE_OUTLINE_CACHE_SECONDS is 0."""
    seconds = settings.COURSE_OUTLINE_CACHE_SECONDS
    if not seconds:
        return compute()
    key = f"courses:{name}:{cache_version(OUTLINE_VERSION_KEY)}"
    found = cache.get(key)
    if found is None:
        found = compute()
        if found is not None:
            cache.set(key, found, seconds)
    return found


def _course_outline(course: CoursePage) -> tuple[str, list[OutlineLesson]]:
    """The course's URL and its live lessons in tree order, cached together (one
    query and a Wagtail URL lookup on a miss, one cache read on a hit)."""

    def build() -> tuple[str, list[OutlineLesson]]:
        rows = (
            LessonPage.objects.live()
            .filter(path__startswith=course.path, depth=course.depth + 1)
            .order_by("path")
            .values_list("pk", "title", "slug", "module__title")
        )
        lessons = [
            OutlineLesson(
                pk=pk,
                title=title,
                url=lesson_short_url(lesson_id=pk, slug=slug),
                module_title=module_title or "",
            )
            for pk, title, slug, module_title in rows
        ]
        return course.get_url(), lessons

    return outline_cached(f"outline2:{course.pk}", build)


def lesson_live(lesson_id: int) -> LessonPage | None:
    """A live lesson with its course and program, for the lesson page.

    Cached with the outlines: the three-table page query costs about 4 ms of CPU
    per view, reading the cached copy a tenth of a millisecond."""
    return outline_cached(
        f"lesson:{lesson_id}",
        lambda: (
            LessonPage.objects.live()
            .select_related("course", "course__program")
            # The lesson page shows none of the course's or program's long texts.
            .defer(
                "course__summary",
                "course__objectives",
                "course__search_text",
                "course__search_description",
                "course__program__summary",
                "course__program__search_description",
            )
            .filter(pk=lesson_id)
            .first()
        ),
    )


def course_urls(*, course_ids: Iterable[int]) -> dict[int, str]:
    """Public URLs of the courses `course_ids`, cached with the outlines: Wagtail's
    own lookup costs a site query per request and a tree walk per page."""
    course_ids = list(course_ids)
    seconds = settings.COURSE_OUTLINE_CACHE_SECONDS
    keys: dict[int, str] = {}
    found: dict[str, str] = {}
    if seconds:
        version = cache_version(OUTLINE_VERSION_KEY)
        keys = {pk: f"courses:url:{version}:{pk}" for pk in course_ids}
        found = cache.get_many(list(keys.values()))
    urls = {pk: found[keys[pk]] for pk in course_ids if keys.get(pk) in found}
    missing = [pk for pk in course_ids if pk not in urls]
    if missing:
        fresh = {
            course.pk: course.get_url()
            for course in CoursePage.objects.filter(pk__in=missing)
        }
        urls.update(fresh)
        if seconds:
            cache.set_many({keys[pk]: url for pk, url in fresh.items()}, seconds)
    return urls


def lesson_outline(
    *, course: CoursePage, user: User | None = None
) -> tuple[list[ModuleOutline], set[int], set[int]]:
    """Lessons grouped by consecutive module, and the ids of the lessons `user` has
    opened and finished (one small query for the user's progress)."""
    _url, lessons = _course_outline(course)
    return _grouped_with_progress(lessons, user)


def _grouped_with_progress(
    lessons: list[OutlineLesson], user: User | None
) -> tuple[list[ModuleOutline], set[int], set[int]]:
    opened: set[int] = set()
    done: set[int] = set()
    if user is not None and user.is_authenticated and lessons:
        for lesson_id, completed_at in LessonProgress.objects.filter(
            user=user, lesson_id__in=[each.pk for each in lessons]
        ).values_list("lesson_id", "completed_at"):
            opened.add(lesson_id)
            if completed_at is not None:
                done.add(lesson_id)
    outline: list[ModuleOutline] = []
    for lesson in lessons:
        if not outline or outline[-1].title != lesson.module_title:
            outline.append(ModuleOutline(title=lesson.module_title))
        outline[-1].lessons.append(lesson)
    return outline, opened, done


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
    course_url, lessons = _course_outline(course) if course else ("", [])
    outline, opened, done = _grouped_with_progress(lessons, user)
    ordered = [each for module in outline for each in module.lessons]
    index = next((i for i, each in enumerate(ordered) if each.pk == lesson.pk), None)
    current = ordered[index] if index is not None else None
    return {
        "course": course,
        "course_url": course_url,
        "module_title": current.module_title if current else "",
        "outline": outline,
        "previous_lesson": ordered[index - 1] if index else None,
        "next_lesson": ordered[index + 1]
        if index is not None and index + 1 < len(ordered)
        else None,
        "position": (index or 0) + 1,
        "lesson_total": len(ordered),
        "opened_ids": opened,
        "done_ids": done,
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


def enrolment_of(
    *, user: User, course: CoursePage, rows: QuerySet[Enrolment] | None = None
) -> Enrolment | None:
    """The user's enrolment in `course`, if any. There is at most one (a unique
    constraint), so no ORDER BY: `.first()` would sort by id, and PostgreSQL then
    walks the primary key instead of the (user, course) index."""
    rows = Enrolment.objects.all() if rows is None else rows
    found = list(rows.filter(user=user, course=course)[:1])
    return found[0] if found else None


def course_page_facts(*, course: CoursePage, user: User) -> dict[str, object]:
    outline, _opened, done = lesson_outline(course=course, user=user)
    lessons = [lesson for module in outline for lesson in module.lessons]
    enrolment = None
    if user.is_authenticated:
        enrolment = enrolment_of(
            user=user,
            course=course,
            rows=Enrolment.objects.select_related("last_lesson"),
        )
    return {
        "outline": outline,
        "enrolment": enrolment,
        "first_lesson": lessons[0] if lessons else None,
        "done_ids": done,
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


@dataclass(frozen=True)
class LearningItem:
    """One course on "Học tập của tôi", as plain values: building the course,
    program and last-lesson page objects cost about a millisecond per row."""

    course_id: int
    course_title: str
    course_url: str
    program_code: str
    source_label: str
    progress: int
    deadline: date | None
    completed_at: datetime | None
    continue_url: str
    overdue: bool
    days_left: int | None


def my_learning(*, user: User, today: date) -> list[LearningItem]:
    """The officer's enrolments, unfinished first, nearest deadline first."""
    rows = list(
        Enrolment.objects.filter(user=user)
        .order_by("completed_at", "deadline", "-last_activity_at")
        .values_list(
            "course_id",
            "course__title",
            "course__program__code",
            "source",
            "progress",
            "deadline",
            "completed_at",
            "last_lesson_id",
            "last_lesson__slug",
        )
    )
    urls = course_urls(course_ids=[row[0] for row in rows])
    return [
        LearningItem(
            course_id=course_id,
            course_title=title,
            course_url=urls.get(course_id, ""),
            program_code=program_code or "",
            source_label=str(Enrolment.Source(source).label),
            progress=progress,
            deadline=deadline,
            completed_at=completed_at,
            continue_url=lesson_short_url(lesson_id=lesson_id, slug=slug)
            if lesson_id
            else "",
            overdue=deadline_passed(deadline, completed_at, today),
            days_left=(deadline - today).days if deadline else None,
        )
        for (
            course_id,
            title,
            program_code,
            source,
            progress,
            deadline,
            completed_at,
            lesson_id,
            slug,
        ) in rows
    ]


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
