"""Seed courses for `manage.py seed_demo` from `courses/seed_content/*.json`.

One JSON file per course (format in the issue and `tests/fixtures/courses/`). The
loader is idempotent: a page is revised and republished only when its content
differs from the file, so a second run creates no revision.
"""

from __future__ import annotations

import datetime
import json
import logging
import uuid
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from wagtail.blocks import StreamValue

from courses.models import (
    CourseModule,
    CoursePage,
    Enrolment,
    LessonPage,
    ProgramPage,
    Question,
)
from labs.models import Lab
from lms.accounts.models import User

log = logging.getLogger(__name__)

SEED_DIR = Path(__file__).resolve().parent / "seed_content"
CODE_LANGUAGES = {"python", "sql", "bash", "json", "yaml", "text"}


# --- JSON -> field values -----------------------------------------------------------


def _question_fields(q: dict) -> dict:
    kind = q["kind"]
    fields = {
        "kind": kind,
        "text": q["text"].strip(),
        "choices_text": "",
        "true_false_answer": None,
        "numeric_answer": None,
        "tolerance": Decimal("0"),
        "accepted_answers": "",
        "feedback": q.get("feedback", "").strip(),
    }
    if kind in ("single", "multiple"):
        fields["choices_text"] = "\n".join(
            ("*" if c.get("correct") else "") + c["text"].strip() for c in q["choices"]
        )
    elif kind == "true_false":
        fields["true_false_answer"] = bool(q["answer"])
    elif kind == "numeric":
        fields["numeric_answer"] = Decimal(str(q["answer"])).quantize(Decimal("0.0001"))
        fields["tolerance"] = Decimal(str(q.get("tolerance", 0))).quantize(
            Decimal("0.0001")
        )
    elif kind == "short_text":
        fields["accepted_answers"] = "\n".join(a.strip() for a in q["accepted"])
    else:
        raise ValueError(f"unknown question kind {kind!r}")
    return fields


def _block(item: dict, labs: dict[str, int]) -> tuple[str, object] | None:
    kind, value = item["type"], item.get("value")
    if kind == "lab":
        lab_id = labs.get(value)
        if lab_id is None:
            log.warning("seed: lab %r does not exist; block skipped", value)
            return None
        return kind, lab_id
    if kind == "quiz":
        return kind, None
    if kind == "code":
        language = value.get("language", "text")
        return kind, {
            "language": language if language in CODE_LANGUAGES else "text",
            "code": value["code"],
        }
    if kind == "callout":
        return kind, {
            "kind": value.get("kind", "note"),
            "title": value.get("title", ""),
            "text": value.get("text", ""),
        }
    if kind in ("heading", "paragraph"):
        return kind, value
    log.warning("seed: block type %r is not supported; skipped", kind)
    return None


def _body(items: Iterable[dict], labs: dict[str, int]) -> list[tuple[str, object]]:
    return [b for b in (_block(item, labs) for item in items) if b is not None]


def _stream_raw(blocks: list[tuple[str, object]]) -> list[dict]:
    return [{"type": t, "value": v, "id": str(uuid.uuid4())} for t, v in blocks]


def _current_body(page: LessonPage) -> list[tuple[str, object]]:
    return [(b["type"], b["value"]) for b in page.body.raw_data]


# --- Course -----------------------------------------------------------------------


def _course_fields(data: dict) -> dict:
    quiz = data.get("quiz") or {}
    return {
        "title": data["title"],
        "summary": data.get("summary", ""),
        "objectives": "\n".join(data.get("objectives", [])),
        "hours": Decimal(str(data.get("hours", 0))).quantize(Decimal("0.1")),
        "level": data.get("level", CoursePage.Level.BASIC),
        "quiz_title": quiz.get("title", "Bài kiểm tra cuối khóa"),
        "quiz_pass_mark": quiz.get("pass_mark", 70),
        "quiz_draw": quiz.get("draw", 0),
        "quiz_max_attempts": quiz.get("attempts", 3),
    }


def _children_sync(items: list, wanted: list[dict], factory) -> tuple[list, bool]:
    """Update children in place by position (keeping their ids, which attempts and
    lessons point to), add the missing, drop the surplus."""
    changed = len(items) != len(wanted)
    result = []
    for index, fields in enumerate(wanted):
        obj = items[index] if index < len(items) else factory()
        for name, value in fields.items():
            if getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        result.append(obj)
    return result, changed


def course_upsert(*, data: dict) -> CoursePage | None:
    program = ProgramPage.objects.filter(code=data["program"]).first()
    if program is None:
        log.warning(
            "seed: program %s missing; %s skipped", data["program"], data["slug"]
        )
        return None
    course = CoursePage.objects.child_of(program).filter(slug=data["slug"]).first()
    fields = _course_fields(data)
    # sort_order is explicit: modelcluster leaves it empty, and rows with equal
    # sort keys come back in any order on PostgreSQL.
    modules = [
        {"title": m["title"], "sort_order": i}
        for i, m in enumerate(data.get("modules", []))
    ]
    questions = [
        {**_question_fields(q), "sort_order": i}
        for i, q in enumerate((data.get("quiz") or {}).get("questions", []))
    ]
    if course is None:
        course = CoursePage(slug=data["slug"], **fields)
        course.modules = [CourseModule(**m) for m in modules]
        course.questions = [Question(**q) for q in questions]
        program.add_child(instance=course)
        course.save_revision().publish()
    else:
        changed = any(getattr(course, k) != v for k, v in fields.items())
        for name, value in fields.items():
            setattr(course, name, value)
        new_modules, modules_changed = _children_sync(
            list(course.modules.all()), modules, CourseModule
        )
        new_questions, questions_changed = _children_sync(
            list(course.questions.all()), questions, Question
        )
        if changed or modules_changed or questions_changed:
            course.modules = new_modules
            course.questions = new_questions
            course.save_revision().publish()
    course = CoursePage.objects.get(pk=course.pk)
    _lessons_sync(course, data.get("modules", []))
    return course


def _lessons_sync(course: CoursePage, modules: list[dict]) -> None:
    labs = dict(Lab.objects.values_list("slug", "pk"))
    module_objs = list(course.modules.all())
    wanted_slugs = []
    for module_obj, module in zip(module_objs, modules, strict=False):
        for lesson_data in module.get("lessons", []):
            wanted_slugs.append(lesson_data["slug"])
            _lesson_upsert(course, module_obj, lesson_data, labs)
    _lessons_order(course, wanted_slugs)


def _lesson_upsert(
    course: CoursePage, module: CourseModule, data: dict, labs: dict[str, int]
) -> None:
    body = _body(data.get("body", []), labs)
    lesson = LessonPage.objects.child_of(course).filter(slug=data["slug"]).first()
    if lesson is None:
        lesson = LessonPage(
            title=data["title"],
            slug=data["slug"],
            module=module,
            minutes=data.get("minutes", 0),
        )
        lesson.body = StreamValue(
            lesson.body.stream_block, _stream_raw(body), is_lazy=True
        )
        course.add_child(instance=lesson)
        lesson.save_revision().publish()
        return
    same = (
        lesson.title == data["title"]
        and lesson.module_id == module.pk
        and _current_body(lesson) == [(t, v) for t, v in body]
    )
    if same:
        return
    lesson.title, lesson.module = data["title"], module
    lesson.body = StreamValue(lesson.body.stream_block, _stream_raw(body), is_lazy=True)
    lesson.save_revision().publish()


def _lessons_order(course: CoursePage, wanted: list[str]) -> None:
    current = list(
        LessonPage.objects.child_of(course)
        .order_by("path")
        .values_list("slug", flat=True)
    )
    known = [slug for slug in current if slug in wanted]
    if known == [slug for slug in wanted if slug in current]:
        return
    for slug in wanted:  # moving each to the end in order gives the file's order
        page = LessonPage.objects.child_of(course).get(slug=slug)
        page.move(course, pos="last-child")


def courses_load(*, paths: Iterable[Path]) -> list[CoursePage]:
    courses = []
    for path in sorted(paths):
        with transaction.atomic():
            course = course_upsert(
                data=json.loads(Path(path).read_text(encoding="utf-8"))
            )
        if course:
            courses.append(course)
    return courses


# --- People -----------------------------------------------------------------------


def seed_people() -> None:
    from courses.services import enrolments_auto_assign, program_instructor_assign

    programs = {p.code: p for p in ProgramPage.objects.filter(code__in=["P1", "P2"])}
    instructor = User.objects.filter(username="giangvien").first()
    if instructor:
        for program in programs.values():
            program_instructor_assign(program=program, user=instructor)
    learner = User.objects.filter(username="hocvien").first()
    admin = User.objects.filter(username="sokhcn").first()
    p1 = programs.get("P1")
    if p1 is None:
        return
    if learner:
        deadline = timezone.localdate() + datetime.timedelta(days=45)
        for course in p1.courses.live():
            Enrolment.objects.get_or_create(
                user=learner,
                course=course,
                defaults={
                    "source": Enrolment.Source.ASSIGNED,
                    "deadline": deadline,
                    "assigned_by": admin,
                },
            )
    if not p1.auto_assign_focal_points:
        # No revision exists for the seeded program pages, so a column update keeps
        # the live page and the editor in step.
        ProgramPage.objects.filter(pk=p1.pk).update(auto_assign_focal_points=True)
        p1.refresh_from_db()
    enrolments_auto_assign(program=p1)


def seed() -> None:
    courses_load(paths=SEED_DIR.glob("*.json"))
    seed_people()
