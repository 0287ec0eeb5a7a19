# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
import io
import json
import logging
import shutil
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from labs import services
from labs.models import Lab, Submission
from tests.labs.lab_fixtures import lab, notebook_bytes, tiny_folder  # noqa: F401


@pytest.fixture
def dead_broker():
    """Point this process's Celery app at a port nobody listens on."""
    from lms.celery import app

    saved = app.conf.broker_url, app._pool, app.amqp._producer_pool
    app.conf.broker_url = "redis://127.0.0.1:9/0"
    app._pool = app.amqp._producer_pool = None
    try:
        yield
    finally:
        app.conf.broker_url = saved[0]
        app._pool, app.amqp._producer_pool = saved[1], saved[2]


def _create(lab, learner, data=None):
    return services.submission_create(
        user=learner, lab=lab, notebook_bytes=data or notebook_bytes("total = 6")
    )


def test_a_submission_is_saved_with_its_file_and_sha256_before_anything_is_queued(
    learner,
    lab,
    django_capture_on_commit_callbacks,
):
    data = notebook_bytes("total = 6")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        submission = _create(lab, learner, data)
        stored = Submission.objects.get(pk=submission.pk)
        assert stored.status == Submission.Status.QUEUED
        assert stored.task_id and stored.enqueued_at is None
    assert len(callbacks) == 1
    assert stored.bundle_version == lab.current_version
    assert stored.sha256 == services.archives.sha256_hex(data)
    with stored.notebook.open("rb") as handle:
        assert handle.read() == data


def test_hub_submissions_record_their_source(learner, lab):
    submission = services.submission_create(
        user=learner, lab=lab, notebook_bytes=notebook_bytes("x = 1"), source="hub"
    )
    assert submission.source == Submission.Source.HUB


def test_a_notebook_over_the_size_cap_is_refused_and_nothing_is_saved(
    learner, lab, settings
):
    settings.LABS_MAX_NOTEBOOK_BYTES = 1024
    with pytest.raises(
        services.SubmissionRefused, match="Giới hạn là 0 MB|Tệp quá lớn"
    ):
        _create(lab, learner, notebook_bytes("x = '" + "a" * 2000 + "'"))
    assert not Submission.objects.exists()


def test_a_lab_without_a_valid_version_refuses_submissions(learner, db):
    bare = Lab.objects.create(slug="trong", title="Chưa có gói")
    with pytest.raises(services.SubmissionRefused, match="chưa sẵn sàng"):
        _create(bare, learner)


def test_a_broker_that_is_down_leaves_the_submission_queued_and_logged(
    learner,
    lab,
    dead_broker,
    django_capture_on_commit_callbacks,
    caplog,
):
    with caplog.at_level(logging.WARNING, logger="labs.services"):
        with django_capture_on_commit_callbacks(execute=True):
            submission = _create(lab, learner)
    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED
    assert submission.enqueued_at is None
    assert "Broker unavailable" in caplog.text


def test_a_message_with_another_task_id_does_not_claim_the_submission(learner, lab):
    submission = _create(lab, learner)
    assert (
        services.submission_grade(submission_id=submission.pk, task_id="stale") is None
    )
    submission.refresh_from_db()
    assert (submission.status, submission.attempts) == (Submission.Status.QUEUED, 0)


def test_a_graded_submission_is_not_graded_again(learner, lab):
    submission = _create(lab, learner)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.GRADED)
    assert services.submission_grade(submission_id=submission.pk) is None


def test_a_submission_that_killed_its_worker_too_often_goes_to_review(
    learner, lab, settings
):
    settings.LABS_MAX_ATTEMPTS = 2
    submission = _create(lab, learner)
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.RUNNING, attempts=2
    )
    assert services.submission_grade(submission_id=submission.pk) is None
    submission.refresh_from_db()
    assert submission.status == Submission.Status.REVIEW
    assert "2 lần" in submission.error


def test_the_sweeper_requeues_an_unpublished_submission_with_a_new_task_id(
    learner,
    lab,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=False):
        submission = _create(lab, learner)
    old_task = submission.task_id
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        count = services.submissions_sweep(unpublished_after=timedelta(0))
    submission.refresh_from_db()
    assert count == 1 and len(callbacks) == 1
    assert submission.task_id != old_task
    assert submission.status == Submission.Status.QUEUED


def test_the_sweeper_leaves_recently_published_and_finished_submissions(learner, lab):
    queued = _create(lab, learner)
    Submission.objects.filter(pk=queued.pk).update(enqueued_at=timezone.now())
    graded = _create(lab, learner)
    Submission.objects.filter(pk=graded.pk).update(
        status=Submission.Status.GRADED, enqueued_at=timezone.now() - timedelta(days=1)
    )
    assert services.submissions_sweep(unpublished_after=timedelta(0)) == 0


def test_the_sweeper_requeues_a_submission_running_past_the_time_limit(learner, lab):
    submission = _create(lab, learner)
    Submission.objects.filter(pk=submission.pk).update(
        status=Submission.Status.RUNNING,
        attempts=1,
        started_at=timezone.now() - timedelta(hours=1),
    )
    assert services.submissions_sweep() == 1
    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED


def test_mark_review_only_applies_to_the_owning_message(learner, lab):
    submission = _create(lab, learner)
    assert not services.submission_mark_review(
        submission_id=submission.pk, task_id="other", reason="x"
    )
    assert services.submission_mark_review(
        submission_id=submission.pk, task_id=submission.task_id, reason="Hỏng"
    )
    submission.refresh_from_db()
    assert (submission.status, submission.error) == (Submission.Status.REVIEW, "Hỏng")


def test_regrading_one_submission_moves_it_to_the_current_version(
    learner, lab, tiny_folder
):
    from tests.labs.lab_fixtures import version_record

    submission = _create(lab, learner)
    Submission.objects.filter(pk=submission.pk).update(status=Submission.Status.GRADED)
    (tiny_folder / "data" / "numbers.csv").write_text("n\n1\n", encoding="utf-8")
    newer = version_record(lab, tiny_folder, number=2)
    services.submission_regrade(submission=Submission.objects.get(pk=submission.pk))
    submission.refresh_from_db()
    assert submission.bundle_version == newer
    assert submission.status == Submission.Status.QUEUED


def test_the_sweeper_is_scheduled_every_minute(db):
    from django_celery_beat.models import PeriodicTask

    services.sweeper_schedule_ensure()
    services.sweeper_schedule_ensure()
    task = PeriodicTask.objects.get(task="labs.tasks.submissions_sweep")
    assert (task.interval.every, task.interval.period, task.enabled) == (
        60,
        "seconds",
        True,
    )


def _break(folder):
    broken = folder.parent / "tiny-broken"
    shutil.copytree(folder, broken)
    manifest = json.loads((broken / "manifest.json").read_text(encoding="utf-8"))
    manifest["slug"] = "tiny-broken"
    (broken / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    (broken / "solution.ipynb").write_bytes(notebook_bytes("total = 5"))
    return broken


def test_importing_a_bundle_validates_it_and_makes_it_current(db, tiny_folder):
    version = services.bundle_import(path=tiny_folder)
    lab = Lab.objects.get(slug="tiny-lab")
    assert version.is_valid and lab.current_version == version
    assert (lab.title, version.version) == ("Bài thực hành thử", 1)
    assert version.report["solution"]["score"] == 2
    assert version.report["starter"]["score"] == 0


def test_importing_the_same_bundle_again_adds_no_version(db, tiny_folder):
    first = services.bundle_import(path=tiny_folder)
    assert services.bundle_import(path=tiny_folder) == first
    assert first.lab.versions.count() == 1


def test_a_bundle_whose_solution_fails_is_kept_refused_and_not_current(db, tiny_folder):
    good = services.bundle_import(path=tiny_folder)
    (tiny_folder / "solution.ipynb").write_bytes(notebook_bytes("total = 5"))
    refused = services.bundle_import(path=tiny_folder)
    lab = Lab.objects.get(slug="tiny-lab")
    assert (refused.version, refused.is_valid) == (2, False)
    assert refused.refusal_reason.startswith("solution.ipynb chỉ đạt 0/2")
    assert lab.current_version == good


def test_a_bundle_whose_starter_already_passes_is_refused(db, tiny_folder):
    (tiny_folder / "starter.ipynb").write_bytes(notebook_bytes("total = 6"))
    version = services.bundle_import(path=tiny_folder)
    assert not version.is_valid
    assert "starter.ipynb đã đạt điểm tối đa" in version.refusal_reason
    assert Lab.objects.get(slug="tiny-lab").current_version is None


def test_a_zip_is_imported_like_a_folder(db, tiny_folder):
    from labs import archives

    data = archives.folder_archive(tiny_folder)
    version = services.bundle_import(zip_bytes=data)
    assert version.is_valid
    assert version.sha256 == archives.sha256_hex(data)


def test_a_zip_with_a_path_outside_the_bundle_is_refused(db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("../evil.py", "x")
    with pytest.raises(services.BundleRefused, match="đường dẫn không hợp lệ"):
        services.bundle_import(zip_bytes=buffer.getvalue())


def test_seed_imports_bundles_skips_broken_ones_and_is_idempotent(db, tiny_folder):
    from labs.demo import seed_bundles

    _break(tiny_folder)
    seed_bundles(tiny_folder.parent)
    seed_bundles(tiny_folder.parent)
    assert Lab.objects.get(slug="tiny-lab").current_version.version == 1
    broken = Lab.objects.get(slug="tiny-broken")
    assert broken.current_version is None
    assert broken.versions.get().status == "refused"


def test_grading_stores_the_result_and_announces_a_pass_once(learner, lab):
    from labs.signals import lab_graded

    received = []

    def receiver(sender, **kwargs):
        received.append((kwargs["user"], kwargs["lab"], kwargs["passed"]))

    lab_graded.connect(receiver)
    try:
        submission = _create(lab, learner, notebook_bytes("total = 6"))
        graded = services.submission_grade(submission_id=submission.pk)
        again = services.submission_grade(submission_id=submission.pk)
    finally:
        lab_graded.disconnect(receiver)
    assert (graded.status, graded.score, graded.max_score) == ("graded", 2, 2)
    assert graded.result["checks"][0]["passed"] is True
    assert again is None
    assert received == [(learner, lab, True)]
    graded.refresh_from_db()
    assert graded.executed_html.name.endswith(".ipynb")  # rendered when first viewed


def test_a_regrade_replaces_the_rendered_notebook_with_the_new_executed_one(
    learner, lab
):
    submission = _create(lab, learner, notebook_bytes("total = 5"))
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    assert b'<span class="mi">5</span>' in services.submission_notebook_html(
        submission=submission
    )
    rendered = submission.executed_html.name
    assert rendered.endswith(".html")

    services.submission_regrade(submission=submission)
    services.submission_grade(submission_id=submission.pk)

    regraded = Submission.objects.get(pk=submission.pk)
    assert regraded.executed_html.name.endswith(".ipynb")
    assert not regraded.executed_html.storage.exists(rendered)


def test_a_partial_score_is_not_a_pass_unless_the_manifest_threshold_allows_it():
    assert not services._passed(score=1, max_score=2, manifest={})
    assert services._passed(score=1, max_score=2, manifest={"pass_threshold": 0.5})
    assert services._passed(score=2, max_score=2, manifest={})


def test_a_learner_cannot_queue_more_than_a_few_submissions_at_once(
    learner, lab, settings
):
    settings.LABS_MAX_PENDING_PER_USER = 2
    _create(lab, learner)
    _create(lab, learner)
    with pytest.raises(services.SubmissionRefused, match="đang có 2 bài nộp chờ chấm"):
        _create(lab, learner)
    assert Submission.objects.count() == 2
