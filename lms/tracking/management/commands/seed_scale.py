"""`manage.py seed_scale --officers 100000`: benchmark data, made with bulk inserts.

Creates `--agencies` agencies (SCALE-0001…), officers spread over them (one data
focal point each), a P1 target for everyone and a P2 target for focal points,
enrolments, about ten lesson-progress rows per officer (14 lessons), program completions for
roughly 40% (credited to their agency, spread over six months), some agencies
past their deadline, then the roll-ups. Never run against production data.
"""

from __future__ import annotations

import datetime
import random
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from courses.models import (
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    ProgramCompletion,
    ProgramPage,
)
from lms.accounts.models import AgencyMembership, OfficerProfile, User
from lms.agencies.models import Agency
from lms.tracking.models import Requirement, Target
from lms.tracking.stats import agency_stats_recompute

KINDS = ["department"] * 20 + ["provincial_unit"] * 30 + ["enterprise"] * 20
BATCH = 5000


class Command(BaseCommand):
    help = "Tạo dữ liệu quy mô lớn cho đo hiệu năng (chỉ dùng khi phát triển)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--officers", type=int, default=100_000)
        parser.add_argument("--agencies", type=int, default=300)
        parser.add_argument("--lessons", type=int, default=14)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--force", action="store_true", help="Chạy cả khi DEBUG tắt."
        )

    def handle(self, *args: object, **opts: object) -> None:
        if not settings.DEBUG and not opts["force"]:
            raise CommandError("Chỉ chạy khi DEBUG=1 (hoặc --force).")
        if User.objects.filter(username__startswith="scale_").exists():
            raise CommandError(
                "Đã có dữ liệu quy mô (scale_*); dùng cơ sở dữ liệu mới."
            )
        rng = random.Random(opts["seed"])  # noqa: S311 - synthetic data
        started = time.monotonic()
        programs, lessons = self._curriculum(int(opts["lessons"]))
        agencies = self._agencies(int(opts["agencies"]))
        users = self._officers(agencies, int(opts["officers"]), rng)
        self._learning(users, agencies, programs, lessons, rng)
        ids = [a.pk for a in agencies]
        for start in range(0, len(ids), 50):
            agency_stats_recompute(agency_ids=ids[start : start + 50])
        self.stdout.write(f"Xong trong {time.monotonic() - started:.0f} giây.")

    def _curriculum(self, n_lessons: int) -> tuple[dict, list[LessonPage]]:
        from lms.demo import seed_programs
        from lms.services import home_page_ensure

        seed_programs(home_page_ensure())
        programs = {p.code: p for p in ProgramPage.objects.all()}
        p1 = programs["P1"]
        course = CoursePage.objects.child_of(p1).filter(slug="quy-mo").first()
        if course is None:
            course = CoursePage(title="Khóa học quy mô (đo hiệu năng)", slug="quy-mo")
            p1.add_child(instance=course)
        lessons = list(LessonPage.objects.child_of(course))
        for n in range(len(lessons), n_lessons):
            lesson = LessonPage(title=f"Bài {n + 1}", slug=f"bai-{n + 1}")
            course.add_child(instance=lesson)
            lessons.append(lesson)
        self.stdout.write(f"Chương trình và {len(lessons)} bài học: sẵn sàng.")
        return programs, lessons[:n_lessons]

    def _agencies(self, count: int) -> list[Agency]:
        kinds = KINDS + ["commune"] * max(0, count - len(KINDS))
        rows = [
            Agency(
                code=f"SCALE-{n:04d}",
                name=f"Đơn vị quy mô {n:04d}",
                kind=kinds[n % len(kinds)] if n < len(kinds) else "commune",
            )
            for n in range(count)
        ]
        agencies = Agency.objects.bulk_create(rows, batch_size=BATCH)
        self.stdout.write(f"{len(agencies)} đơn vị.")
        return agencies

    @transaction.atomic
    def _officers(
        self, agencies: list[Agency], count: int, rng: random.Random
    ) -> list[tuple[User, Agency, bool]]:
        users = User.objects.bulk_create(
            [
                User(
                    username=f"scale_{n:06d}",
                    email=f"scale_{n:06d}@example.org",
                    full_name=f"Cán bộ Quy mô {n:06d}",
                    password="!",  # noqa: S106 - unusable password
                )
                for n in range(count)
            ],
            batch_size=BATCH,
        )
        placed = []
        for n, user in enumerate(users):
            agency = agencies[n % len(agencies)]
            placed.append((user, agency, n < len(agencies)))
        OfficerProfile.objects.bulk_create(
            [
                OfficerProfile(
                    user=u,
                    agency=a,
                    position=rng.choice(["Công chức", "Viên chức", "Chuyên viên"]),
                    is_data_focal_point=focal,
                )
                for u, a, focal in placed
            ],
            batch_size=BATCH,
        )
        start = timezone.now() - datetime.timedelta(days=365)
        AgencyMembership.objects.bulk_create(
            [
                AgencyMembership(user=u, agency=a, started_at=start)
                for u, a, _f in placed
            ],
            batch_size=BATCH,
        )
        self.stdout.write(f"{len(users)} cán bộ.")
        return placed

    @transaction.atomic
    def _learning(self, placed, agencies, programs, lessons, rng) -> None:
        dost = User.objects.filter(is_superuser=True).first() or placed[0][0]
        today = timezone.localdate()
        p1, p2 = programs["P1"], programs["P2"]
        t1 = Target.objects.create(
            name="Quy mô: mọi cán bộ hoàn thành P1",
            program=p1,
            agency_kind="commune",
            deadline=today + datetime.timedelta(days=45),
            created_by=dost,
        )
        t2 = Target.objects.create(
            name="Quy mô: đầu mối dữ liệu hoàn thành P2",
            program=p2,
            agency_kind="commune",
            focal_points_only=True,
            deadline=today + datetime.timedelta(days=90),
            created_by=dost,
        )
        late = {a.pk for a in agencies[::7]}  # every 7th agency is past its deadline
        course = lessons[0].get_parent().specific
        now = timezone.now()
        requirements, completions, enrolments, progress = [], [], [], []
        for user, agency, focal in placed:
            deadline = (
                today - datetime.timedelta(days=10)
                if agency.pk in late
                else t1.deadline
            )
            done = rng.random() < 0.4
            when = now - datetime.timedelta(days=rng.randint(0, 180)) if done else None
            requirements.append(
                Requirement(
                    user=user,
                    program=p1,
                    target=t1,
                    agency=agency,
                    deadline=deadline,
                    is_focal_point=focal,
                    completed_at=when,
                )
            )
            if focal:
                requirements.append(
                    Requirement(
                        user=user,
                        program=p2,
                        target=t2,
                        agency=agency,
                        deadline=t2.deadline,
                        is_focal_point=True,
                    )
                )
            if done:
                completions.append(
                    ProgramCompletion(
                        user=user, program=p1, agency=agency, completed_at=when
                    )
                )
            enrolments.append(
                Enrolment(
                    user=user,
                    course=course,
                    source="assigned",
                    deadline=t1.deadline,
                    completed_at=when,
                    progress=100 if done else 0,
                )
            )
            upto = len(lessons) if done else rng.randint(0, len(lessons))
            for lesson in lessons[:upto]:
                progress.append(
                    LessonProgress(
                        user=user,
                        lesson=lesson,
                        course=course,
                        completed_at=when or now,
                    )
                )
            if len(progress) >= 50_000:
                LessonProgress.objects.bulk_create(progress, batch_size=BATCH)
                progress = []
        for model, rows in (
            (Requirement, requirements),
            (ProgramCompletion, completions),
            (Enrolment, enrolments),
            (LessonProgress, progress),
        ):
            model.objects.bulk_create(rows, batch_size=BATCH)
        total = LessonProgress.objects.filter(course=course).count()
        self.stdout.write(
            f"{len(requirements)} yêu cầu, {len(completions)} hoàn thành, "
            f"{total} dòng tiến độ bài học."
        )
