"""Writes for courses: instructors, enrolment, progress, quizzes and completion.

Every function that refuses raises `CourseError` with a Vietnamese message the views
show as is; a refused call changes nothing.
"""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import Group, Permission
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from wagtail.models import (
    GroupApprovalTask,
    GroupPagePermission,
    Page,
    Workflow,
    WorkflowPage,
    WorkflowTask,
)

from courses.models import (
    CourseCompletion,
    CoursePage,
    Enrolment,
    LabPass,
    LessonPage,
    LessonProgress,
    ProgramCompletion,
    ProgramPage,
    Question,
    QuizAnswer,
    QuizAttempt,
)
from courses.signals import course_completed, program_completed
from courses.text import answer_key
from lms.accounts.models import OfficerProfile, User
from lms.accounts.roles import Role, user_roles
from lms.accounts.services import role_grant


class CourseError(Exception):
    """A refused action, with a message for the learner or manager."""


# --- Instructors ------------------------------------------------------------------

INSTRUCTOR_PAGE_PERMISSIONS = ["add", "change", "publish", "lock", "unlock"]


def program_instructor_group_name(program: ProgramPage) -> str:
    return f"Giảng viên {program.code}"


@transaction.atomic
def program_instructor_assign(*, program: ProgramPage, user: User) -> Group:
    """Let `user` author pages under `program` only: one group per program holds
    Wagtail page permissions on that program's subtree."""
    group, _created = Group.objects.get_or_create(
        name=program_instructor_group_name(program)
    )
    for permission_type in INSTRUCTOR_PAGE_PERMISSIONS:
        exists = GroupPagePermission.objects.filter(
            group=group,
            page=program,
            permission__codename=f"{permission_type}_page",
            permission__content_type__app_label="wagtailcore",
        ).exists()
        if not exists:
            GroupPagePermission.objects.create(
                group=group, page=program, permission_type=permission_type
            )
    role_grant(user=user, role=Role.INSTRUCTOR)
    user.groups.add(group)
    return group


@transaction.atomic
def program_instructor_remove(*, program: ProgramPage, user: User) -> None:
    user.groups.remove(
        *Group.objects.filter(name=program_instructor_group_name(program))
    )


def _page_permission(permission_type: str) -> Permission:
    return Permission.objects.get(
        content_type__app_label="wagtailcore", codename=f"{permission_type}_page"
    )


MODERATION_WORKFLOW = "Duyệt nội dung khóa học"
MODERATION_TASK = "Sở KH&CN duyệt"


@transaction.atomic
def moderation_workflow_ensure(*, index: Page) -> Workflow:
    """Wagtail's moderation for course content: instructors may "submit for
    review" and DOST admins approve (publishing it) or ask for changes. Instructors
    keep their publish permission, so review is offered, not forced."""
    reviewers = Group.objects.filter(name=Role.DOST_ADMIN.value).first()
    if reviewers is not None:
        # Approving publishes, so the reviewers hold the publish permission too.
        for permission_type in INSTRUCTOR_PAGE_PERMISSIONS:
            GroupPagePermission.objects.get_or_create(
                group=reviewers,
                page=index,
                permission=_page_permission(permission_type),
            )
    workflow, _created = Workflow.objects.get_or_create(name=MODERATION_WORKFLOW)
    task, _created = GroupApprovalTask.objects.get_or_create(name=MODERATION_TASK)
    task.groups.set([reviewers] if reviewers else [])
    WorkflowTask.objects.get_or_create(
        workflow=workflow, task=task, defaults={"sort_order": 0}
    )
    WorkflowPage.objects.update_or_create(page=index, defaults={"workflow": workflow})
    return workflow


# --- Enrolment --------------------------------------------------------------------


def _enrolment_get(user: User, course: CoursePage) -> Enrolment | None:
    return Enrolment.objects.filter(user=user, course=course).first()


@transaction.atomic
def enrolment_self(*, user: User, course: CoursePage) -> Enrolment:
    """Self-enrolment (tự ghi danh), where the program allows it."""
    if _enrolment_get(user, course):
        raise CourseError("Bạn đã ghi danh khóa học này rồi.")
    program = course.program
    if not course.live or program is None or not program.self_enrolment:
        raise CourseError(
            "Chương trình này không cho phép tự ghi danh; "
            "hãy liên hệ quản lý đơn vị để được giao."
        )
    missing = list(
        CoursePage.objects.live()
        .filter(required_by=course)
        .exclude(completions__user=user)
        .values_list("title", flat=True)
    )
    if missing:
        raise CourseError(
            "Bạn cần hoàn thành khóa học tiên quyết trước: " + ", ".join(missing) + "."
        )
    try:
        with transaction.atomic():
            return Enrolment.objects.create(
                user=user, course=course, source=Enrolment.Source.SELF
            )
    except IntegrityError as exc:  # a double click raced the check above
        raise CourseError("Bạn đã ghi danh khóa học này rồi.") from exc


def _assignable_users(by: User, users: Iterable[User]) -> list[User]:
    users = list(users)
    roles = set(user_roles(by))
    if by.is_superuser or Role.DOST_ADMIN in roles:
        return users
    if Role.AGENCY_MANAGER not in roles:
        raise CourseError("Bạn không có quyền giao khóa học.")
    own_agency = (
        OfficerProfile.objects.filter(user=by)
        .values_list("agency_id", flat=True)
        .first()
    )
    outside = OfficerProfile.objects.filter(user__in=users).exclude(
        agency_id=own_agency
    )
    in_agency = OfficerProfile.objects.filter(user__in=users, agency_id=own_agency)
    if own_agency is None or outside.exists() or in_agency.count() != len(users):
        raise CourseError("Chỉ được giao khóa học cho cán bộ thuộc đơn vị của mình.")
    return users


@transaction.atomic
def enrolment_assign(
    *,
    users: Iterable[User],
    deadline: datetime.date | None,
    by: User,
    course: CoursePage | None = None,
    program: ProgramPage | None = None,
) -> list[Enrolment]:
    """Assign a course, or every live course of a program, with a deadline.

    Agency managers may assign their own agency's officers only; DOST admins anyone.
    An existing enrolment keeps its history and takes the new deadline.
    """
    if (course is None) == (program is None):
        raise CourseError("Hãy chọn đúng một khóa học hoặc một chương trình.")
    if deadline is not None and deadline < timezone.localdate():
        raise CourseError("Hạn chót không được ở trong quá khứ.")
    users = _assignable_users(by, users)
    courses = [course] if course else list(program.courses.live())  # type: ignore[union-attr]
    enrolments = []
    for each in courses:
        for user in users:
            enrolment, created = Enrolment.objects.get_or_create(
                user=user,
                course=each,
                defaults={
                    "source": Enrolment.Source.ASSIGNED,
                    "deadline": deadline,
                    "assigned_by": by,
                },
            )
            if not created and enrolment.completed_at is None:
                enrolment.deadline, enrolment.assigned_by = deadline, by
                enrolment.save(update_fields=["deadline", "assigned_by"])
            enrolments.append(enrolment)
    return enrolments


def _auto_assign_filter(program: ProgramPage) -> Q | None:
    condition = Q()
    if program.auto_assign_focal_points:
        condition |= Q(is_data_focal_point=True)
    if program.auto_assign_it_officers:
        condition |= Q(is_it_officer=True)
    return condition or None


@transaction.atomic
def enrolments_auto_assign(
    *, program: ProgramPage, users: Iterable[User] | None = None
) -> int:
    """Enrol everyone the program is automatically assigned to (by flag); returns the
    number of new enrolments. Safe to run any number of times."""
    condition = _auto_assign_filter(program)
    if condition is None:
        return 0
    profiles = OfficerProfile.objects.filter(condition)
    if users is not None:
        profiles = profiles.filter(user__in=list(users))
    user_ids = list(profiles.values_list("user_id", flat=True))
    created = 0
    for course in program.courses.live():
        have = set(
            Enrolment.objects.filter(course=course, user_id__in=user_ids).values_list(
                "user_id", flat=True
            )
        )
        new = [
            Enrolment(
                user_id=uid,
                course=course,
                source=Enrolment.Source.AUTO,
                deadline=program.auto_assign_deadline,
            )
            for uid in user_ids
            if uid not in have
        ]
        Enrolment.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
        created += len(new)
    return created


def officer_auto_assign(*, user: User) -> int:
    """Apply every program's automatic assignment to one officer (profile saved)."""
    programs = ProgramPage.objects.live().filter(
        Q(auto_assign_focal_points=True) | Q(auto_assign_it_officers=True)
    )
    return sum(enrolments_auto_assign(program=p, users=[user]) for p in programs)


# --- Lessons and labs -------------------------------------------------------------


def _course_of(lesson: LessonPage) -> CoursePage:
    return CoursePage.objects.get(path=lesson.path[: -lesson.steplen])


def lesson_view(
    *,
    user: User,
    lesson: LessonPage,
    course: CoursePage,
    enrolment: Enrolment,
    opened: Iterable[int] = (),
) -> None:
    """Remember the first view and where to continue; writes only what changed
    (`opened` = lessons already viewed, as the page has read them anyway)."""
    now = timezone.now()
    if lesson.pk not in set(opened):
        LessonProgress.objects.get_or_create(
            user=user, lesson=lesson, defaults={"course": course, "viewed_at": now}
        )
    if enrolment.last_lesson_id != lesson.pk:
        Enrolment.objects.filter(pk=enrolment.pk).update(
            last_lesson=lesson, last_activity_at=now
        )
        enrolment.last_lesson_id, enrolment.last_activity_at = lesson.pk, now


def _missing_labs(user: User, lesson: LessonPage) -> list[str]:
    return list(
        lesson.labs.exclude(
            pk__in=LabPass.objects.filter(user=user).values("lab_id")
        ).values_list("title", flat=True)
    )


@transaction.atomic
def lesson_complete(*, user: User, lesson: LessonPage) -> LessonProgress:
    course = _course_of(lesson)
    if not Enrolment.objects.filter(user=user, course=course).exists():
        raise CourseError("Bạn chưa ghi danh khóa học này.")
    if course.labs_required:
        missing = _missing_labs(user, lesson)
        if missing:
            raise CourseError(
                "Bài học này có bài thực hành chưa đạt: " + ", ".join(missing) + "."
            )
    progress, _created = LessonProgress.objects.get_or_create(
        user=user, lesson=lesson, defaults={"course": course}
    )
    if progress.completed_at is None:
        progress.completed_at = timezone.now()
        progress.save(update_fields=["completed_at"])
    course_completion_update(user=user, course=course)
    return progress


@transaction.atomic
def lab_pass_record(*, user: User, lab) -> list[CoursePage]:
    """A lab was passed: lessons holding it whose labs are now all passed count as
    completed, and their courses' completion is re-evaluated."""
    LabPass.objects.get_or_create(user=user, lab=lab)
    touched: dict[int, CoursePage] = {}
    for lesson in LessonPage.objects.live().filter(labs=lab):
        course = _course_of(lesson)
        if not Enrolment.objects.filter(user=user, course=course).exists():
            continue
        if _missing_labs(user, lesson):
            continue
        progress, _created = LessonProgress.objects.get_or_create(
            user=user, lesson=lesson, defaults={"course": course}
        )
        if progress.completed_at is None:
            progress.completed_at = timezone.now()
            progress.save(update_fields=["completed_at"])
        touched[course.pk] = course
    for course in touched.values():
        course_completion_update(user=user, course=course)
    return list(touched.values())


# --- Quizzes ----------------------------------------------------------------------


def quiz_counted_attempt(*, user: User, course: CoursePage) -> QuizAttempt | None:
    """The attempt that counts under the course's policy (best or last)."""
    submitted = QuizAttempt.objects.filter(
        user=user, course=course, submitted_at__isnull=False
    )
    if course.quiz_score_policy == CoursePage.ScorePolicy.LAST:
        return submitted.order_by("-number").first()
    return submitted.order_by("-score", "number").first()


def quiz_attempts_left(*, user: User, course: CoursePage) -> int | None:
    """None when unlimited."""
    if not course.quiz_max_attempts:
        return None
    used = QuizAttempt.objects.filter(user=user, course=course).count()
    return max(course.quiz_max_attempts - used, 0)


@transaction.atomic
def quiz_attempt_start(*, user: User, course: CoursePage) -> QuizAttempt:
    """Open an attempt with a fresh random draw, or return the one already open."""
    if not Enrolment.objects.filter(user=user, course=course).exists():
        raise CourseError("Bạn chưa ghi danh khóa học này.")
    open_attempt = QuizAttempt.objects.filter(
        user=user, course=course, submitted_at__isnull=True
    ).first()
    if open_attempt:
        return open_attempt
    if quiz_attempts_left(user=user, course=course) == 0:
        raise CourseError("Bạn đã dùng hết số lần làm bài kiểm tra của khóa học này.")
    ids = list(Question.objects.filter(course=course).values_list("pk", flat=True))
    if not ids:
        raise CourseError("Khóa học này chưa có câu hỏi kiểm tra.")
    draw = course.quiz_draw or len(ids)
    drawn = random.SystemRandom().sample(ids, min(draw, len(ids)))
    number = QuizAttempt.objects.filter(user=user, course=course).count() + 1
    try:
        with transaction.atomic():
            return QuizAttempt.objects.create(
                user=user, course=course, number=number, question_ids=drawn
            )
    except IntegrityError:  # a double click opened it a moment ago
        return QuizAttempt.objects.get(
            user=user, course=course, submitted_at__isnull=True
        )


def _parse_answer(question: Question, values: list[str]) -> tuple[list[str], bool]:
    """Validate one posted answer; return (stored answer, is_correct)."""
    values = [v for v in values if v.strip()]
    kind = question.kind
    if kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
        choices = {c.key: c for c in question.choices()}
        if any(v not in choices for v in values) or (
            kind == Question.Kind.SINGLE and len(values) > 1
        ):
            raise CourseError("Phương án trả lời không hợp lệ; bài làm chưa được nộp.")
        correct = {k for k, c in choices.items() if c.correct}
        return sorted(set(values)), set(values) == correct
    if kind == Question.Kind.TRUE_FALSE:
        if any(v not in ("true", "false") for v in values) or len(values) > 1:
            raise CourseError("Phương án trả lời không hợp lệ; bài làm chưa được nộp.")
        answer = {"true": True, "false": False}.get(values[0]) if values else None
        return values, answer is not None and answer == question.true_false_answer
    if kind == Question.Kind.NUMERIC:
        if not values:
            return [], False
        try:
            number = Decimal(values[0].strip().replace(",", "."))
        except InvalidOperation as exc:
            raise CourseError(
                f"Câu “{question.text[:60]}”: hãy nhập một số (ví dụ 12 hoặc 3,5)."
            ) from exc
        if not number.is_finite():
            raise CourseError("Giá trị số không hợp lệ; bài làm chưa được nộp.")
        ok = abs(number - question.numeric_answer) <= question.tolerance
        return [str(number)], ok
    text = values[0] if values else ""
    return [text[:500]], bool(text) and answer_key(text) in question.accepted_keys()


@transaction.atomic
def quiz_attempt_submit(
    *, user: User, attempt_id: int, data: Mapping[str, list[str]]
) -> QuizAttempt:
    """Score an attempt on the server. `data` maps `q<question id>` to posted values.

    Answers for questions outside the draw, unknown choices, a second submit or a
    submit after the attempts ran out are refused and change nothing."""
    attempt = (
        QuizAttempt.objects.select_for_update()
        .select_related("course")
        .filter(pk=attempt_id, user=user)
        .first()
    )
    if attempt is None:
        raise CourseError("Không tìm thấy bài làm.")
    if attempt.submitted_at is not None:
        raise CourseError("Bài làm này đã được nộp trước đó; điểm không thay đổi.")
    drawn = [int(i) for i in attempt.question_ids]
    posted_ids = set()
    for key in data:
        if not key.startswith("q"):
            continue
        try:
            posted_ids.add(int(key[1:]))
        except ValueError as exc:
            raise CourseError("Câu hỏi không thuộc bài làm này.") from exc
    if not posted_ids <= set(drawn):
        raise CourseError("Câu hỏi không thuộc bài làm này; bài làm chưa được nộp.")
    questions = Question.objects.in_bulk(drawn)
    answers, items, right = {}, [], 0
    for qid in drawn:
        question = questions.get(qid)
        if question is None:  # removed from the bank after the draw: not counted
            continue
        given, ok = _parse_answer(question, list(data.get(f"q{qid}", [])))
        answers[str(qid)] = {"given": given, "correct": ok}
        items.append(QuizAnswer(attempt=attempt, question=question, correct=ok))
        right += ok
    total = len(items) or 1
    attempt.answers = answers
    attempt.score = (Decimal(right) * 100 / total).quantize(Decimal("0.01"))
    attempt.passed = attempt.score >= attempt.course.quiz_pass_mark
    attempt.submitted_at = timezone.now()
    attempt.save(update_fields=["answers", "score", "passed", "submitted_at"])
    QuizAnswer.objects.bulk_create(items)
    course_completion_update(user=user, course=attempt.course)
    return attempt


# --- Completion -------------------------------------------------------------------


def _agency_id(user: User) -> int | None:
    return (
        OfficerProfile.objects.filter(user=user)
        .values_list("agency_id", flat=True)
        .first()
    )


def course_requirements(*, user: User, course: CoursePage) -> dict[str, bool | int]:
    lesson_ids = list(course.lessons().values_list("pk", flat=True))
    done = LessonProgress.objects.filter(
        user=user, lesson_id__in=lesson_ids, completed_at__isnull=False
    ).count()
    has_quiz = Question.objects.filter(course=course).exists()
    counted = quiz_counted_attempt(user=user, course=course) if has_quiz else None
    quiz_ok = not (course.quiz_required and has_quiz) or bool(
        counted and counted.passed
    )
    labs_ok = True
    if course.labs_required:
        labs_ok = not (
            LessonPage.objects.filter(pk__in=lesson_ids, labs__isnull=False)
            .exclude(labs__in=LabPass.objects.filter(user=user).values("lab_id"))
            .exists()
        )
    return {
        "lessons_total": len(lesson_ids),
        "lessons_done": done,
        "quiz_ok": quiz_ok,
        "labs_ok": labs_ok,
        "score": counted.score if counted else None,
    }


@transaction.atomic
def course_completion_update(
    *, user: User, course: CoursePage
) -> CourseCompletion | None:
    """Store progress; on the first time every requirement is met, store the
    completion and send `course_completed` (once, however often this runs)."""
    enrolment = (
        Enrolment.objects.select_for_update().filter(user=user, course=course).first()
    )
    if enrolment is None:
        return None
    facts = course_requirements(user=user, course=course)
    total = facts["lessons_total"] or 1
    enrolment.progress = min(100, round(100 * facts["lessons_done"] / total))
    enrolment.save(update_fields=["progress"])
    existing = CourseCompletion.objects.filter(user=user, course=course).first()
    if existing:
        return existing
    complete = (
        facts["lessons_done"] >= facts["lessons_total"]
        and facts["quiz_ok"]
        and facts["labs_ok"]
    )
    if not complete:
        return None
    completion = CourseCompletion.objects.create(
        user=user, course=course, score=facts["score"], agency_id=_agency_id(user)
    )
    enrolment.completed_at, enrolment.progress = completion.completed_at, 100
    enrolment.save(update_fields=["completed_at", "progress"])
    course_completed.send(
        sender=CoursePage, user=user, course=course, completion=completion
    )
    if course.program_id:
        program_completion_update(user=user, program=course.program)
    return completion


@transaction.atomic
def program_completion_update(
    *, user: User, program: ProgramPage
) -> ProgramCompletion | None:
    existing = ProgramCompletion.objects.filter(user=user, program=program).first()
    if existing:
        return existing
    required = program.courses.live().filter(required_for_program=True)
    if not required.exists() or required.exclude(completions__user=user).exists():
        return None
    completion = ProgramCompletion.objects.create(
        user=user, program=program, agency_id=_agency_id(user)
    )
    program_completed.send(
        sender=ProgramPage, user=user, program=program, completion=completion
    )
    return completion


# --- Reminders --------------------------------------------------------------------

REMINDER_DAYS_BEFORE = (7, 1)


def _reminder_line(enrolment: Enrolment, today: datetime.date) -> str:
    days = (enrolment.deadline - today).days
    when = (
        f"đã quá hạn {-days} ngày (hạn chót {enrolment.deadline:%d/%m/%Y})"
        if days < 0
        else f"còn {days} ngày (hạn chót {enrolment.deadline:%d/%m/%Y})"
    )
    return f"- {enrolment.course.title}: tiến độ {enrolment.progress}%, {when}"


def deadline_reminders_send(*, today: datetime.date) -> int:
    """E-mail learners whose deadline is 7 or 1 days away or passed: at most one
    e-mail per learner per day (the ReminderSent row is the lock). Returns the
    number of e-mails sent; running it twice on a day sends nothing more."""
    from django.conf import settings
    from django.core.mail import send_mail

    from courses.models import ReminderSent

    due_dates = [today + datetime.timedelta(days=d) for d in REMINDER_DAYS_BEFORE]
    enrolments = (
        Enrolment.objects.filter(completed_at__isnull=True, deadline__isnull=False)
        .filter(Q(deadline__in=due_dates) | Q(deadline__lt=today))
        .exclude(user__email="")
        .exclude(user__in=ReminderSent.objects.filter(date=today).values("user_id"))
        .select_related("user", "course")
        .order_by("user_id", "deadline")
    )
    by_user: dict[int, list[Enrolment]] = {}
    for enrolment in enrolments:
        by_user.setdefault(enrolment.user_id, []).append(enrolment)
    sent = 0
    for items in by_user.values():
        user = items[0].user
        body = (
            f"Kính gửi {user.get_full_name()},\n\n"
            "Học viện Dữ liệu nhắc bạn các khóa học sắp đến hạn hoặc đã quá hạn:\n"
            + "\n".join(_reminder_line(e, today) for e in items)
            + f"\n\nTiếp tục học tại: {settings.SITE_URL}/hoc-tap-cua-toi/\n"
        )
        try:
            with transaction.atomic():
                ReminderSent.objects.create(user=user, date=today)
                send_mail(
                    "[Học viện Dữ liệu] Nhắc hạn hoàn thành khóa học",
                    body,
                    None,
                    [user.email],
                )
        except IntegrityError:  # another run reminded this learner today
            continue
        sent += 1
    return sent
