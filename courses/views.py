"""Learner and instructor pages of courses."""

from __future__ import annotations

import csv
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from courses import selectors, services
from courses.models import CoursePage, Enrolment, LessonPage, ProgramPage, Question
from courses.services import CourseError
from lms.accounts.privacy import personal_data_access_record
from lms.pagecache import anonymous_cacheable
from lms.security import not_found
from lms.spreadsheets import formula_neutralise

# --- Access helpers ---------------------------------------------------------------


def _live_course(course_id: int) -> CoursePage:
    return get_object_or_404(
        CoursePage.objects.live().select_related("program"), pk=course_id
    )


def _require_teaching(request: HttpRequest) -> None:
    """Instructor pages are a function learners and managers do not have: 403."""
    user = request.user
    if not user.is_staff and not selectors.courses_taught(user=user).exists():
        raise PermissionDenied("instructor pages")


def _taught_course(request: HttpRequest, course_id: int) -> CoursePage:
    """A course the user teaches; another instructor's course is "not found" (and
    logged), not "forbidden"."""
    _require_teaching(request)
    course = get_object_or_404(
        CoursePage.objects.select_related("program"), pk=course_id
    )
    if not selectors.user_can_teach(user=request.user, program=course.program):
        raise not_found(request, f"course:{course_id}")
    return course


# --- Lessons (served through LessonPage.serve) ------------------------------------


def lesson_serve(request: HttpRequest, lesson: LessonPage) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    context = lesson.get_context(request)
    course = context["course"]
    enrolment = selectors.enrolment_of(user=request.user, course=course)
    if enrolment is None and not selectors.user_can_teach(
        user=request.user, program=course.program
    ):
        messages.info(request, "Hãy ghi danh khóa học để bắt đầu học.")
        return redirect(course.get_url(request))
    if enrolment is not None:
        services.lesson_view(
            user=request.user,
            lesson=lesson,
            course=course,
            enrolment=enrolment,
            opened=context["opened_ids"],
        )
    else:
        context["done_ids"] = set()
    context["enrolment"] = enrolment
    return TemplateResponse(request, lesson.get_template(request), context)


def lesson(request: HttpRequest, lesson_id: int, slug: str) -> HttpResponse:
    """A lesson at its short URL (see LessonPage.get_url_parts)."""
    page = selectors.lesson_live(lesson_id)
    if page is None:
        raise Http404
    if page.slug != slug:
        return redirect(page.get_url(request), permanent=True)
    return lesson_serve(request, page)


@require_POST
@login_required
def lesson_complete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    lesson = get_object_or_404(LessonPage.objects.live(), pk=lesson_id)
    try:
        services.lesson_complete(user=request.user, lesson=lesson)
    except CourseError as exc:
        messages.error(request, str(exc))
        return redirect(lesson.get_url(request))
    messages.success(request, "Đã đánh dấu hoàn thành bài học.")
    course = CoursePage.objects.get(path=lesson.path[: -lesson.steplen])
    if Enrolment.objects.filter(
        user=request.user, course=course, completed_at__isnull=False
    ).exists():
        return redirect("courses:course_done", course_id=course.pk)
    following = (
        LessonPage.objects.live().sibling_of(lesson).filter(path__gt=lesson.path)
    )
    following = following.order_by("path").first()
    return redirect((following or lesson).get_url(request))


# --- Catalogue, enrolment, my learning --------------------------------------------


def catalogue(request: HttpRequest) -> HttpResponse:
    filters = {
        "program": request.GET.get("chuong-trinh", "")[:10],
        "audience": request.GET.get("doi-tuong", "")[:2],
        "level": request.GET.get("trinh-do", "")[:10],
        "query": request.GET.get("q", "")[:200],
    }
    courses = selectors.catalogue_courses(**filters)
    page = Paginator(courses, 24).get_page(request.GET.get("trang"))
    programs = ProgramPage.objects.live().order_by("code").values_list("code", "title")
    response = TemplateResponse(
        request,
        "courses/catalogue.html",
        {
            "page_obj": page,
            "filters": filters,
            "programs": programs,
            "levels": CoursePage.Level.choices,
        },
    )
    if not request.user.is_authenticated:
        anonymous_cacheable(response)
    return response


@require_POST
@login_required
def course_enrol(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _live_course(course_id)
    try:
        services.enrolment_self(user=request.user, course=course)
    except CourseError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "Bạn đã ghi danh khóa học. Chúc bạn học tốt!")
    return redirect(course.get_url(request))


@login_required
def my_learning(request: HttpRequest) -> HttpResponse:
    items = selectors.my_learning(user=request.user, today=timezone.localdate())
    return TemplateResponse(
        request,
        "courses/my_learning.html",
        {
            "current": [item for item in items if not item.completed_at],
            "finished": [item for item in items if item.completed_at],
        },
    )


@login_required
def course_done(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _live_course(course_id)
    completion = course.completions.filter(user=request.user).first()
    if completion is None:
        raise Http404
    return TemplateResponse(
        request,
        "courses/course_done.html",
        {"course": course, "completion": completion},
    )


# --- Quiz -------------------------------------------------------------------------


@login_required
def quiz_start(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _live_course(course_id)
    enrolled = Enrolment.objects.filter(user=request.user, course=course).exists()
    if request.method == "POST":
        try:
            attempt = services.quiz_attempt_start(user=request.user, course=course)
        except CourseError as exc:
            messages.error(request, str(exc))
            return redirect("courses:quiz", course_id=course.pk)
        return redirect("courses:quiz_attempt", attempt_id=attempt.pk)
    return TemplateResponse(
        request,
        "courses/quiz_start.html",
        {
            "course": course,
            "enrolled": enrolled,
            "attempts": selectors.quiz_attempts(user=request.user, course=course),
            "left": services.quiz_attempts_left(user=request.user, course=course),
            "counted": services.quiz_counted_attempt(user=request.user, course=course),
            "question_total": Question.objects.filter(course=course).count(),
        },
    )


def _attempt_for(request: HttpRequest, attempt_id: int):
    attempt = (
        request.user.quiz_attempts.select_related("course")
        .filter(pk=attempt_id)
        .first()
    )
    if attempt is None:  # another learner's attempt: "not found", logged
        raise not_found(request, f"quiz-attempt:{attempt_id}")
    return attempt


def _drawn_questions(attempt) -> list[Question]:
    questions = Question.objects.in_bulk([int(i) for i in attempt.question_ids])
    return [questions[int(i)] for i in attempt.question_ids if int(i) in questions]


@login_required
def quiz_attempt(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_for(request, attempt_id)
    if request.method == "POST":
        data = {
            key: request.POST.getlist(key)
            for key in request.POST
            if key.startswith("q")
        }
        try:
            services.quiz_attempt_submit(
                user=request.user, attempt_id=attempt.pk, data=data
            )
        except CourseError as exc:
            messages.error(request, str(exc))
            if attempt.submitted_at is None:
                return redirect("courses:quiz_attempt", attempt_id=attempt.pk)
        return redirect("courses:quiz_result", attempt_id=attempt.pk)
    if attempt.submitted_at is not None:
        return redirect("courses:quiz_result", attempt_id=attempt.pk)
    return TemplateResponse(
        request,
        "courses/quiz_attempt.html",
        {
            "attempt": attempt,
            "course": attempt.course,
            "questions": _drawn_questions(attempt),
        },
    )


@login_required
def quiz_result(request: HttpRequest, attempt_id: int) -> HttpResponse:
    attempt = _attempt_for(request, attempt_id)
    if attempt.submitted_at is None:
        return redirect("courses:quiz_attempt", attempt_id=attempt.pk)
    rows = []
    for question in _drawn_questions(attempt):
        answer = attempt.answers.get(str(question.pk), {"given": [], "correct": False})
        labels = {c.key: c.text for c in question.choices()}
        labels.update(
            {
                "true": pgettext("quiz answer", "Đúng"),
                "false": pgettext("quiz answer", "Sai"),
            }
        )
        given = [labels.get(v, v) for v in answer["given"]]
        rows.append(
            {"question": question, "given": given, "correct": answer["correct"]}
        )
    course = attempt.course
    return TemplateResponse(
        request,
        "courses/quiz_result.html",
        {
            "attempt": attempt,
            "course": course,
            "rows": rows,
            "left": services.quiz_attempts_left(user=request.user, course=course),
            "completed": course.completions.filter(user=request.user).exists(),
        },
    )


# --- Instructor pages -------------------------------------------------------------


@login_required
def teaching(request: HttpRequest) -> HttpResponse:
    _require_teaching(request)
    courses = selectors.courses_taught(user=request.user)
    return TemplateResponse(request, "courses/teaching.html", {"courses": courses})


@login_required
def course_report(request: HttpRequest, course_id: int) -> HttpResponse:
    course = _taught_course(request, course_id)
    context = selectors.course_report(course=course)
    enrolments = list(selectors.course_enrolment_rows(course=course)[:500])
    personal_data_access_record(
        user=request.user,
        action="course_report_view",
        description=f"Báo cáo ghi danh khóa học #{course.pk} ({course.slug})",
        subjects=[e.user_id for e in enrolments],
    )
    context.update(course=course, enrolments=enrolments, today=timezone.localdate())
    return TemplateResponse(request, "courses/course_report.html", context)


EXPORT_HEADER = [
    "Họ và tên",
    "Tên đăng nhập",
    "Đơn vị",
    "Nguồn",
    "Hạn chót",
    "Tiến độ (%)",
    "Hoàn thành lúc",
]


_cell = formula_neutralise


def _export_rows(course: CoursePage):
    for e in selectors.course_enrolment_rows(course=course).iterator(chunk_size=2000):
        profile = getattr(e.user, "profile", None)
        agency = profile.agency.name if profile and profile.agency else ""
        completed = (
            timezone.localtime(e.completed_at).strftime("%Y-%m-%d %H:%M")
            if e.completed_at
            else ""
        )
        row = [
            e.user.get_full_name(),
            e.user.username,
            agency,
            e.get_source_display(),
            e.deadline.isoformat() if e.deadline else "",
            e.progress,
            completed,
        ]
        yield [_cell(value) for value in row]


@login_required
def course_export(request: HttpRequest, course_id: int, fmt: str) -> HttpResponse:
    course = _taught_course(request, course_id)
    if fmt not in ("csv", "xlsx"):
        raise Http404
    personal_data_access_record(
        user=request.user,
        action=f"course_export_{fmt}",
        description=f"Danh sách ghi danh khóa học #{course.pk} ({course.slug})",
        subjects=Enrolment.objects.filter(course=course).values_list(
            "user_id", flat=True
        ),
    )
    filename = f"ghi-danh-{course.slug}"
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")  # Excel opens UTF-8 Vietnamese correctly with a BOM
        writer = csv.writer(buffer)
        writer.writerow(EXPORT_HEADER)
        writer.writerows(_export_rows(course))
        response = HttpResponse(
            buffer.getvalue(), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Ghi danh")
    sheet.append(EXPORT_HEADER)
    for row in _export_rows(course):
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
    return response
