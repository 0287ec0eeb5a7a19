"""Benchmark: tracking dashboards and exports on `seed_scale` data.

    createdb -h 127.0.0.1 -U postgres bench_tracking
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_tracking \\
    REDIS_URL=redis://127.0.0.1:6379/12 \\
        .venv/bin/python bench/dashboard.py [--officers 100000] [--runs 30]

Migrates the database and seeds it with `seed_scale` if it has no scale data yet
(about 5 minutes), then measures:

- the province dashboard (`/tong-quan/`) and one agency drill-down, each request
  on a fresh database connection ("cold": no connection reuse);
- the province dashboard right after the figures changed (a recompute before
  each view), so its rendered parts are not in the cache (lms/tracking/dashboard.py);
- the same figures computed by a plain GROUP BY over the lesson-progress rows
  (what the dashboard would cost without the roll-up tables), right after each
  page's measurement in the same run;
- XLSX export of every officer (province-wide), wall time and peak RSS.

With REDIS_URL the cache is production's; without it, Django's file cache under
DATA_DIR.

Prints a markdown table. Timings live here, never in tests.
"""

from __future__ import annotations

import argparse
import base64
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


def timed(fn, runs: int, *, cold: bool = True, before=None) -> list[float]:
    """Wall time of `fn` in ms, `runs` times; `before` runs first, untimed."""
    from django.db import connection

    out = []
    for _ in range(runs):
        if before is not None:
            before()
        if cold:
            connection.close()  # a new PostgreSQL connection (and backend) each time
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def paired(fn, base, runs: int, *, cold: bool = True, before=None):
    """`runs` of `fn`, then `runs` of the `base`line query, back to back. (Taking
    them alternately was tried: the baseline's 1M-row scan then evicts what the
    page's next request needs, which no page sees in production.)"""
    return (
        timed(fn, runs, cold=cold, before=before),
        timed(base, runs, cold=cold),
    )


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
    from django.db import connection
    from django.test import Client

    from courses.models import CoursePage, LessonPage
    from lms.accounts.mfa import totp_activate
    from lms.accounts.models import User
    from lms.accounts.roles import Role, roles_sync
    from lms.accounts.services import role_grant
    from lms.agencies.models import Agency
    from lms.tracking import exports
    from lms.tracking.stats import agency_stats_recompute

    call_command("migrate", verbosity=0)
    roles_sync()
    if not User.objects.filter(username__startswith="scale_").exists():
        start = time.perf_counter()
        call_command("seed_scale", officers=args.officers, force=True)
        print(f"seed_scale: {time.perf_counter() - start:.0f} s")
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum keeps them in production: right
        # after the bulk seed they are missing, and PostgreSQL then misjudges the
        # officer list's query (and spends most of a second compiling it with JIT).
        cursor.execute("ANALYZE")
    admin, _ = User.objects.get_or_create(username="bench_dost")
    role_grant(user=admin, role=Role.DOST_ADMIN)
    admin.consent_version = os.environ.get("PERSONAL_DATA_CONSENT_VERSION", "2026-01")
    admin.save()
    # DOST admins must have an authenticator app (lms/accounts/mfa.py), or every
    # page sends them to set one up.
    totp_activate(user=admin, secret=base64.b32encode(b"bench-dashboard-key!").decode())
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

    province_base = lambda: baseline(course.pk, lessons)  # noqa: E731
    drill_base = lambda: baseline(course.pk, lessons, agency.pk)  # noqa: E731
    province, drill = page("/tong-quan/"), page(f"/tong-quan/don-vi/{agency.pk}/")
    rows = [
        (
            "Province dashboard, new DB connection",
            *paired(province, province_base, args.runs),
        ),
        (
            "Agency drill-down, new DB connection",
            *paired(drill, drill_base, args.runs),
        ),
        # Each recompute gives the figures a new version: the first view after it
        # renders the KPI cards, charts and agency table afresh.
        (
            "Province dashboard, first view after a recompute, new DB connection",
            *paired(
                province,
                province_base,
                args.runs,
                before=lambda: agency_stats_recompute(agency_ids=[agency.pk]),
            ),
        ),
        # What production sees with CONN_MAX_AGE: the connection is reused.
        (
            "Province dashboard, reused connection",
            *paired(province, province_base, args.runs, cold=False),
        ),
        (
            "Agency drill-down, reused connection",
            *paired(drill, drill_base, args.runs, cold=False),
        ),
    ]

    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    print(
        f"\n{User.objects.count():,} users, {Agency.objects.count()} agencies, "
        f"load average at the end {load} ({os.cpu_count()} CPUs)\n"
    )
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
