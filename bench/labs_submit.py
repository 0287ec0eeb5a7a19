"""Submit-to-result latency through Celery: one notebook at a time, end to end.

    DEBUG=1 .venv/bin/python bench/labs_submit.py [--n 20] [--lab l1-officer-names]

Builds a throw-away database (SQLite in a temporary DATA_DIR, unless DATABASE_URL
is set), imports the lab bundle, starts a real prefork worker (one process, warm
fork-server kernels), then for each of `--n` sequential submissions measures the
time from `submission_create()` (what the upload view calls) until the row says
graded, polling the database every 5 ms. Prints p50/p95/max, and the part spent
inside the grading engine. The broker is whatever the settings choose (Redis when
REDIS_URL is set, else the embedded file-system transport).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup(data_dir: str) -> None:
    os.environ.setdefault("DEBUG", "1")
    os.environ["DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def _worker(queue: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lms", "worker", "--pool=prefork",
         "--concurrency=1", "-Q", queue, "--without-gossip", "--without-mingle",
         "--without-heartbeat", "--loglevel=WARNING", "-n", f"{queue}@%h"],
        cwd=ROOT,
        env=dict(os.environ),
    )  # fmt: skip


def _submit_and_wait(user, lab, data: bytes) -> tuple[float, float]:  # noqa: ANN001
    from labs.models import Submission
    from labs.services import submission_create

    started = time.perf_counter()
    submission = submission_create(user=user, lab=lab, notebook_bytes=data)
    while True:
        row = Submission.objects.values("status", "result").get(pk=submission.pk)
        if row["status"] in ("graded", "error", "review"):
            break
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    if row["status"] != "graded":
        raise SystemExit(f"submission {submission.pk} ended {row['status']}")
    return elapsed, float(row["result"].get("timings", {}).get("total", 0.0))


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--lab", default="l1-officer-names")
    parser.add_argument("--notebook", default="solution.ipynb",
                        help="file of the bundle folder to submit")  # fmt: skip
    args = parser.parse_args()

    # Under var/, not /tmp: other jobs on this machine clean /tmp behind our back.
    (ROOT / "var").mkdir(exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="bench-labs-", dir=ROOT / "var")
    _setup(data_dir)
    from django.conf import settings

    from labs.archives import repo_bundle_folder
    from labs.services import bundle_import
    from lms.accounts.models import User

    folder = repo_bundle_folder(args.lab)
    if folder is None:
        raise SystemExit(f"no bundle labs/bundles/{args.lab}/")
    version = bundle_import(path=folder)
    if not version.is_valid:
        raise SystemExit(f"bundle refused: {version.refusal_reason}")
    lab = version.lab
    lab.refresh_from_db()
    user, _created = User.objects.get_or_create(username="bench")
    data = (folder / args.notebook).read_bytes()

    queue = f"labs-bench-{uuid.uuid4().hex[:8]}"
    settings.LABS_GRADING_QUEUE = queue
    worker = _worker(queue)
    try:
        warm, _engine = _submit_and_wait(user, lab, data)  # worker start + zygote
        latencies, engine = [], []
        for _ in range(args.n):
            total, inside = _submit_and_wait(user, lab, data)
            latencies.append(total)
            engine.append(inside)
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)

    broker = settings.CELERY_BROKER_URL.split("://")[0]
    print(f"lab {args.lab}, {args.n} sequential submissions, broker {broker}, "
          f"database {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}")  # fmt: skip
    print(f"first submission (worker cold): {warm:.3f} s")
    print(f"submit → graded  p50 {_percentile(latencies, 0.5):.3f} s  "
          f"p95 {_percentile(latencies, 0.95):.3f} s  max {max(latencies):.3f} s  "
          f"mean {statistics.mean(latencies):.3f} s")  # fmt: skip
    print(f"inside the engine  p50 {_percentile(engine, 0.5):.3f} s  "
          f"p95 {_percentile(engine, 0.95):.3f} s")  # fmt: skip


if __name__ == "__main__":
    main()
