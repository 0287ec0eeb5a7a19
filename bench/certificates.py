"""Benchmark: issuing certificates end to end (DB + PDF + storage), and the verify page.

    .venv/bin/python bench/certificates.py [--n 10000] [--verify-requests 2000]
    .venv/bin/python bench/certificates.py --verify-only [--verify-certificates 200]

Production-like: set DATABASE_URL (PostgreSQL) and REDIS_URL (the page cache and
throttling live in Redis in production; without it the file cache is measured).

Runs against a throw-away DATA_DIR (SQLite, media, cache) unless DATABASE_URL is
set, so it never touches the development database.  Measures:

- cold: a fresh interpreter issuing and rendering one certificate (the baseline);
- warm, 1 process: N certificates issued + rendered + stored one after another;
- warm, 2 processes: the same N split over two processes (what 2 Celery
  workers on 2 cores do), wall-clock time and per-certificate p95;
- verify page: p95 latency at 50 concurrent connections against gunicorn.

Prints a markdown table; ratios are against the cold per-certificate time.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Minh", "Thu", "Quốc", "Ngọc", "Hữu"]
GIVEN = ["Hương", "Dũng", "Hạnh", "Tuấn", "Phương", "Thắng", "Yến", "Khải", "Lộc"]
PORT = 18765


def environment(data_dir: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DATA_DIR": data_dir,
        # Production-like: DEBUG off (cached templates, manifest static files
        # collected into the scratch folder below).
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-not-a-secret-0123456789abcdefghijklmnop",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_ROOT": str(Path(data_dir) / "static"),
        "DJANGO_SETTINGS_MODULE": "bench.bench_settings",
        "PYTHONPATH": str(ROOT),
        "LOG_LEVEL": "WARNING",
    }
    return env


def setup_django() -> None:
    import django

    django.setup()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --------------------------------------------------------------------------
# Fixtures in the bench database
# --------------------------------------------------------------------------


def seed(n: int) -> None:
    """An agency, a course page and n officers (bulk, so seeding is quick)."""
    from django.db import transaction

    from courses.models import CoursePage, ProgramIndexPage, ProgramPage
    from lms.accounts.models import OfficerProfile, User
    from lms.agencies.models import Agency
    from lms.services import home_page_ensure

    with transaction.atomic():
        agency, _ = Agency.objects.get_or_create(
            code="BENCH", defaults={"name": "UBND phường Kinh Bắc", "kind": "commune"}
        )
        home = home_page_ensure()
        index = ProgramIndexPage.objects.first() or home.add_child(
            instance=ProgramIndexPage(title="Chương trình", slug="bench-programs")
        )
        program = ProgramPage.objects.filter(code="PB").first() or index.add_child(
            instance=ProgramPage(
                title="Quản trị dữ liệu cơ bản", slug="pb", code="PB", audience="B"
            )
        )
        if not CoursePage.objects.filter(slug="bench-course").exists():
            program.add_child(
                instance=CoursePage(
                    title="Quản trị dữ liệu trong cơ quan nhà nước",
                    slug="bench-course",
                    hours=40,
                )
            )
        existing = User.objects.filter(username__startswith="bench").count()
        users = [
            User(
                username=f"bench{i:06d}",
                full_name=" ".join(
                    [SURNAMES[i % 10], MIDDLE[i % 8], GIVEN[i % 9], f"{i}"]
                ),
            )
            for i in range(existing, n)
        ]
        User.objects.bulk_create(users, batch_size=1000)
        new = User.objects.filter(username__in=[u.username for u in users])
        OfficerProfile.objects.bulk_create(
            [OfficerProfile(user=user, agency=agency) for user in new],
            batch_size=1000,
        )


def issue_users(user_ids: list[int]) -> list[float]:
    """Issue + render + store one certificate per user; per-certificate seconds."""
    from certificates.services import certificate_issue, certificate_render
    from courses.models import CoursePage
    from lms.accounts.models import User

    course = CoursePage.objects.get(slug="bench-course")
    timings = []
    for user in User.objects.filter(pk__in=user_ids).order_by("pk"):
        started = time.perf_counter()
        certificate = certificate_issue(user=user, course=course, render=False)
        certificate_render(certificate=certificate)
        timings.append(time.perf_counter() - started)
    return timings


def _child_issue(user_ids: list[int]) -> list[float]:
    from django.db import connections

    connections.close_all()
    from certificates.rendering import warm_up

    warm_up()
    return issue_users(user_ids)


# --------------------------------------------------------------------------
# Phases
# --------------------------------------------------------------------------


def cold_child() -> None:
    setup_django()
    seed(1)
    from lms.accounts.models import User

    ids = list(User.objects.filter(username="bench000000").values_list("pk", flat=True))
    print(json.dumps({"per_cert_s": issue_users(ids)[0]}))


def cold_run(env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, __file__, "--cold-child"], check=True, env=env, cwd=ROOT
    )
    return time.perf_counter() - started


def warm_runs(n: int) -> tuple[list[float], float, list[float], float]:
    from certificates.models import Certificate
    from certificates.rendering import warm_up
    from lms.accounts.models import User

    seed(2 * n + 1)
    ids = list(
        User.objects.filter(username__startswith="bench")
        .exclude(certificates__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    warm_up()
    started = time.perf_counter()
    one = issue_users(ids[:n])
    one_wall = time.perf_counter() - started

    from django.db import connections

    connections.close_all()
    rest = ids[n : 2 * n]
    halves = [rest[0::2], rest[1::2]]
    context = multiprocessing.get_context("fork")
    started = time.perf_counter()
    with context.Pool(2) as pool:
        results = pool.map(_child_issue, halves)
    two_wall = time.perf_counter() - started
    if Certificate.objects.count() < 2 * n:
        raise RuntimeError("some certificates were not issued")
    return one, one_wall, results[0] + results[1], two_wall


def verify_certificates_ensure(n: int) -> None:
    """At least n issued and rendered certificates (kept between runs)."""
    from certificates.models import Certificate
    from certificates.rendering import warm_up
    from lms.accounts.models import User

    missing = n - Certificate.objects.count()
    if missing <= 0:
        return
    seed(Certificate.objects.count() + missing)
    ids = list(
        User.objects.filter(username__startswith="bench")
        .exclude(certificates__isnull=False)
        .order_by("pk")
        .values_list("pk", flat=True)[:missing]
    )
    warm_up()
    issue_users(ids)


def verify_run(env: dict[str, str], requests: int, limit: int) -> list[float]:
    from certificates.models import Certificate

    codes = [
        str(code)
        for code in Certificate.objects.order_by("pk").values_list("code", flat=True)[
            :limit
        ]
    ]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "lms.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            # Sync workers, as deploy/systemd/academy-web.service runs them.
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        return asyncio.run(_load(codes, requests))
    finally:
        server.terminate()
        server.wait(timeout=30)


async def _load(codes: list[str], requests: int) -> list[float]:
    """50 connections, each its own aiohttp session (one keep-alive connection);
    aiohttp rather than httpx because the load generator shares the 2 cores and
    httpx's own CPU dominated the measured latency."""
    import aiohttp

    base = f"http://127.0.0.1:{PORT}"
    async with aiohttp.ClientSession() as probe:
        for _ in range(100):
            try:
                async with probe.get(f"{base}/healthz") as response:
                    if response.status == 200:
                        break
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
        for code in codes[:50]:  # warm every worker thread once
            async with probe.get(f"{base}/verify/{code}/") as response:
                await response.read()
    timings: list[float] = []
    queue = [random.choice(codes) for _ in range(requests)]

    async def worker() -> None:
        connector = aiohttp.TCPConnector(limit=1)
        jar = aiohttp.DummyCookieJar()
        async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as client:
            while queue:
                code = queue.pop()
                started = time.perf_counter()
                async with client.get(f"{base}/verify/{code}/") as response:
                    await response.read()
                timings.append(time.perf_counter() - started)
                if response.status != 200:
                    raise RuntimeError(f"verify answered {response.status}")

    await asyncio.gather(*(worker() for _ in range(50)))
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=10_000, help="certificates per run")
    parser.add_argument("--verify-requests", type=int, default=2000)
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument(
        "--verify-only",
        action="store_true",
        help="skip issuing runs; verify page only, over --verify-certificates",
    )
    parser.add_argument("--verify-certificates", type=int, default=200)
    args = parser.parse_args()
    if args.cold_child:
        cold_child()
        return

    data_dir = tempfile.mkdtemp(prefix="academy-bench-")
    env = environment(data_dir)
    os.environ.update(env)
    if env.get("DATABASE_URL", "").startswith("postgres"):
        from bench.pages import database_ensure

        database_ensure(env["DATABASE_URL"])
    for command in (["migrate"], ["collectstatic"]):
        subprocess.run(
            [sys.executable, "manage.py", *command, "--no-input", "-v", "0"],
            check=True,
            env=env,
            cwd=ROOT,
        )
    if args.verify_only:
        setup_django()
        verify_certificates_ensure(args.verify_certificates)
    else:
        cold = cold_run(env)
        setup_django()
        one, one_wall, two, two_wall = warm_runs(args.n)
        report(cold, one, one_wall, two, two_wall, data_dir)
    verify = verify_run(env, args.verify_requests, limit=args.verify_certificates)
    ms = [v * 1000 for v in verify]
    print(
        f"\nVerify page, 50 concurrent connections, gunicorn 2 sync workers: "
        f"{len(ms)} requests over {args.verify_certificates} certificates, p50 {statistics.median(ms):.1f} ms, "
        f"p95 {percentile(ms, 0.95):.1f} ms"
    )


def report(cold, one, one_wall, two, two_wall, data_dir) -> None:  # noqa: ANN001
    per_10k_two = two_wall / len(two) * 10_000
    rows = [
        ("cold process, 1 certificate", 1, cold, cold, cold),
        (
            "warm, 1 process",
            len(one),
            one_wall,
            statistics.mean(one),
            percentile(one, 0.95),
        ),
        (
            "warm, 2 processes",
            len(two),
            two_wall,
            two_wall / len(two),
            percentile(two, 0.95),
        ),
    ]
    print(f"\nCertificates benchmark ({os.cpu_count()} CPUs, data in {data_dir})\n")
    print("| run | certificates | wall s | s per certificate | p95 ms | vs cold |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, count, wall, per, p95 in rows:
        print(
            f"| {label} | {count} | {wall:.1f} | {per * 1000:.1f} ms | "
            f"{p95 * 1000:.1f} | {cold / per:.0f}x |"
        )
    print(
        f"\n10,000 certificates on 2 processes: {per_10k_two / 60:.1f} min "
        f"({'measured' if len(two) >= 10_000 else 'projected from ' + str(len(two))})"
    )


if __name__ == "__main__":
    main()
