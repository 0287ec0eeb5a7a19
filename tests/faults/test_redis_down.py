# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""Redis (broker and cache) stopped mid-flow: a private redis-server, never the shared one.

The web side is a long-lived subprocess whose cache and broker are that Redis (as a
gunicorn worker's would be), driven line by line, so what the learner sees is what a
real web process shows while Redis is down. A real prefork worker grades from it.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from labs.models import Lab, Submission
from tests.conftest import wait_for
from tests.faults.conftest import RedisServer, django_start
from tests.labs.lab_fixtures import (  # noqa: F401
    notebook_bytes,
    tiny_folder,
    version_record,
    worker_start,
    worker_stop,
)

pytestmark = [pytest.mark.fault, pytest.mark.worker]

SLOW_CORRECT = ("import time\ntime.sleep(4)", "total = 6")
WAITING = "đang chờ chấm"
QUEUE = f"labs-faults-{os.getpid()}"

# The web process: reads one JSON command per line, answers one JSON line.
WEB = """
import json, sys
from datetime import timedelta
from django.test import Client
from django.test.utils import setup_test_environment
from labs.models import Lab
from labs.services import submission_create, submissions_sweep
from lms.accounts.models import User
setup_test_environment()

def upload(user, url, path):
    client = Client()
    client.force_login(User.objects.get(pk=user))
    with open(path, "rb") as handle:
        response = client.post(url, {"notebook": handle}, follow=True)
    return {"status": response.status_code,
            "chain": [url for url, _code in response.redirect_chain],
            "html": response.content.decode()}

def get(user, url):
    client = Client()
    client.force_login(User.objects.get(pk=user))
    return {"status": client.get(url).status_code}

def submit(user, lab, path):
    submission = submission_create(
        user=User.objects.get(pk=user), lab=Lab.objects.get(pk=lab),
        notebook_bytes=open(path, "rb").read())
    return {"pk": submission.pk, "published": submission.published}

def sweep():
    return {"count": submissions_sweep(unpublished_after=timedelta(0))}

for line in sys.stdin:
    command = json.loads(line)
    print(json.dumps(globals()[command.pop("do")](**command)), flush=True)
"""


class WebProcess:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = django_start(WEB, env=env)

    def __call__(self, do: str, **arguments: object) -> dict:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps({"do": do, **arguments}) + "\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            raise AssertionError(f"web process died:\n{self.process.stderr.read()}")
        return json.loads(line)

    def stop(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def env(module_redis: RedisServer) -> dict[str, str]:
    url = module_redis.url()
    return {
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "CELERY_RESULT_BACKEND": url,
        "LABS_GRADING_QUEUE": QUEUE,
    }


@pytest.fixture(scope="module")
def processes(django_db_setup, env) -> Iterator[WebProcess]:
    """A grading worker and a web process for the module (each costs seconds to
    start); both use the module's private Redis."""
    worker = worker_start(QUEUE, env=env)
    web = WebProcess(env)
    try:
        yield web
    finally:
        web.stop()
        worker_stop(worker)


@pytest.fixture
def web(transactional_db, processes: WebProcess, module_redis) -> WebProcess:
    if module_redis.process is None:  # a failed test left it stopped
        module_redis.start()
    return processes


@pytest.fixture
def live_lab(transactional_db, tiny_folder) -> Lab:
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)
    return lab


def _notebook(folder: Path, name: str, *cells: str) -> str:
    path = folder / name
    path.write_bytes(notebook_bytes(*cells))
    return str(path)


def _status(submission: Submission, *statuses: str):
    def check():
        submission.refresh_from_db()
        return submission.status in statuses

    return check


def test_redis_stopped_during_submit_keeps_the_submission_waiting_then_grades_it_once(
    web, module_redis, live_lab, learner, tmp_path
):
    path = _notebook(tmp_path, "bai.ipynb", "total = 6")
    url = f"/bai-thuc-hanh/{live_lab.slug}/"
    assert web("get", user=learner.pk, url=url) == {"status": 200}

    module_redis.stop()
    page = web("upload", user=learner.pk, url=url, path=path)

    submission = Submission.objects.get(user=learner)
    assert page["status"] == 200
    assert page["chain"] == [f"/bai-nop/{submission.pk}/"]
    assert WAITING in page["html"]
    assert (submission.status, submission.enqueued_at) == (
        Submission.Status.QUEUED,
        None,
    )
    assert submission.notebook.read() == Path(path).read_bytes()

    module_redis.start()
    # What beat's sweeper does every minute once Redis is back.
    assert web("sweep") == {"count": 1}
    wait_for(_status(submission, Submission.Status.GRADED), timeout=120)
    assert (submission.score, submission.attempts) == (2, 1)
    assert Submission.objects.count() == 1


def test_redis_stopped_while_grading_ends_with_one_result_and_the_worker_comes_back(
    web, module_redis, live_lab, learner, tmp_path
):
    slow = _notebook(tmp_path, "slow.ipynb", *SLOW_CORRECT)
    sent = web("submit", user=learner.pk, lab=live_lab.pk, path=slow)
    assert sent["published"] is True
    submission = Submission.objects.get(pk=sent["pk"])
    wait_for(_status(submission, Submission.Status.RUNNING), timeout=120)

    module_redis.stop()
    time.sleep(1)  # the worker notices the lost broker inside the learner's sleep
    module_redis.start()

    wait_for(_status(submission, Submission.Status.GRADED), timeout=120)
    assert (submission.score, submission.max_score, submission.attempts) == (2, 2, 1)
    wait_for(lambda: submission.refresh_from_db() or submission.executed_html)

    # The same worker, reconnected, takes the next submission from the new Redis.
    quick = _notebook(tmp_path, "quick.ipynb", "total = 6")
    sent = web("submit", user=learner.pk, lab=live_lab.pk, path=quick)
    assert sent["published"] is True
    wait_for(_status(Submission.objects.get(pk=sent["pk"]), Submission.Status.GRADED))
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == (Submission.Status.GRADED, 1)
    assert Submission.objects.count() == 2
