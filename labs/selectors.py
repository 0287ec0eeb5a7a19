"""Scoped reads for labs. Whoever may not see a submission gets None, and the view
turns that into a 404: someone else's submission is "not found", not "forbidden"."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, QuerySet

from labs.models import Lab, RegradeRun, Submission
from lms.accounts.models import User

SEE_ALL = "labs.view_all_submissions"
REGRADE = "labs.regrade_submission"


def lab_get(*, slug: str) -> Lab | None:
    return Lab.objects.select_related("current_version").filter(slug=slug).first()


def can_see_all_submissions(*, user: User) -> bool:
    return user.is_authenticated and user.has_perm(SEE_ALL)


def can_regrade(*, user: User) -> bool:
    return user.is_authenticated and user.has_perm(REGRADE)


def can_see_lab_submissions(*, user: User, lab: Lab) -> bool:
    """Staff see a lab's submissions when they may oversee it: DOST admins every
    lab, instructors the labs used in lessons of the programs they teach."""
    from courses.models import LessonPage
    from courses.selectors import user_can_teach, user_is_dost_admin

    if not can_see_all_submissions(user=user):
        return False
    if user.is_superuser or user_is_dost_admin(user):
        return True
    lessons = LessonPage.objects.filter(labs=lab).select_related("course__program")
    programs = {lesson.course.program for lesson in lessons if lesson.course_id}
    return any(user_can_teach(user=user, program=program) for program in programs)


def submission_for_user(*, user: User, pk: int) -> Submission | None:
    """The submission if `user` owns it or oversees its lab."""
    if not user.is_authenticated:
        return None
    submission = (
        Submission.objects.select_related("lab", "bundle_version", "user")
        .filter(pk=pk)
        .first()
    )
    if submission is None or submission.user_id == user.pk:
        return submission
    return (
        submission if can_see_lab_submissions(user=user, lab=submission.lab) else None
    )


def submissions_of_learner(*, user: User, lab: Lab) -> QuerySet[Submission]:
    return Submission.objects.filter(user=user, lab=lab).select_related(
        "bundle_version"
    )


def submissions_of_lab(*, lab: Lab) -> QuerySet[Submission]:
    return Submission.objects.filter(lab=lab).select_related("user", "bundle_version")


@dataclass(frozen=True)
class Bucket:
    label: str
    count: int
    percent: int


def grade_distribution(*, lab: Lab, buckets: int = 5) -> list[Bucket]:
    """Latest graded submission per learner, in score bands of the maximum."""
    latest: dict[int, float] = {}
    graded = Submission.objects.filter(
        lab=lab, status=Submission.Status.GRADED, max_score__gt=0
    ).order_by("user_id", "-graded_at", "-pk")
    for user_id, score, max_score in graded.values_list(
        "user_id", "score", "max_score"
    ):
        latest.setdefault(user_id, (score or 0) / max_score)
    counts = [0] * buckets
    for ratio in latest.values():
        counts[min(int(ratio * buckets), buckets - 1)] += 1
    total = max(sum(counts), 1)
    step = 100 // buckets
    return [
        Bucket(
            label=f"{i * step}–{100 if i == buckets - 1 else (i + 1) * step - 1} %",
            count=count,
            percent=round(100 * count / total),
        )
        for i, count in enumerate(counts)
    ]


def status_counts(*, lab: Lab) -> list[tuple[str, int]]:
    """(status label, count) in the order of the statuses."""
    rows = Submission.objects.filter(lab=lab).values("status").annotate(n=Count("pk"))
    counts = {row["status"]: row["n"] for row in rows}
    return [(s.label, counts[s.value]) for s in Submission.Status if s.value in counts]


@dataclass(frozen=True)
class Progress:
    total: int
    done: int

    @property
    def percent(self) -> int:
        return 100 if self.total == 0 else round(100 * self.done / self.total)

    @property
    def finished(self) -> bool:
        return self.done >= self.total


def regrade_latest(*, lab: Lab) -> RegradeRun | None:
    return lab.regrade_runs.first()


def regrade_progress(*, run: RegradeRun) -> Progress:
    finished = [
        Submission.Status.GRADED,
        Submission.Status.ERROR,
        Submission.Status.REVIEW,
    ]
    done = run.submissions.filter(status__in=finished).count()
    return Progress(total=run.total, done=min(done, run.total))
