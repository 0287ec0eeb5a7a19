"""Benchmark: the learner pages under load, on PostgreSQL behind gunicorn.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_pages \\
        .venv/bin/python bench/pages.py [--learners 50000] [--requests 2000]

Seeds (once; kept between runs) 20 courses × 30 lessons and `--learners` enrolled
officers with lesson progress (bulk_create), starts gunicorn with 2 workers on
127.0.0.1, and fires `--requests` requests per page from 50 concurrent
connections (aiohttp). Logged-in pages use 50 different learners' sessions.
Prints a markdown table of p50/p95 per page. Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bench_pages"
PORT = 18766
COURSES, LESSONS, CONCURRENCY = 20, 30, 50


def env() -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": os.environ.get("DATABASE_URL", DEFAULT_DB),
        # Production-like: DEBUG off (no query log, cached templates, manifest
        # static files collected into a scratch folder).
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-secret",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": str(ROOT / "var" / "bench-pages-static"),
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }


def database_ensure(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute(
            "SELECT 1 FROM pg_database WHERE datname=%s", [name]
        ).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def seed(learners: int) -> None:
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from wagtail.rich_text import RichText

    from courses.models import (
        CoursePage,
        Enrolment,
        LessonPage,
        LessonProgress,
        ProgramPage,
    )
    from lms.accounts.models import OfficerProfile, User
    from lms.accounts.roles import roles_sync
    from lms.agencies.models import Agency
    from lms.demo import seed_programs
    from lms.services import home_page_ensure

    roles_sync()
    seed_programs(home_page_ensure())
    programs = list(ProgramPage.objects.order_by("code"))
    if not CoursePage.objects.filter(slug="bench-19").exists():
        for i in range(COURSES):
            course = CoursePage(
                title=f"Khóa học đo tải {i:02d}: dữ liệu và làm sạch",
                slug=f"bench-{i:02d}",
                summary="<p>Khóa học dùng để đo hiệu năng trang.</p>",
                hours=8,
            )
            programs[i % len(programs)].add_child(instance=course)
            for j in range(LESSONS):
                course.add_child(
                    instance=LessonPage(
                        title=f"Bài {j + 1}: chuẩn hóa dữ liệu",
                        slug=f"bai-{j + 1:02d}",
                        body=[
                            (
                                "paragraph",
                                RichText("<p>" + "Nội dung bài học. " * 80 + "</p>"),
                            )
                        ],
                    )
                )
        print("seeded courses", file=sys.stderr)
    have = User.objects.filter(username__startswith="bench").count()
    if have >= learners:
        return
    agency, _ = Agency.objects.get_or_create(
        code="BENCH",
        defaults={"name": "UBND Phường Đo tải", "kind": Agency.Kind.COMMUNE},
    )
    password = make_password("matkhau-do-tai")
    courses = list(CoursePage.objects.filter(slug__startswith="bench-"))
    lessons = {
        c.pk: list(LessonPage.objects.child_of(c).values_list("pk", flat=True))
        for c in courses
    }
    rng = random.Random(2026)  # noqa: S311 - synthetic data
    batch = 5000
    for start in range(have, learners, batch):
        users = User.objects.bulk_create(
            [
                User(
                    username=f"bench{n:06d}",
                    full_name=f"Nguyễn Văn Đo {n}",
                    password=password,
                    consent_version=settings.PERSONAL_DATA_CONSENT_VERSION,
                )
                for n in range(start, min(start + batch, learners))
            ]
        )
        OfficerProfile.objects.bulk_create(
            [OfficerProfile(user=u, agency=agency) for u in users]
        )
        enrolments, progress = [], []
        for user in users:
            for course in rng.sample(courses, 3):
                done = rng.randint(0, LESSONS)
                ids = lessons[course.pk][:done]
                enrolments.append(
                    Enrolment(
                        user=user,
                        course=course,
                        progress=round(100 * done / LESSONS),
                        last_lesson_id=ids[-1] if ids else None,
                    )
                )
                progress += [
                    LessonProgress(
                        user=user, course=course, lesson_id=pk, completed_at=None
                    )
                    for pk in ids
                ]
        Enrolment.objects.bulk_create(enrolments, batch_size=5000)
        LessonProgress.objects.bulk_create(progress, batch_size=10000)
        print(f"seeded learners {start + len(users)}", file=sys.stderr)


def sessions(n: int, course) -> list[str]:
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from courses.models import Enrolment
    from lms.accounts.models import User

    keys = []
    for user in User.objects.filter(username__startswith="bench").order_by("pk")[:n]:
        Enrolment.objects.get_or_create(user=user, course=course)
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        keys.append(store.session_key)
    return keys


async def load(
    url: str, total: int, cookies: list[str | None], concurrency: int = CONCURRENCY
) -> list[float]:
    import aiohttp

    latencies: list[float] = []
    counter = iter(range(total))

    async def worker(index: int) -> None:
        jar = aiohttp.DummyCookieJar()
        headers = {"Cookie": f"sessionid={cookies[index]}"} if cookies[index] else {}
        async with aiohttp.ClientSession(cookie_jar=jar, headers=headers) as session:
            for _ in counter:
                start = time.perf_counter()
                async with session.get(url, allow_redirects=False) as response:
                    await response.read()
                    if response.status != 200:
                        raise RuntimeError(f"{url}: HTTP {response.status}")
                latencies.append(time.perf_counter() - start)

    await asyncio.gather(*(worker(i) for i in range(concurrency)))
    return latencies


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return statistics.median(samples) * 1000, p95 * 1000


def gunicorn_start() -> subprocess.Popen:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi:application",
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env(),
    )
    import urllib.request

    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=1)  # noqa: S310
            return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--learners", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    os.environ.update(env())
    database_ensure(os.environ["DATABASE_URL"])
    for command in (["migrate"], ["collectstatic", "--noinput"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "-v", "0"],
            cwd=ROOT,
            env=env(),
            check=True,
        )
    import django

    django.setup()
    from courses.models import CoursePage, LessonPage

    seed(args.learners)
    course = CoursePage.objects.get(slug="bench-00")
    keys = sessions(CONCURRENCY, course)
    lesson = LessonPage.objects.child_of(course).order_by("path")[5]
    base = f"http://127.0.0.1:{PORT}"
    pages = [
        ("Trang khóa học (ẩn danh)", base + course.url, [None] * CONCURRENCY),
        ("Bài học (đã đăng nhập)", base + lesson.url, keys),
        ("Học tập của tôi", base + "/hoc-tap-cua-toi/", keys),
        (
            "Danh mục, tìm “du lieu”",
            base + "/khoa-hoc/?q=du+lieu",
            [None] * CONCURRENCY,
        ),
    ]
    from django.db import connections

    connections.close_all()
    server = gunicorn_start()
    try:
        rows = []
        for name, url, cookies in pages:
            # Logged-in lesson views write progress once per learner; warm that up.
            asyncio.run(load(url, CONCURRENCY * 2, cookies))
            samples = asyncio.run(load(url, args.requests, cookies))
            single = asyncio.run(load(url, 200, cookies, concurrency=1))
            rows.append((name, len(samples), *_p50_p95(samples), *_p50_p95(single)))
    finally:
        server.terminate()
        server.wait(timeout=60)
    print(
        f"\n{COURSES} courses × {LESSONS} lessons, {args.learners:,} learners "
        f"(3 enrolments each), gunicorn 2 workers, {CONCURRENCY} connections\n"
    )
    print("| Trang | Yêu cầu | p50 (ms) | p95 (ms) | p50, 1 kết nối | p95, 1 kết nối |")
    print("|---|---:|---:|---:|---:|---:|")
    for name, n, p50, p95, s50, s95 in rows:
        print(f"| {name} | {n} | {p50:.1f} | {p95:.1f} | {s50:.1f} | {s95:.1f} |")


if __name__ == "__main__":
    main()
