# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""Grading through a real broker and a real prefork worker on the test database."""

import uuid

import pytest

from labs import services, tasks
from labs.models import Lab, Submission
from tests.conftest import wait_for
from tests.labs.lab_fixtures import (  # noqa: F401
    labs_queue,
    labs_worker,
    notebook_bytes,
    tiny_folder,
    version_record,
)

pytestmark = pytest.mark.worker


def _finished(submission: Submission):
    def check():
        submission.refresh_from_db()
        return submission.is_finished

    return check


@pytest.fixture
def live_lab(transactional_db, tiny_folder) -> Lab:
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)
    return lab


def test_a_submission_is_graded_by_the_worker_with_per_check_feedback(
    labs_worker, live_lab, learner
):
    submission = services.submission_create(
        user=learner, lab=live_lab, notebook_bytes=notebook_bytes("total = 5")
    )
    wait_for(_finished(submission), timeout=120)
    assert submission.status == Submission.Status.GRADED
    assert (submission.score, submission.max_score, submission.attempts) == (0, 2, 1)
    check = submission.checks[0]
    assert (check["name"], check["passed"], check["message"]) == (
        "total",
        False,
        "Tổng chưa đúng.",
    )
    assert check["expected"] == "6" and check["found"] == "5"
    assert submission.enqueued_at is not None and submission.graded_at is not None
    # The executed notebook is stored just after the grade; the first view renders it.
    wait_for(
        lambda: submission.refresh_from_db() or submission.executed_html, timeout=30
    )
    html = services.submission_notebook_html(submission=submission)
    assert b'<span class="mi">5</span>' in html


def test_a_full_score_submission_is_graded_full(labs_worker, live_lab, learner):
    submission = services.submission_create(
        user=learner, lab=live_lab, notebook_bytes=notebook_bytes("total = 1 + 2 + 3")
    )
    wait_for(_finished(submission), timeout=120)
    assert (submission.status, submission.score) == (Submission.Status.GRADED, 2)


def test_a_machine_failure_is_retried_then_left_for_review(
    labs_worker, transactional_db, tiny_folder, learner
):
    # A version whose archive vanished from storage: every attempt fails with an
    # OSError (a transient error), so the task retries 3 times, then gives up.
    (tiny_folder / "data" / "numbers.csv").write_text(f"n\n{uuid.uuid4().int % 7}\n")
    lab = Lab.objects.create(slug="tiny-lost", title="Gói bị mất")
    version = version_record(lab, tiny_folder)
    version.archive.storage.delete(version.archive.name)
    submission = services.submission_create(
        user=learner, lab=lab, notebook_bytes=notebook_bytes("total = 6")
    )
    wait_for(_finished(submission), timeout=120)
    assert submission.status == Submission.Status.REVIEW
    assert "Không chấm được sau nhiều lần thử" in submission.error


def test_each_worker_process_keeps_one_warm_kernel_source():
    try:
        first = tasks.worker_kernels()
        assert tasks.worker_kernels() is first
    finally:
        tasks._kernels_close()
    assert tasks._kernels is None
