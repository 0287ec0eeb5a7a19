"""Load test: the whole stack at once, on loopback, for `--minutes` (default 10).

    .venv/bin/uv pip install --group bench        # locust, pinned in pyproject.toml
    .venv/bin/python bench/load.py [--minutes 10] [--officers 100000]

Needs PostgreSQL and Redis on 127.0.0.1 (the ones CI uses). Everything else is set
up here, from nothing, every run:

1. a fresh PostgreSQL database `loadbench` (dropped and created with psql), Redis
   db 15 flushed, media under var/bench-load/;
2. `migrate`, `collectstatic`, `seed_demo` (courses, quizzes, the ten lab bundles,
   DOST targets), `seed_scale --officers N` (agencies, officers, progress, roll-ups);
3. bench accounts: 50 learners enrolled in every course, 200 lab submitters (each
   uploads once a minute, as 200 officers in a class would), 10 DOST
   admins, and certificates issued (and rendered) to the learners. They are signed
   in with sessions written through Django's SessionStore, not the login form:
   the form allows 30 logins a minute per IP (every virtual user shares 127.0.0.1)
   and a PBKDF2 check per user would only measure start-up. The quiz courses allow
   unlimited attempts in this database, so a learner can take a quiz repeatedly;
4. gunicorn and one Celery worker started with the flags of
   deploy/systemd/academy-web.service and academy-worker.service (bind address
   and log level aside), DEBUG off, as in production;
5. Locust, headless (bench/locustfile.py), with this mix for the whole run:
   - 50 learners browsing catalogue, course and lesson pages, marking lessons done
     and taking quizzes (POSTed answers, about 80 % right);
   - 200 lab notebook uploads a minute (the correct solution of `--lab`), each
     followed like the submission page does (status polled every second) until
     graded; failed, refused or ungraded submissions count as errors;
   - 10 DOST admins on the dashboards (/tong-quan/..., drill-down, officer page,
     CSV export of the agency table);
   - 20 certificate verifications a second (/verify/<code>/ for real certificates).
     CERTIFICATE_VERIFY_RATE_LIMIT is set to 100000 for the run: the per-IP limit
     (60 a minute by default) would otherwise answer 429, as every request here
     comes from 127.0.0.1. The throttle code itself still runs (Redis counter).

JupyterHub is not started: a stand-in answers its status probe (lesson and lab pages
ask whether the hub is up), unless `--no-hub`. Before the load, each page's SQL
query count is taken in-process and each page is requested 10 times one at a time
("alone"); during it, the CPU time of gunicorn, the worker tree, the PostgreSQL
backends and Locust is measured against the whole machine's, so a run on a shared
machine says how much of the CPU it actually got.

While Locust runs, the resident memory of the gunicorn workers and of the Celery
worker's process tree (pool processes, fork-server "zygotes", grading kernels) is
sampled every 30 s. Afterwards the submissions still queued get `--drain` seconds,
the servers are stopped, and any process left behind by the grader is listed: this
script makes itself a child subreaper, so an orphaned kernel or sandbox re-parents
here instead of to init and cannot hide. The report (Markdown) goes to stdout and
bench/results/load.md. Exit status 1 when any request or submission failed.
"""

from __future__ import annotations

import argparse
import csv
import ctypes
import datetime
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DB_NAME = "loadbench"
DEFAULT_DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DB_NAME}"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"
WORK = ROOT / "var" / "bench-load"
RESULTS = ROOT / "bench" / "results" / "load.md"
LOCUSTFILE = ROOT / "bench" / "locustfile.py"
PR_SET_CHILD_SUBREAPER = 36
SAMPLE_EVERY = 30.0
VERIFY_RATE_LIMIT = "100000"
# Command-line fragments that only the grader starts (labs/kernels.py, sandbox.py).
GRADER_MARKS = ("labs.kernels", "labs.sandbox", "ipykernel_launcher", "da-grading-")
CLASS_TITLES = {
    "learner": "Learners: pages",
    "quiz": "Learners: quizzes",
    "lab": "Lab submissions",
    "dost": "DOST dashboards",
    "verify": "Certificate verify",
}


def log(message: str) -> None:
    print(f"[load {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --------------------------------------------------------------------------- setup


class _HubStub(BaseHTTPRequestHandler):
    """Answers the hub status probe (GET /hub/api/) as a healthy hub does. Lesson
    and lab pages ask it whether the hub is up (labs/hub.py, cached 15 s); nothing
    in this load test opens a lab in JupyterHub."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b'{"version": "5.3.0"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        return


def hub_stub() -> str:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _HubStub)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def environment(args: argparse.Namespace, port: int) -> dict[str, str]:
    hub = {} if args.no_hub else {"JUPYTERHUB_URL": hub_stub()}
    return {
        **os.environ,
        **hub,
        "DJANGO_SETTINGS_MODULE": "lms.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": args.database_url,
        # The run in README used 4 gunicorn workers (then set in the systemd unit).
        "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "4"),
        "REDIS_URL": args.redis_url,
        "CELERY_BROKER_URL": args.redis_url,
        "CELERY_RESULT_BACKEND": args.redis_url,
        "DATA_DIR": str(WORK / "data"),
        "STATIC_ROOT": str(WORK / "static"),
        # Production-like: DEBUG off (cached templates, manifest static files).
        "DEBUG": "0",
        "SECRET_KEY": "load-bench-only-not-a-secret",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": f"http://127.0.0.1:{port}",
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "CERTIFICATE_VERIFY_RATE_LIMIT": VERIFY_RATE_LIMIT,
        "LOG_LEVEL": "WARNING",
        "LABS_GRADING_QUEUE": "",
    }


def psql(url: str, sql: str) -> None:
    parts = urlsplit(url)
    env = {**os.environ}
    if parts.password:
        env["PGPASSWORD"] = parts.password
    subprocess.run(
        ["psql", "-v", "ON_ERROR_STOP=1", "-q", "-h", parts.hostname or "127.0.0.1",
         "-p", str(parts.port or 5432), "-U", parts.username or "postgres",
         "-d", "postgres", "-c", sql],
        check=True, env=env,
    )  # fmt: skip


def database_fresh(args: argparse.Namespace) -> None:
    name = urlsplit(args.database_url).path.lstrip("/")
    if not name.replace("_", "").isalnum():
        raise SystemExit(f"odd database name {name!r}")
    psql(args.database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(args.database_url, f'CREATE DATABASE "{name}"')
    import redis

    redis.Redis.from_url(args.redis_url).flushdb()
    shutil.rmtree(WORK, ignore_errors=True)
    (WORK / "data").mkdir(parents=True)


def manage(env: dict[str, str], *command: str) -> float:
    started = time.monotonic()
    subprocess.run(
        [sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True
    )
    return time.monotonic() - started


def session_for(user) -> str:  # noqa: ANN001
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


def _answer(question) -> list[str]:  # noqa: ANN001
    kind = question.kind
    if kind in ("single", "multiple"):
        return [c.key for c in question.choices() if c.correct]
    if kind == "true_false":
        return ["true" if question.true_false_answer else "false"]
    if kind == "numeric":
        return [str(question.numeric_answer)]
    return [question.accepted_answers.splitlines()[0]]


def _users(prefix: str, n: int, agency, consent: str) -> list:  # noqa: ANN001
    from lms.accounts.models import User
    from lms.accounts.services import officer_move

    users = []
    for i in range(n):
        user, _ = User.objects.get_or_create(
            username=f"{prefix}{i:03d}",
            defaults={
                "full_name": f"Cán bộ Đo tải {prefix}{i:03d}",
                "email": f"{prefix}{i:03d}@example.org",
                "consent_version": consent,
            },
        )
        officer_move(user=user, agency=agency)
        users.append(user)
    return users


def accounts_and_content(args: argparse.Namespace, lab_slug: str) -> dict:
    """Bench users, sessions, certificates and what the locustfile needs to know."""
    from django.conf import settings

    from certificates.services import certificate_issue, certificate_render
    from courses.models import CoursePage, Enrolment, LessonPage, Question
    from labs.models import Lab
    from lms.accounts.roles import Role
    from lms.accounts.services import role_grant
    from lms.agencies.models import Agency
    from lms.tracking.models import Target

    consent = settings.PERSONAL_DATA_CONSENT_VERSION
    commune = Agency.objects.filter(code__startswith="SCALE-", kind="commune").first()
    dost_agency = Agency.objects.filter(code="SKHCN").first() or commune
    learners = _users("load_learner", args.learners, commune, consent)
    lab_users = _users("load_lab", max(1, args.lab_users), commune, consent)
    dost = _users("load_dost", args.dost, dost_agency, consent)
    for user in dost:
        role_grant(user=user, role=Role.DOST_ADMIN)
    try:  # DOST admins must have TOTP (lms/accounts/mfa.py) or get sent to set it up
        from lms.accounts.mfa import totp_activate
    except ImportError:
        pass
    else:
        import base64
        import secrets

        for user in dost:
            secret = base64.b32encode(secrets.token_bytes(20)).decode()
            totp_activate(user=user, secret=secret)

    courses = list(CoursePage.objects.live().order_by("path"))
    Enrolment.objects.bulk_create(
        [Enrolment(user=u, course=c) for u in learners for c in courses],
        ignore_conflicts=True,
    )
    quiz_ids = sorted(set(Question.objects.values_list("course_id", flat=True)))
    # Bench database only: unlimited attempts, so a learner can keep taking quizzes.
    CoursePage.objects.filter(pk__in=quiz_ids).update(quiz_max_attempts=0)
    answers = {
        str(q.pk): _answer(q) for q in Question.objects.filter(course_id__in=quiz_ids)
    }
    lessons = list(LessonPage.objects.live().order_by("path"))

    program = courses[0].get_parent().specific
    codes = []
    for user in learners[: args.certificates]:
        certificate = certificate_issue(user=user, program=program, render=False)
        certificate_render(certificate=certificate)
        codes.append(str(certificate.code))

    lab = Lab.objects.get(slug=lab_slug)
    agencies = list(
        Agency.objects.filter(code__startswith="SCALE-")
        .order_by("code")
        .values_list("pk", flat=True)[:: max(1, args.agencies // 20)]
    )
    from lms.accounts.models import OfficerProfile

    officers = [
        [p.agency_id, p.user_id]
        for p in OfficerProfile.objects.filter(agency_id__in=agencies).order_by("pk")[
            :200
        ]
    ]
    return {
        "sessions": {
            "learner": [session_for(u) for u in learners],
            "lab": [session_for(u) for u in lab_users],
            "dost": [session_for(u) for u in dost],
        },
        "courses": [{"id": c.pk, "url": c.url} for c in courses],
        "lessons": [{"id": p.pk, "url": p.get_url()} for p in lessons],
        "quiz_courses": quiz_ids,
        "answers": answers,
        "lab_url": f"/bai-thuc-hanh/{lab.slug}/",
        "certificates": codes,
        "agencies": agencies,
        "officers": officers,
        "targets": Target.objects.count(),
    }


def lab_prepare(lab: str) -> tuple[str, Path]:
    """The lab slug and the correct notebook to submit (`tiny`: the test fixture)."""
    from labs.archives import repo_bundle_folder
    from labs.services import bundle_import

    if lab == "tiny":
        folder = ROOT / "tests" / "fixtures" / "labs" / "tiny"
        version = bundle_import(path=folder)
        if not version.is_valid:
            raise SystemExit(f"tiny bundle refused: {version.refusal_reason}")
        return version.lab.slug, folder / "solution.ipynb"
    folder = repo_bundle_folder(lab)
    if folder is None:
        raise SystemExit(f"no bundle labs/bundles/{lab}/")
    return lab, folder / "solution.ipynb"


# --------------------------------------------------------------------------- servers


def unit_args(name: str, after: str, drop: tuple[str, ...]) -> list[str]:
    """The flags of deploy/systemd/<name>'s ExecStart after `after`, minus `drop`."""
    text = (ROOT / "deploy" / "systemd" / name).read_text(encoding="utf-8")
    line = next(x for x in text.splitlines() if x.startswith("ExecStart="))
    words = shlex.split(line.removeprefix("ExecStart="))
    words = words[words.index(after) + 1 :]
    out, skip = [], False
    for word in words:
        if skip:
            skip = False
            continue
        flag = word.split("=", 1)[0]
        if flag in drop:
            skip = "=" not in word
            continue
        out.append(word)
    return out


def gunicorn_start(env: dict[str, str], port: int) -> tuple[subprocess.Popen, list]:
    flags = unit_args(
        "academy-web.service",
        "lms.wsgi:application",
        ("--bind", "--access-logfile", "--error-logfile", "--log-level"),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "lms.wsgi:application", *flags,
         "--bind", f"127.0.0.1:{port}", "--log-level", "warning"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)  # noqa: S310
            return server, flags
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("gunicorn did not answer /healthz within 60 s")


def worker_start(env: dict[str, str]) -> tuple[subprocess.Popen, list]:
    flags = unit_args("academy-worker.service", "worker", ("--loglevel",))
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "lms", "worker", *flags,
         "--loglevel=WARNING", "-n", f"load-{os.getpid()}@%h"],
        cwd=ROOT, env=env,
    )  # fmt: skip
    return worker, flags


def stop(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            log(f"pid {process.pid} ignored SIGTERM for {timeout:.0f} s: SIGKILL")
            process.kill()
            process.wait(timeout=10)


# --------------------------------------------------------------------------- memory


class Sampler(threading.Thread):
    """Every 30 s: RSS (and PSS) of gunicorn workers and the Celery worker's tree."""

    def __init__(
        self, gunicorn: subprocess.Popen, worker: subprocess.Popen, database: str
    ) -> None:
        super().__init__(daemon=True)
        self.gunicorn, self.worker = gunicorn, worker
        self.database = database
        self.pg_base: dict[int, float] = {}
        self.pg_seen: dict[int, float] = {}
        self.samples: list[dict] = []
        self.worker_pids: set[int] = set()
        self.pool_pids: set[int] = set()
        self.started = time.monotonic()
        self._halt = threading.Event()

    @staticmethod
    def _mem(proc) -> tuple[float, float]:  # noqa: ANN001
        import psutil

        try:
            info = proc.memory_full_info()
            return info.rss / 2**20, getattr(info, "pss", info.rss) / 2**20
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            return 0.0, 0.0

    def postgres(self) -> dict[int, float]:
        """CPU seconds of the PostgreSQL backends connected to our database."""
        import psutil

        found = {}
        for proc in psutil.process_iter(["cmdline"]):
            title = " ".join(proc.info["cmdline"] or [])
            if title.startswith("postgres:") and f" {self.database} " in title:
                try:
                    t = proc.cpu_times()
                except psutil.NoSuchProcess:
                    continue
                found[proc.pid] = t.user + t.system
        return found

    def postgres_cpu(self) -> float:
        """Approximate (a backend that exits between samples loses up to 30 s)."""
        self.pg_seen.update(self.postgres())
        return sum(v - self.pg_base.get(pid, 0.0) for pid, v in self.pg_seen.items())

    def sample(self) -> dict:
        import psutil

        row: dict = {"t": time.monotonic() - self.started}
        try:
            workers = psutil.Process(self.gunicorn.pid).children()
        except psutil.NoSuchProcess:
            workers = []
        self.worker_pids.update(p.pid for p in workers)
        mems = [self._mem(p) for p in workers]
        row["web_n"] = len(workers)
        row["web_rss"] = sum(m[0] for m in mems)
        row["web_pss"] = sum(m[1] for m in mems)
        row["web_max"] = max((m[0] for m in mems), default=0.0)
        try:
            main = psutil.Process(self.worker.pid)
            tree = [main, *main.children(recursive=True)]
            pool = main.children()
        except psutil.NoSuchProcess:
            tree, pool = [], []
        self.pool_pids.update(p.pid for p in pool)
        mems = [self._mem(p) for p in tree]
        row["cel_n"] = len(tree)
        row["cel_rss"] = sum(m[0] for m in mems)
        row["cel_pss"] = sum(m[1] for m in mems)
        row["cel_main"] = mems[0][0] if mems else 0.0
        return row

    def run(self) -> None:
        self.pg_base = self.postgres()
        self.started = time.monotonic()
        while not self._halt.is_set():
            self.samples.append(self.sample())
            self.pg_seen.update(self.postgres())
            self._halt.wait(SAMPLE_EVERY)

    def finish(self) -> None:
        self._halt.set()
        self.join(timeout=30)
        self.samples.append(self.sample())


# --------------------------------------------------------------------------- processes


def subreaper() -> bool:
    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0


def grader_processes() -> dict[int, str]:
    import psutil

    found = {}
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if proc.info["status"] != psutil.STATUS_ZOMBIE and any(
            mark in cmdline for mark in GRADER_MARKS
        ):
            found[proc.info["pid"]] = cmdline[:160]
    return found


def leftovers() -> list[str]:
    """Our descendants still alive (every server we started has been stopped)."""
    import psutil

    me = psutil.Process()
    alive = []
    for proc in me.children(recursive=True):
        try:
            if proc.status() == psutil.STATUS_ZOMBIE:
                continue
            alive.append(f"{proc.pid} {' '.join(proc.cmdline())[:160]}")
        except psutil.NoSuchProcess:
            continue
    # Reap the zombies that re-parented to us.
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            break
        if pid == 0:
            break
    return alive


# --------------------------------------------------------------------------- probes


def probe_pages(config: dict) -> list[tuple[str, str, str | None]]:
    """One URL per GET page of the mix: (locust name, path, session role)."""
    agency, user = config["officers"][0]
    lessons = config["lessons"]
    return [
        ("learner: catalogue", "/khoa-hoc/", "learner"),
        ("learner: catalogue search", "/khoa-hoc/?q=du+lieu", "learner"),
        ("learner: course page", config["courses"][0]["url"], "learner"),
        ("learner: lesson", lessons[len(lessons) // 2]["url"], "learner"),
        ("learner: my learning", "/hoc-tap-cua-toi/", "learner"),
        ("quiz: start page", f"/khoa-hoc/{config['quiz_courses'][0]}/kiem-tra/", "learner"),
        ("lab: lab page", config["lab_url"], "lab"),
        ("dost: province dashboard", "/tong-quan/", "dost"),
        ("dost: agency drill-down", f"/tong-quan/don-vi/{config['agencies'][0]}/", "dost"),
        ("dost: officer page", f"/tong-quan/don-vi/{agency}/can-bo/{user}/", "dost"),
        ("dost: agency table CSV", "/tong-quan/xuat/don-vi.csv", "dost"),
        ("verify: certificate", f"/verify/{config['certificates'][0]}/", None),
    ]  # fmt: skip


def query_counts(config: dict) -> dict[str, int]:
    """SQL queries per page, in-process (Django test client), second visit."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for name, url, role in probe_pages(config):
        client = Client(HTTP_HOST="127.0.0.1")
        if role:
            client.cookies["sessionid"] = config["sessions"][role][-1]
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        counts[name] = len(queries) if response.status_code == 200 else -1
    return counts


def alone(host: str, config: dict, n: int) -> dict[str, list[float]]:
    """Each page `n` times, one request at a time, before the load starts (ms)."""
    import requests

    out: dict[str, list[float]] = {}
    for name, url, role in probe_pages(config):
        session = requests.Session()
        if role:
            session.cookies.set("sessionid", config["sessions"][role][-1])
        session.get(host + url, allow_redirects=False, timeout=120)
        times = []
        for _ in range(n):
            started = time.perf_counter()
            response = session.get(host + url, allow_redirects=False, timeout=120)
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{url}: HTTP {response.status_code} before the load")
        out[name] = times
    return out


def worker_ready(worker: subprocess.Popen, host: str, config: dict) -> float:
    """Wait for the pool, then grade one upload through the site (starts the
    fork-server zygote); returns that first submission's seconds."""
    import psutil
    import requests

    deadline = time.monotonic() + 300
    while len(psutil.Process(worker.pid).children()) < 1:
        if time.monotonic() > deadline or worker.poll() is not None:
            raise SystemExit("the Celery worker did not start its pool")
        time.sleep(1)
    session = requests.Session()
    session.cookies.set("sessionid", config["sessions"]["lab"][-1])
    page = session.get(host + config["lab_url"], timeout=120).text
    token = page.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    started = time.monotonic()
    response = session.post(
        host + config["lab_url"],
        data={"csrfmiddlewaretoken": token},
        files={"notebook": ("bai.ipynb", Path(config["notebook"]).read_bytes())},
        allow_redirects=False,
        timeout=120,
    )
    status_url = host + response.headers["Location"] + "trang-thai/"
    while time.monotonic() < deadline:
        data = session.get(status_url, timeout=120).json()
        if data["finished"]:
            if data["status"] != "graded":
                raise SystemExit(f"the warm-up submission ended {data['status']}")
            return time.monotonic() - started
        time.sleep(0.5)
    raise SystemExit("the warm-up submission was not graded within 300 s")


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process tree: the live processes' own time plus what their
    reaped children used (children_user/system)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        try:
            t = proc.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += t.user + t.system + t.children_user + t.children_system
    return total


def machine_busy() -> float:
    import psutil

    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


# --------------------------------------------------------------------------- locust


def run_locust(args: argparse.Namespace, host: str, config_path: Path) -> int:
    users = args.learners + args.dost + args.lab_users + args.verify_users
    command = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "--host", host, "--users", str(users), "--spawn-rate", "20",
        "--run-time", f"{int(args.minutes * 60)}s", "--stop-timeout", "5",
        "--csv", str(WORK / "locust"), "--only-summary", "--loglevel", "WARNING",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    env = {**os.environ, "LOAD_CONFIG": str(config_path)}
    return subprocess.run(command, cwd=ROOT, env=env, check=False).returncode


def read_stats() -> tuple[list[dict], list[dict]]:
    with open(WORK / "locust_stats.csv", encoding="utf-8") as handle:
        stats = [r for r in csv.DictReader(handle) if r["Name"] != "Aggregated"]
    with open(WORK / "locust_failures.csv", encoding="utf-8") as handle:
        failures = list(csv.DictReader(handle))
    return stats, failures


def submissions_settle(first_pk: int, drain: float) -> dict[str, int]:
    """Wait up to `drain` s for the run's submissions to finish; count by outcome."""
    from django.db import connections

    from labs.models import Submission

    deadline = time.monotonic() + drain
    while True:
        rows = Submission.objects.filter(pk__gt=first_pk)
        pending = rows.filter(status__in=["queued", "running"]).count()
        if pending == 0 or time.monotonic() > deadline:
            break
        log(f"{pending} submissions still queued or running")
        time.sleep(5)
    counts: dict[str, int] = defaultdict(int)
    for status, score, max_score in rows.values_list("status", "score", "max_score"):
        if status == "graded" and score is not None and score < (max_score or 0):
            status = "graded below full marks"
        counts[status] += 1
    connections.close_all()
    return dict(counts)


# --------------------------------------------------------------------------- report


def _ms(value: str) -> str:
    try:
        return f"{float(value):,.0f}"
    except ValueError:
        return value


def report(ctx: dict) -> tuple[str, int]:
    stats, failures = ctx["stats"], ctx["failures"]
    seconds = ctx["seconds"]
    lines = [
        f"# Load test ({ctx['date']})",
        "",
        f"`{ctx['command']}`",
        "",
        f"- Machine: {ctx['machine']}. Load average before the run {ctx['load_before']}, "
        f"after {ctx['load_after']}.",
        f"- Data: `seed_demo` + `seed_scale --officers {ctx['officers']:,}` "
        f"({ctx['agencies']} agencies), {ctx['courses']} courses, {ctx['lessons']} "
        f"lessons, {ctx['certificates']} certificates; lab `{ctx['lab']}`.",
        f"- gunicorn `{' '.join(ctx['web_flags'])}`; Celery worker "
        f"`{' '.join(ctx['worker_flags'])}` (flags from deploy/systemd/); "
        "PostgreSQL + Redis on loopback; DEBUG off. "
        + (
            "No JupyterHub (`--no-hub`): pages with a lab find it down."
            if ctx["no_hub"]
            else "JupyterHub's status probe is answered by a stand-in (up)."
        ),
        f"- Mix for {seconds / 60:.1f} min: {ctx['learners']} learners and "
        f"{ctx['dost']} DOST admins (think time {ctx['think']} s), "
        f"{ctx['lab_rate']} lab uploads/min from {ctx['lab_users']} accounts, "
        f"{ctx['verify_rate']} verifications/s. Sessions made with SessionStore; "
        f"CERTIFICATE_VERIFY_RATE_LIMIT={VERIFY_RATE_LIMIT} for the run.",
        "",
        "## Requests and errors by endpoint class",
        "",
        "| Class | Requests | Errors | Rate (/s) |",
        "|---|---:|---:|---:|",
    ]
    by_class: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in stats:
        key = row["Name"].split(":", 1)[0]
        by_class[key][0] += int(row["Request Count"])
        by_class[key][1] += int(row["Failure Count"])
    errors = 0
    for key, title in CLASS_TITLES.items():
        n, failed = by_class.get(key, [0, 0])
        errors += failed
        lines.append(f"| {title} | {n:,} | {failed:,} | {n / seconds:.1f} |")
    total = sum(v[0] for v in by_class.values())
    lines.append(
        f"| **Total** | **{total:,}** | **{errors:,}** | {total / seconds:.1f} |"
    )
    uploads = sum(
        int(r["Request Count"]) - int(r["Failure Count"])
        for r in stats
        if r["Name"] == "lab: upload notebook (POST)"
    )
    verified = sum(
        int(r["Request Count"]) for r in stats if r["Name"] == "verify: certificate"
    )
    lines += [
        "",
        f"Achieved: {60 * uploads / seconds:.0f} accepted lab uploads a minute "
        f"(target {ctx['lab_rate']}), {verified / seconds:.1f} verifications a second "
        f"(target {ctx['verify_rate']}). Every virtual user waits for its response "
        "before the next request, so an overloaded server gets fewer requests than "
        "the target instead of an ever-growing queue.",
    ]
    subs = ctx["submissions"]
    bad = sum(n for status, n in subs.items() if status != "graded")
    errors += bad
    lines += [
        "",
        f"Lab submissions in the database after the run: {sum(subs.values()):,} "
        f"({', '.join(f'{k} {v:,}' for k, v in sorted(subs.items())) or 'none'}); "
        f"not graded with full marks: **{bad}**.",
        "",
        "## Latency per page (ms)",
        "",
        "| Page | SQL queries | Alone p50 | Requests | Errors | p50 | p95 | max |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    queries, single = ctx["queries"], ctx["alone"]
    for row in sorted(stats, key=lambda r: r["Name"]):
        name = row["Name"]
        q = queries.get(name)
        solo = single.get(name)
        lines.append(
            f"| {name} | {'' if q is None else q} | "
            f"{'' if not solo else f'{statistics.median(solo):,.0f}'} | "
            f"{int(row['Request Count']):,} | {int(row['Failure Count']):,} | "
            f"{_ms(row['50%'])} | {_ms(row['95%'])} | {_ms(row['Max Response Time'])} |"
        )
    lines += [
        "",
        "*SQL queries*: one signed-in visit, in-process, after a first visit. "
        f"*Alone*: {ctx['alone_n']} requests one at a time against the same gunicorn "
        "just before the load (the machine's other jobs still running). "
        "`lab: submit→graded` runs from the upload's response to the first status "
        "poll (every second, as the page polls) that says finished; uploads still "
        "being graded when Locust stopped are counted in the database line above. "
        f"The warm-up upload (worker start, fork server) took {ctx['first_grade']:.1f} s.",
    ]
    cpu = ctx["cpu"]
    if cpu:
        requests_total = max(1, total)
        n_subs = max(1, sum(subs.values()))
        cores = ctx["cores"]
        lines += [
            "",
            "## CPU",
            "",
            "| Who | CPU-s | Share of the machine's CPU time |",
            "|---|---:|---:|",
            f"| gunicorn (master + workers) | {cpu['web']:.0f} | "
            f"{100 * cpu['web'] / (cores * seconds):.0f} % |",
            f"| Celery worker tree, until the queue drained | {cpu['celery']:.0f} | "
            f"{100 * cpu['celery'] / (cores * cpu['drain_seconds']):.0f} % |",
            f"| PostgreSQL backends of `{DB_NAME}` (approx.) | {cpu['postgres']:.0f} | "
            f"{100 * cpu['postgres'] / (cores * seconds):.0f} % |",
            f"| Locust | {cpu['locust']:.0f} | "
            f"{100 * cpu['locust'] / (cores * seconds):.0f} % |",
            f"| Whole machine busy (everyone, incl. PostgreSQL, Redis, other jobs) | "
            f"{cpu['busy']:.0f} | {100 * cpu['busy'] / (cores * seconds):.0f} % |",
            "",
            f"Per HTTP request, gunicorn used {1000 * cpu['web'] / requests_total:.0f} "
            "ms of CPU on average"
            + (
                f"; per lab submission the worker used {cpu['celery'] / n_subs:.2f} "
                "CPU-s (grading, rendering the executed notebook, and the run's other "
                "tasks)."
                if subs
                else "."
            ),
        ]
    if failures:
        lines += ["", "## Errors", "", "| Request | Error | Count |", "|---|---|---:|"]
        for row in failures:
            error = row["Error"].replace("|", "/").replace("\n", " ")[:200]
            lines.append(f"| {row['Name']} | {error} | {row['Occurrences']} |")

    samples = ctx["samples"]
    lines += [
        "",
        "## Memory (MB), sampled every 30 s",
        "",
        "| t (s) | gunicorn workers | RSS sum | PSS sum | largest worker | "
        "Celery processes | RSS sum | PSS sum |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    boot = ctx["boot"]
    lines.append(
        f"| boot | {boot['web_n']} | {boot['web_rss']:.0f} | {boot['web_pss']:.0f} | "
        f"{boot['web_max']:.0f} | {boot['cel_n']} | {boot['cel_rss']:.0f} | "
        f"{boot['cel_pss']:.0f} |"
    )
    for s in samples:
        lines.append(
            f"| {s['t']:.0f} | {s['web_n']} | {s['web_rss']:.0f} | {s['web_pss']:.0f} | "
            f"{s['web_max']:.0f} | {s['cel_n']} | {s['cel_rss']:.0f} | "
            f"{s['cel_pss']:.0f} |"
        )
    if len(samples) >= 3:
        warm = next((s for s in samples if s["t"] >= 60), samples[1])
        end = samples[-1]
        lines += [
            "",
            f"From the first sample after warm-up (t={warm['t']:.0f} s) to the end: "
            f"gunicorn workers PSS {warm['web_pss']:.0f} → {end['web_pss']:.0f} MB "
            f"({_pct(warm['web_pss'], end['web_pss'])}), Celery tree PSS "
            f"{warm['cel_pss']:.0f} → {end['cel_pss']:.0f} MB "
            f"({_pct(warm['cel_pss'], end['cel_pss'])}). The Celery tree counts the "
            "fork-server zygotes and any kernel grading at that instant. gunicorn "
            f"worker processes seen: {ctx['web_pids']} (recycled by `--max-requests`); "
            f"Celery pool processes seen: {ctx['pool_pids']} (`--max-tasks-per-child`).",
        ]
    left = ctx["leftovers"]
    stray = ctx["stray"]
    lines += [
        "",
        "## Processes left after the run",
        "",
        f"Descendants of this run still alive after gunicorn and the worker stopped: "
        f"**{len(left)}**"
        + ("." if not left else ":\n\n" + "\n".join(f"    {x}" for x in left)),
    ]
    if ctx["subreaper"] is False:
        lines.append("(prctl(PR_SET_CHILD_SUBREAPER) failed: orphans went to init.)")
    lines.append(
        f"Grader-looking processes (labs.kernels, labs.sandbox, ipykernel) on the "
        f"machine that were not there before the run: {len(stray)}"
        + (
            " (other helpers' test runs share the machine; these are not ours: "
            "ours would be listed above)."
            if stray
            else "."
        )
    )
    errors += len(left)
    lines += ["", f"**Errors in total: {errors}.**", ""]
    return "\n".join(lines), errors


def _pct(before: float, after: float) -> str:
    if before <= 0:
        return "n/a"
    return f"{100 * (after - before) / before:+.0f} %"


# --------------------------------------------------------------------------- main


def _last_submission() -> int:
    from django.db import connections

    from labs.models import Submission

    pk = Submission.objects.order_by("-pk").values_list("pk", flat=True).first()
    connections.close_all()
    return pk or 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--officers", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=300)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--dost", type=int, default=10)
    parser.add_argument("--think", default="2,8", help="think time range, s")
    parser.add_argument("--lab", default="l1-officer-names",
                        help="bundle under labs/bundles/, or `tiny` (test fixture)")  # fmt: skip
    parser.add_argument("--lab-rate", type=float, default=200, help="uploads/min")
    # 200 uploads a minute come from 200 officers, one each: 40 accounts uploading
    # every 12 s ran into the 3-pending-per-learner limit whenever grading lagged.
    parser.add_argument("--lab-users", type=int, default=200)
    parser.add_argument("--grade-timeout", type=float, default=300)
    parser.add_argument("--verify-rate", type=float, default=20, help="per second")
    parser.add_argument("--verify-users", type=int, default=10)
    parser.add_argument("--certificates", type=int, default=50)
    parser.add_argument("--alone", type=int, default=10,
                        help="requests per page one at a time before the load")  # fmt: skip
    parser.add_argument("--drain", type=float, default=300,
                        help="s to wait for queued submissions after the run")  # fmt: skip
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    parser.add_argument("--redis-url", default=DEFAULT_REDIS_URL)
    parser.add_argument("--no-hub", action="store_true",
                        help="no stand-in for JupyterHub's status probe (hub down)")  # fmt: skip
    parser.add_argument("--note", default="", help="added to the machine line")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args()
    think = [float(x) for x in args.think.split(",")]
    if args.lab_rate <= 0:
        args.lab_users = 0
    if args.verify_rate <= 0:
        args.verify_users = 0

    import psutil

    reaping = subreaper()
    strays_before = grader_processes()
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    port = free_port()
    env = environment(args, port)
    os.environ.update(env)

    timings = {}
    log(f"fresh database {urlsplit(args.database_url).path.lstrip('/')}")
    database_fresh(args)
    timings["migrate"] = manage(env, "migrate", "--no-input", "-v", "0")
    timings["collectstatic"] = manage(env, "collectstatic", "--no-input", "-v", "0")
    log("seed_demo (grades every lab bundle once)")
    timings["seed_demo"] = manage(env, "seed_demo", "--allow-production")
    log(f"seed_scale --officers {args.officers}")
    timings["seed_scale"] = manage(
        env, "seed_scale", "--officers", str(args.officers),
        "--agencies", str(args.agencies), "--force",
    )  # fmt: skip

    import django

    django.setup()
    from django.db import connections

    lab_slug, notebook = lab_prepare(args.lab)
    started = time.monotonic()
    content = accounts_and_content(args, lab_slug)
    timings["accounts"] = time.monotonic() - started
    first_pk = _last_submission()
    connections.close_all()
    log("setup: " + ", ".join(f"{k} {v:.0f} s" for k, v in timings.items()))

    config = {
        **content,
        "think": think,
        "notebook": str(notebook),
        "lab_users": args.lab_users,
        "lab_pacing": args.lab_users * 60.0 / args.lab_rate if args.lab_users else 1,
        "grade_timeout": args.grade_timeout,
        "learners": args.learners,
        "dost": args.dost,
        "verify_users": args.verify_users,
        "verify_rate": args.verify_rate,
    }
    config_path = WORK / "locust-config.json"
    config_path.write_text(json.dumps(config), encoding="utf-8")

    host = f"http://127.0.0.1:{port}"
    queries = query_counts(config)
    connections.close_all()
    gunicorn, web_flags = gunicorn_start(env, port)
    worker, worker_flags = worker_start(env)
    sampler = Sampler(gunicorn, worker, urlsplit(args.database_url).path.lstrip("/"))
    cpu: dict[str, float] = {}
    try:
        boot = sampler.sample()
        first_grade = worker_ready(worker, host, config)
        log(f"worker ready, first submission graded in {first_grade:.1f} s")
        single = alone(host, config, args.alone)
        first_pk = max(first_pk, _last_submission())
        log(f"gunicorn {gunicorn.pid} on {host}, worker {worker.pid}; locust starts")
        web0, cel0, busy0 = tree_cpu(gunicorn.pid), tree_cpu(worker.pid), machine_busy()
        kids0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        sampler.start()
        run_started = time.monotonic()
        code = run_locust(args, host, config_path)
        seconds = time.monotonic() - run_started
        kids1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu["web"] = tree_cpu(gunicorn.pid) - web0
        cpu["locust"] = (kids1.ru_utime + kids1.ru_stime) - (
            kids0.ru_utime + kids0.ru_stime
        )
        cpu["busy"] = machine_busy() - busy0
        sampler.finish()
        cpu["postgres"] = sampler.postgres_cpu()
        log(f"locust exited {code} after {seconds:.0f} s; waiting for the grader")
        submissions = submissions_settle(first_pk, args.drain)
        cpu["celery"] = tree_cpu(worker.pid) - cel0
        cpu["busy_drain"] = machine_busy() - busy0
        cpu["drain_seconds"] = time.monotonic() - run_started
    finally:
        if sampler.is_alive():
            sampler.finish()
        stop(gunicorn, 30)
        stop(worker, 120)
    time.sleep(3)  # let killed kernels' parents notice
    left = leftovers()
    strays = {
        pid: cmd for pid, cmd in grader_processes().items() if pid not in strays_before
    }
    if not (WORK / "locust_stats.csv").exists():
        log("locust wrote no statistics")
        return 2
    stats, failures = read_stats()

    from courses.models import CoursePage, LessonPage
    from lms.agencies.models import Agency

    command = "python bench/load.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    ctx = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "command": command.strip(),
        "machine": (
            f"{psutil.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB, {platform.system()} "
            f"{platform.release()}; load generator (Locust, one process) on the same "
            "cores" + (f"; {args.note}" if args.note else "")
        ),
        "load_before": load_before,
        "load_after": ", ".join(f"{x:.1f}" for x in os.getloadavg()),
        "officers": args.officers,
        "agencies": Agency.objects.filter(code__startswith="SCALE-").count(),
        "courses": CoursePage.objects.live().count(),
        "lessons": LessonPage.objects.live().count(),
        "certificates": len(content["certificates"]),
        "lab": args.lab,
        "web_flags": web_flags,
        "worker_flags": worker_flags,
        "learners": args.learners,
        "dost": args.dost,
        "think": "–".join(f"{x:g}" for x in think),
        "lab_rate": f"{args.lab_rate:g}",
        "lab_users": args.lab_users,
        "verify_rate": f"{args.verify_rate:g}",
        "seconds": seconds,
        "stats": stats,
        "failures": failures,
        "submissions": submissions,
        "samples": sampler.samples,
        "web_pids": len(sampler.worker_pids),
        "pool_pids": len(sampler.pool_pids),
        "leftovers": left,
        "stray": strays,
        "subreaper": reaping,
        "no_hub": args.no_hub,
        "queries": queries,
        "alone": single,
        "cpu": cpu,
        "boot": boot,
        "first_grade": first_grade,
        "alone_n": args.alone,
        "cores": psutil.cpu_count(),
    }
    connections.close_all()
    text, errors = report(ctx)
    print(text)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    log(f"wrote {args.output}; errors {errors}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
