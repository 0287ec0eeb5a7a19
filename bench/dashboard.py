"""Benchmark: tracking dashboards and exports on `seed_scale` data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tracking \\
        .venv/bin/python bench/dashboard.py [--officers 100000] [--runs 30]

Seeds the database with `seed_scale` if it has no scale data yet (a fresh
PostgreSQL database is created by `migrate` first), then measures:

- the province dashboard (`/tong-quan/`) and one agency drill-down, each request
  on a fresh database connection ("cold": no connection reuse, no app cache);
- the same figures computed by a plain GROUP BY over the lesson-progress rows
  (what the dashboard would cost without the roll-up tables), in the same run;
- XLSX export of every officer (province-wide), wall time and peak RSS.

Prints a markdown table. Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.bench_settings")
os.environ.setdefault("DEBUG", "1")


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def timed(fn, runs: int, *, cold: bool = True) -> list[float]:
    from django.db import connection

    out = []
    for _ in range(runs):
        if cold:
            connection.close()  # a new PostgreSQL connection (and backend) each time
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


BASELINE_SQL = """
SELECT p.agency_id,
       COUNT(*) AS required,
       SUM(CASE WHEN d.n >= %(lessons)s THEN 1 ELSE 0 END) AS completed
FROM accounts_officerprofile p
LEFT JOIN (
    SELECT lp.user_id, COUNT(*) AS n
    FROM courses_lessonprogress lp
    WHERE lp.completed_at IS NOT NULL AND lp.course_id = %(course)s
    GROUP BY lp.user_id
) d ON d.user_id = p.user_id
{where}
GROUP BY p.agency_id
"""


def baseline(course_id: int, lessons: int, agency_id: int | None = None) -> list:
    from django.db import connection

    where = "WHERE p.agency_id = %(agency)s" if agency_id else ""
    with connection.cursor() as cursor:
        cursor.execute(
            BASELINE_SQL.format(where=where),
            {"lessons": lessons, "course": course_id, "agency": agency_id},
        )
        return cursor.fetchall()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--officers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    from courses.models import CoursePage, LessonPage
    from lms.accounts.models import User
    from lms.accounts.roles import Role, roles_sync
    from lms.accounts.services import role_grant
    from lms.agencies.models import Agency
    from lms.tracking import exports

    call_command("migrate", verbosity=0)
    roles_sync()
    if not User.objects.filter(username__startswith="scale_").exists():
        start = time.perf_counter()
        call_command("seed_scale", officers=args.officers, force=True)
        print(f"seed_scale: {time.perf_counter() - start:.0f} s")
    admin, _ = User.objects.get_or_create(username="bench_dost")
    role_grant(user=admin, role=Role.DOST_ADMIN)
    admin.consent_version = os.environ.get("PERSONAL_DATA_CONSENT_VERSION", "2026-01")
    admin.save()
    client = Client()
    client.force_login(admin)
    agency = Agency.objects.filter(code="SCALE-0100").first() or Agency.objects.first()
    course = CoursePage.objects.get(slug="quy-mo")
    lessons = LessonPage.objects.child_of(course).count()

    def page(url: str):
        def fetch() -> None:
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code}")

        return fetch

    rows = []
    province = timed(page("/tong-quan/"), args.runs)
    province_base = timed(lambda: baseline(course.pk, lessons), args.runs)
    drill = timed(page(f"/tong-quan/don-vi/{agency.pk}/"), args.runs)
    drill_base = timed(lambda: baseline(course.pk, lessons, agency.pk), args.runs)
    rows.append(("Province dashboard, new DB connection", province, province_base))
    rows.append(("Agency drill-down, new DB connection", drill, drill_base))
    # What production sees with CONN_MAX_AGE: the connection is reused, nothing
    # else is cached (the app keeps no page or figure cache at all).
    rows.append(
        (
            "Province dashboard, reused connection",
            timed(page("/tong-quan/"), args.runs, cold=False),
            timed(lambda: baseline(course.pk, lessons), args.runs, cold=False),
        )
    )
    rows.append(
        (
            "Agency drill-down, reused connection",
            timed(page(f"/tong-quan/don-vi/{agency.pk}/"), args.runs, cold=False),
            timed(
                lambda: baseline(course.pk, lessons, agency.pk), args.runs, cold=False
            ),
        )
    )

    print(f"\n{User.objects.count():,} users, {Agency.objects.count()} agencies\n")
    print("| measure | p50 ms | p95 ms | plain GROUP BY p95 ms | × faster |")
    print("|---|---:|---:|---:|---:|")
    for name, samples, base in rows:
        print(
            f"| {name} | {statistics.median(samples):.0f} | {p95(samples):.0f} "
            f"| {p95(base):.0f} | {p95(base) / p95(samples):.1f} |"
        )

    import tempfile

    # Peak RSS (not tracemalloc, which slows openpyxl several times over).
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    start = time.perf_counter()
    with tempfile.TemporaryFile() as handle:
        exports.xlsx_write(exports.officers_table(agency=None), handle)
        size = handle.tell()
    seconds = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"\nXLSX export of all officers: {seconds:.1f} s, {size / 1e6:.1f} MB file, "
        f"peak RSS {rss_before / 1024:.0f} MB before, {rss_after / 1024:.0f} MB after"
    )


if __name__ == "__main__":
    main()
