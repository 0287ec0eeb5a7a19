# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""Faults with real services: a worker killed mid-grading, a broker down at submit."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from labs import services
from labs.models import Lab, Submission
from tests.conftest import ROOT, _test_database_url, wait_for
from tests.labs.lab_fixtures import (  # noqa: F401
    labs_queue,
    labs_worker,
    notebook_bytes,
    tiny_folder,
    version_record,
    worker_start,
    worker_stop,
)

pytestmark = pytest.mark.worker

SLOW_CORRECT = ("import time\ntime.sleep(4)", "total = 6")


@pytest.fixture
def live_lab(transactional_db, tiny_folder) -> Lab:
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)
    return lab


def _status(submission: Submission, *statuses: str):
    def check():
        submission.refresh_from_db()
        return submission.status in statuses

    return check


def _pool_children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _stored_notebooks(submission: Submission) -> list[str]:
    """The executed notebooks (or their renderings) stored for `submission`."""
    wait_for(
        lambda: submission.refresh_from_db() or submission.executed_html, timeout=30
    )
    folder = Path(settings.MEDIA_ROOT) / "labs" / "executed" / submission.lab.slug
    return sorted(p.name for p in folder.glob(f"{submission.pk}-*"))


def test_a_worker_process_killed_mid_grading_is_regraded_with_one_result(
    labs_worker, live_lab, learner
):
    submission = services.submission_create(
        user=learner, lab=live_lab, notebook_bytes=notebook_bytes(*SLOW_CORRECT)
    )
    wait_for(_status(submission, Submission.Status.RUNNING), timeout=120)
    time.sleep(1.5)  # inside the learner's sleep
    (child,) = _pool_children(labs_worker.pid)
    os.kill(child, signal.SIGKILL)
    wait_for(_status(submission, Submission.Status.GRADED), timeout=120)
    assert (submission.score, submission.max_score) == (2, 2)
    assert submission.attempts == 2  # the killed run, then the redelivered one
    assert len(_stored_notebooks(submission)) == 1


def test_a_whole_worker_killed_mid_grading_is_swept_and_graded_once(
    transactional_db, labs_queue, live_lab, learner
):
    worker = worker_start(labs_queue)
    try:
        submission = services.submission_create(
            user=learner, lab=live_lab, notebook_bytes=notebook_bytes(*SLOW_CORRECT)
        )
        wait_for(_status(submission, Submission.Status.RUNNING), timeout=120)
        time.sleep(1.5)
        for pid in [*_pool_children(worker.pid), worker.pid]:
            os.kill(pid, signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        worker_stop(worker)
    worker = worker_start(labs_queue)
    try:
        # The sweeper (every minute in production) finds it running far too long.
        assert services.submissions_sweep(running_after=timedelta(0)) == 1
        wait_for(_status(submission, Submission.Status.GRADED), timeout=120)
    finally:
        worker_stop(worker)
    assert submission.score == 2
    assert len(_stored_notebooks(submission)) == 1


SUBMIT_SCRIPT = """
import django
django.setup()
from labs.models import Lab
from labs.services import submission_create
from lms.accounts.models import User
s = submission_create(user=User.objects.get(pk={user}), lab=Lab.objects.get(pk={lab}),
                      notebook_bytes=open({path!r}, "rb").read())
print(s.pk)
"""


def test_a_submission_made_while_the_broker_is_down_is_graded_after_it_returns(
    labs_worker, live_lab, learner, tmp_path
):
    path = tmp_path / "bai.ipynb"
    path.write_bytes(notebook_bytes("total = 6"))
    # The web process sees no broker at all (nothing listens on port 9).
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "lms.settings_test",
        "DATABASE_URL": _test_database_url(),
        "DEBUG": "1",
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
    }
    script = SUBMIT_SCRIPT.format(user=learner.pk, lab=live_lab.pk, path=str(path))
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert "Broker unavailable" in done.stderr
    submission = Submission.objects.get(pk=int(done.stdout.split()[-1]))
    assert submission.status == Submission.Status.QUEUED
    assert submission.enqueued_at is None
    # The broker is back (this process's own): the sweeper publishes it.
    assert services.submissions_sweep(unpublished_after=timedelta(0)) == 1
    wait_for(_status(submission, Submission.Status.GRADED), timeout=120)
    assert submission.score == 2
