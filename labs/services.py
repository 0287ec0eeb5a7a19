"""Writes for labs: bundle versions, submissions, grading, regrades, the sweeper.

The database is the record of what must be graded. Every state change of a
submission is a conditional UPDATE keyed on its `task_id`, so a redelivered, swept
or duplicated Celery message can never store a second result.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import posixpath
import tempfile
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerError

from labs import archives, engine
from labs.models import Lab, LabBundleVersion, RegradeRun, Submission
from labs.signals import lab_graded
from lms.accounts.models import User

logger = logging.getLogger(__name__)

MB = 1024 * 1024
# Submission.executed_html holds the executed notebook under this suffix until it is
# first viewed, then its rendered HTML.
EXECUTED_SUFFIX = ".ipynb"
# Longer than the slowest render (2 MB of HTML output: ~20 s); the lock of a renderer
# that died expires by itself.
NOTEBOOK_RENDER_LOCK_SECONDS = 120


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def max_notebook_bytes() -> int:
    return int(_setting("LABS_MAX_NOTEBOOK_BYTES", 5 * MB))


def max_attempts() -> int:
    """A notebook that kills its worker this many times is left for a human."""
    return int(_setting("LABS_MAX_ATTEMPTS", 4))


class SubmissionRefused(ValueError):
    """Bad input from a learner; the message is Vietnamese and shown as is."""


class SubmissionNotStored(SubmissionRefused):
    """The server could not store the notebook (disk full, storage down): nothing
    was saved, and the same upload can be retried."""


class BundleRefused(ValueError):
    """A bundle that cannot even be recorded (no manifest, bad zip, unknown lab)."""


# --- Bundles ------------------------------------------------------------------------


def _archive_read(version: LabBundleVersion) -> bytes:
    with version.archive.open("rb") as handle:
        return handle.read()


def bundle_folder(*, version: LabBundleVersion) -> Path:
    """The version's extracted folder on this host (from Django storage, cached)."""
    return archives.cached_folder(
        sha256=version.sha256, read=lambda: _archive_read(version)
    )


def _manifest_read(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BundleRefused(
            _("Tệp manifest.json không đọc được: %(e)s") % {"e": exc}
        ) from exc
    if not isinstance(manifest, dict) or not manifest.get("slug"):
        raise BundleRefused(_('Tệp manifest.json phải có trường "slug".'))
    return manifest


def _lab_for_manifest(manifest: dict, lab: Lab | None) -> Lab:
    slug = str(manifest["slug"])
    if lab is not None:
        if lab.slug != slug:
            raise BundleRefused(
                _("Gói này dành cho bài thực hành “%(other)s”, không phải “%(slug)s”.")
                % {"other": slug, "slug": lab.slug}
            )
        return lab
    lab, _created = Lab.objects.get_or_create(
        slug=slug,
        defaults={
            "title": str(manifest.get("title") or slug),
            "summary": str(manifest.get("summary", "")),
        },
    )
    return lab


@dataclass(frozen=True)
class _Prepared:
    folder: Path
    manifest: dict
    archive: bytes
    sha256: str


def _prepare(*, path: Path | None, zip_bytes: bytes | None, workdir: Path) -> _Prepared:
    if (path is None) == (zip_bytes is None):
        raise TypeError("Pass exactly one of path= or zip_bytes=.")
    if zip_bytes is not None:
        if len(zip_bytes) > int(_setting("LABS_MAX_BUNDLE_BYTES", 50 * MB)):
            raise BundleRefused(_("Gói bài thực hành vượt quá 50 MB."))
        try:
            folder = archives.archive_extract(zip_bytes, workdir)
        except archives.BundleArchiveInvalid as exc:
            raise BundleRefused(str(exc)) from exc
    else:
        folder = archives.bundle_root(Path(path))
    manifest = _manifest_read(folder)
    archive = archives.folder_archive(folder)
    return _Prepared(folder, manifest, archive, archives.sha256_hex(archive))


def bundle_import(
    *,
    path: Path | str | None = None,
    zip_bytes: bytes | None = None,
    user: User | None = None,
    lab: Lab | None = None,
    kernels: object | None = None,
) -> LabBundleVersion:
    """Record a bundle folder or zip as a new version of its lab (created from the
    manifest when new). The version is validated by grading the solution (must
    score 100 %) and the starter (must not); a refused version is kept with its
    reason but never becomes current. The same content (SHA-256) is not recorded
    twice: the existing version is returned."""
    with tempfile.TemporaryDirectory(prefix="lab-bundle-") as tmp:
        prepared = _prepare(
            path=Path(path) if path else None, zip_bytes=zip_bytes, workdir=Path(tmp)
        )
        lab = _lab_for_manifest(prepared.manifest, lab)
        existing = lab.versions.filter(sha256=prepared.sha256).first()
        if existing is not None:
            return existing
        report = engine.bundle_check(prepared.folder, kernels=kernels)
    if report.transient:
        # Not the bundle's fault: record nothing, so the same upload can be retried.
        raise BundleRefused(
            _("Chưa kiểm tra được gói lúc này (%(reason)s). Hãy thử lại sau ít phút.")
            % {"reason": report.reason}
        )
    return _version_save(lab=lab, prepared=prepared, report=report, user=user)


@transaction.atomic
def _version_save(
    *, lab: Lab, prepared: _Prepared, report: engine.BundleReport, user: User | None
) -> LabBundleVersion:
    lab = Lab.objects.select_for_update(of=("self",)).get(pk=lab.pk)
    number = (lab.versions.aggregate(n=Max("version"))["n"] or 0) + 1
    version = LabBundleVersion(
        lab=lab,
        version=number,
        manifest=prepared.manifest,
        sha256=prepared.sha256,
        status=LabBundleVersion.Status.VALID
        if report.ok
        else LabBundleVersion.Status.REFUSED,
        report=report.as_dict(),
        created_by=user,
    )
    version.archive.save(
        f"{lab.slug}-v{number}-{prepared.sha256[:12]}.zip",
        ContentFile(prepared.archive),
        save=False,
    )
    version.save()
    if version.is_valid:
        lab.current_version = version
        lab.title = str(prepared.manifest.get("title") or lab.title)
        lab.summary = str(prepared.manifest.get("summary", lab.summary))
        lab.save(update_fields=["current_version", "title", "summary"])
        logger.info("Lab %s: version %s is now current", lab.slug, number)
    else:
        logger.warning(
            "Lab %s: version %s refused: %s", lab.slug, number, report.reason
        )
    return version


def learner_download(*, lab: Lab) -> bytes:
    """The starter notebook and data of the current version, as a zip."""
    if lab.current_version is None:
        raise SubmissionRefused(_("Bài thực hành này chưa có gói hợp lệ."))
    folder = bundle_folder(version=lab.current_version)
    return archives.learner_archive(folder, slug=lab.slug)


# --- Submissions --------------------------------------------------------------------


def _publish(*, submission_id: int, task_id: str) -> bool:
    """Send the grading message. A broker that is down must not lose the submission
    (it is already committed) nor fail the learner's request: log, leave it queued
    without `enqueued_at`, and the sweeper publishes it later."""
    from labs.tasks import grade_submission

    try:
        # retry=False: the learner's request should not hang on a dead broker.
        grade_submission.apply_async(
            args=[submission_id],
            task_id=task_id,
            retry=False,
            # Optional dedicated queue, served by workers that can run sandboxes.
            queue=_setting("LABS_GRADING_QUEUE", None),
        )
    except (BrokerError, ConnectionError, OSError) as exc:
        logger.warning(
            "Broker unavailable, submission %s stays queued: %s", submission_id, exc
        )
        return False
    Submission.objects.filter(pk=submission_id, task_id=task_id).update(
        enqueued_at=timezone.now()
    )
    return True


def _queue(submission: Submission) -> None:
    """Give the submission a fresh task id and publish once the transaction commits.
    Messages carrying an older id become no-ops. After the commit,
    `submission.published` says whether the broker took the message (None before)."""
    submission.published = None
    submission.task_id = str(uuid.uuid4())
    submission.status = Submission.Status.QUEUED
    submission.queued_at = timezone.now()
    submission.enqueued_at = None
    submission_id, task_id = submission.pk, submission.task_id
    Submission.objects.filter(pk=submission_id).update(
        task_id=task_id,
        status=submission.status,
        queued_at=submission.queued_at,
        enqueued_at=None,
        regrade_run=submission.regrade_run,
        bundle_version=submission.bundle_version,
    )

    def publish() -> None:
        submission.published = _publish(submission_id=submission_id, task_id=task_id)

    transaction.on_commit(publish, robust=True)


def _notebook_validate(notebook_bytes: bytes) -> None:
    limit = max_notebook_bytes()
    if len(notebook_bytes) > limit:
        raise SubmissionRefused(
            _(
                "Tệp quá lớn (%(size).1f MB). Giới hạn là %(limit)d MB; hãy xóa bớt kết quả "
                "đầu ra (Kernel → Restart & Clear Output) rồi nộp lại."
            )
            % {"size": len(notebook_bytes) / MB, "limit": limit // MB}
        )
    try:
        engine.notebook_parse(notebook_bytes)
    except engine.NotebookInvalid as exc:
        raise SubmissionRefused(str(exc)) from exc


def _pending_limit(user: User) -> None:
    """A learner cannot flood the queue: a few submissions waiting at a time."""
    limit = int(_setting("LABS_MAX_PENDING_PER_USER", 3))
    pending = Submission.objects.filter(
        user=user, status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING]
    ).count()
    if pending >= limit:
        raise SubmissionRefused(
            _("Bạn đang có %(n)d bài nộp chờ chấm. Hãy đợi có kết quả rồi nộp tiếp.")
            % {"n": pending}
        )


@transaction.atomic
def submission_create(
    *,
    user: User,
    lab: Lab,
    notebook_bytes: bytes,
    source: str = Submission.Source.UPLOAD,
) -> Submission:
    """Validate and save a learner's notebook, then queue it for grading on commit.
    Raises SubmissionRefused (Vietnamese message) and saves nothing on bad input."""
    version = (
        Lab.objects.select_related("current_version").get(pk=lab.pk).current_version
    )
    if version is None or not version.is_valid:
        raise SubmissionRefused(_("Bài thực hành này chưa sẵn sàng để nộp bài."))
    if source not in Submission.Source.values:
        raise ValueError(f"Unknown submission source {source!r}")
    _notebook_validate(notebook_bytes)
    _pending_limit(user)
    sha256 = archives.sha256_hex(notebook_bytes)
    submission = Submission(
        user=user, lab=lab, bundle_version=version, sha256=sha256, source=source
    )
    _notebook_store(submission, notebook_bytes)
    try:
        submission.save()
    except BaseException:
        # No notebook file without its row: the learner will submit it again.
        submission.notebook.delete(save=False)
        raise
    _queue(submission)
    return submission


def _notebook_store(submission: Submission, notebook_bytes: bytes) -> None:
    """Save the notebook file, or remove whatever part of it was written and raise
    SubmissionNotStored: a full disk must not leave a truncated notebook behind."""
    field = submission.notebook
    wanted = f"{submission.lab.slug}/{uuid.uuid4().hex}.ipynb"
    name = field.field.generate_filename(submission, wanted)
    try:
        field.save(wanted, ContentFile(notebook_bytes), save=False)
    except OSError as exc:
        logger.error(
            "Could not store a notebook of %d bytes (%s): %s",
            len(notebook_bytes),
            errno.errorcode.get(exc.errno or 0, "?"),
            exc,
        )
        try:
            if field.storage.exists(name):
                field.storage.delete(name)
        except OSError:
            logger.exception("Could not remove the partial notebook %s", name)
        raise SubmissionNotStored(
            _(
                "Máy chủ tạm thời không lưu được tệp bài nộp. Bài của bạn chưa được "
                "nộp; hãy thử lại sau ít phút."
            )
        ) from exc


def _claim(submission_id: int, task_id: str | None) -> Submission | None:
    """Mark the submission running for this message, or return None when the message
    is stale (another id), the work is done, or it has failed too often."""
    with transaction.atomic():
        submission = (
            Submission.objects.select_for_update(of=("self",))
            .select_related("lab", "bundle_version", "user")
            .filter(pk=submission_id)
            .first()
        )
        if submission is None:
            return None
        task_id = task_id or submission.task_id
        active = {Submission.Status.QUEUED, Submission.Status.RUNNING}
        if submission.task_id != task_id or submission.status not in active:
            logger.info(
                "Submission %s: skip stale/finished message %s", submission_id, task_id
            )
            return None
        if submission.attempts >= max_attempts():
            submission.status = Submission.Status.REVIEW
            submission.error = _("Bài nộp đã làm hỏng tiến trình chấm %(n)d lần.") % {
                "n": submission.attempts
            }
            submission.save(update_fields=["status", "error"])
            return None
        submission.status = Submission.Status.RUNNING
        submission.attempts = F("attempts") + 1
        submission.started_at = timezone.now()
        submission.save(update_fields=["status", "attempts", "started_at"])
        submission.refresh_from_db(fields=["attempts"])
        return submission


def _passed(*, score: float, max_score: float, manifest: dict) -> bool:
    """Full marks, or the manifest's `pass_threshold` (a fraction of the maximum)."""
    threshold = manifest.get("pass_threshold")
    if threshold is None or max_score <= 0:
        return max_score > 0 and score >= max_score
    return score >= float(threshold) * max_score


def _finish(submission: Submission, *, task_id: str, values: dict) -> bool:
    """Store the outcome if this message still owns the submission."""
    owned = Submission.objects.filter(
        pk=submission.pk, task_id=task_id, status=Submission.Status.RUNNING
    )
    return bool(owned.update(graded_at=timezone.now(), **values))


def _executed_attach(submission: Submission, *, task_id: str, notebook: bytes) -> None:
    """Attach the executed notebook (.ipynb) to the graded submission. Its HTML is
    rendered when someone first opens it (`submission_notebook_html`): nbconvert
    costs about as much CPU as the grading itself, and only the notebooks someone
    opens need it (a regrade of a whole lab renders none). Done after the grade is
    stored, so the feedback never waits for it."""
    storage = submission.executed_html.storage
    # Named after the task, so a redelivery of a run killed between saving the file
    # and recording it overwrites that orphan instead of leaving a second copy.
    run = hashlib.sha256(task_id.encode()).hexdigest()[:8]
    wanted = submission.executed_html.field.generate_filename(
        submission, f"{submission.lab.slug}/{submission.pk}-{run}{EXECUTED_SUFFIX}"
    )
    if storage.exists(wanted):
        storage.delete(wanted)
    name = storage.save(wanted, ContentFile(notebook))
    owned = Submission.objects.filter(
        pk=submission.pk, task_id=task_id, status=Submission.Status.GRADED
    )
    if not owned.update(executed_html=name):
        storage.delete(name)
    else:
        _executed_orphans_delete(submission, keep=name)


def _executed_orphans_delete(submission: Submission, *, keep: str) -> None:
    """Remove this submission's other executed notebooks and renderings: the
    previous grading's, and any a killed run saved but never recorded."""
    storage = submission.executed_html.storage
    folder = posixpath.dirname(keep)
    try:
        _dirs, files = storage.listdir(folder)
    except OSError:
        return
    prefix = f"{submission.pk}-"
    for filename in files:
        path = posixpath.join(folder, filename)
        mine = filename.startswith(prefix) and filename.endswith((".html", ".ipynb"))
        if mine and path != keep:
            storage.delete(path)


class NotebookRenderBusy(Exception):
    """Another request is rendering this submission's notebook right now."""


def submission_notebook_html(*, submission: Submission) -> bytes | None:
    """The executed notebook as a static HTML page, or None when there is none to
    show. `executed_html` holds the HTML, or, for a grading not viewed yet, the
    executed notebook: the first view renders it once and stores the HTML in its
    place (the notebook file goes). Raises NotebookRenderBusy while another request
    renders it: a notebook full of HTML output can take seconds, and must not be
    rendered by every concurrent request."""
    field = submission.executed_html
    if not field:
        return None
    if not field.name.endswith(EXECUTED_SUFFIX):
        with field.open("rb") as handle:  # rendered, or graded before lazy rendering
            return handle.read()
    lock = notebook_render_lock_key(submission)
    if not cache.add(lock, 1, timeout=NOTEBOOK_RENDER_LOCK_SECONDS):
        raise NotebookRenderBusy
    try:
        return _notebook_render(submission)
    finally:
        cache.delete(lock)


def notebook_render_lock_key(submission: Submission) -> str:
    """The cache key held while `submission`'s stored notebook is being rendered."""
    return f"labs:notebook-render:{submission.pk}:{submission.executed_html.name}"


def _notebook_render(submission: Submission) -> bytes | None:
    field = submission.executed_html
    source = field.name
    try:
        with field.open("rb") as handle:
            html = engine.notebook_html(handle.read()).encode("utf-8")
    except Exception:  # noqa: BLE001 - the notebook view is a display aid; the grade stands
        logger.exception("Submission %s: could not render the notebook", submission.pk)
        return None
    name = field.storage.save(
        source.removesuffix(EXECUTED_SUFFIX) + ".html", ContentFile(html)
    )
    current = Submission.objects.filter(pk=submission.pk, executed_html=source)
    if current.update(executed_html=name):
        field.storage.delete(source)
        field.name = name
    else:
        field.storage.delete(name)  # regraded meanwhile: that notebook replaced it
    return html


def submission_grade(
    *, submission_id: int, task_id: str | None = None, kernels: object | None = None
) -> Submission | None:
    """Grade one submission against its bundle version; idempotent. Transient
    failures (database, storage, kernels that would not start) propagate so the
    task retries; the learner's own errors are a graded result, never an exception."""
    submission = _claim(submission_id, task_id)
    if submission is None:
        return None
    task_id = submission.task_id
    folder = bundle_folder(version=submission.bundle_version)
    with submission.notebook.open("rb") as handle:
        notebook_bytes = handle.read()
    try:
        outcome = engine.grade(notebook_bytes, folder, kernels=kernels)
    except engine.NotebookInvalid as exc:
        values = {"status": Submission.Status.ERROR, "error": str(exc)}
        _finish(submission, task_id=task_id, values=values)
        return Submission.objects.get(pk=submission.pk)
    values = {
        "status": Submission.Status.GRADED,
        "score": outcome.score,
        "max_score": outcome.max_score,
        "result": outcome.data,
        "error": "",
        # The previous grading's notebook must not sit beside the new feedback.
        "executed_html": "",
    }
    if not _finish(submission, task_id=task_id, values=values):
        return None
    graded = Submission.objects.select_related("lab", "user", "bundle_version").get(
        pk=submission.pk
    )
    lab_graded.send(
        sender=Submission,
        user=graded.user,
        lab=graded.lab,
        submission=graded,
        passed=_passed(
            score=outcome.score,
            max_score=outcome.max_score,
            manifest=graded.bundle_version.manifest,
        ),
    )
    _executed_attach(submission, task_id=task_id, notebook=outcome.executed_notebook)
    return graded


def submission_mark_review(*, submission_id: int, task_id: str, reason: str) -> bool:
    """After the last retry: leave the submission for an instructor, with why."""
    return bool(
        Submission.objects.filter(
            pk=submission_id,
            task_id=task_id,
            status__in=[Submission.Status.QUEUED, Submission.Status.RUNNING],
        ).update(status=Submission.Status.REVIEW, error=reason[:2000])
    )


@transaction.atomic
def submission_regrade(*, submission: Submission) -> Submission:
    """Grade one submission again against its lab's current version."""
    lab = Lab.objects.select_related("current_version").get(pk=submission.lab_id)
    if lab.current_version is None:
        raise SubmissionRefused(_("Bài thực hành này chưa có gói hợp lệ."))
    if not submission.notebook:
        raise SubmissionRefused(
            _("Tệp bài nộp đã được xóa khi hết thời hạn lưu trữ; điểm được giữ nguyên.")
        )
    submission.bundle_version = lab.current_version
    submission.attempts = 0
    Submission.objects.filter(pk=submission.pk).update(attempts=0)
    _queue(submission)
    return submission


@transaction.atomic
def submissions_regrade(*, lab: Lab, user: User | None = None) -> RegradeRun:
    """Regrade every submission of a lab against its current version (after its
    checks were fixed). Progress: `selectors.regrade_progress(run=...)`."""
    lab = (
        Lab.objects.select_for_update(of=("self",))
        .select_related("current_version")
        .get(pk=lab.pk)
    )
    if lab.current_version is None:
        raise SubmissionRefused(_("Bài thực hành này chưa có gói hợp lệ."))
    # Notebooks past LAB_FILE_RETENTION_DAYS are gone; their scores stand.
    kept = Submission.objects.filter(lab=lab).exclude(notebook="")
    submissions = list(kept.only("pk"))
    run = RegradeRun.objects.create(
        lab=lab,
        bundle_version=lab.current_version,
        total=len(submissions),
        created_by=user,
    )
    for submission in submissions:
        submission.bundle_version = lab.current_version
        submission.regrade_run = run
        _queue(submission)
    kept.update(attempts=0)
    return run


def submissions_sweep(
    *,
    unpublished_after: timedelta | None = None,
    queued_after: timedelta | None = None,
    running_after: timedelta | None = None,
) -> int:
    """Re-queue submissions the queue lost: never published (broker was down),
    published long ago but never picked up, or running far beyond the task's hard
    time limit (the worker died). Returns how many were re-queued."""
    now = timezone.now()
    if unpublished_after is None:
        unpublished_after = timedelta(
            seconds=_setting("LABS_SWEEP_UNPUBLISHED_AFTER", 10)
        )
    if queued_after is None:
        queued_after = timedelta(seconds=_setting("LABS_SWEEP_QUEUED_AFTER", 1800))
    if running_after is None:
        running_after = timedelta(seconds=_setting("LABS_SWEEP_RUNNING_AFTER", 900))
    stale = Q(
        status=Submission.Status.QUEUED,
        enqueued_at__isnull=True,
        queued_at__lte=now - unpublished_after,
    )
    stale |= Q(status=Submission.Status.QUEUED, enqueued_at__lte=now - queued_after)
    stale |= Q(status=Submission.Status.RUNNING, started_at__lte=now - running_after)
    count = 0
    for submission_id in Submission.objects.filter(stale).values_list("pk", flat=True):
        count += _sweep_one(submission_id, stale)
    return count


@transaction.atomic
def _sweep_one(submission_id: int, stale: Q) -> int:
    submission = (
        Submission.objects.select_for_update(of=("self",))
        .filter(stale, pk=submission_id)
        .first()
    )
    if submission is None:
        return 0
    if submission.attempts >= max_attempts():
        submission.status = Submission.Status.REVIEW
        submission.error = _("Bài nộp đã làm hỏng tiến trình chấm %(n)d lần.") % {
            "n": submission.attempts
        }
        submission.save(update_fields=["status", "error"])
        return 0
    logger.info(
        "Sweeper: re-queue submission %s (%s)", submission_id, submission.status
    )
    _queue(submission)
    return 1


def sweeper_schedule_ensure() -> None:
    """The periodic task (django_celery_beat) that runs the sweeper every minute."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    every, _created = IntervalSchedule.objects.get_or_create(
        every=int(_setting("LABS_SWEEP_EVERY_SECONDS", 60)),
        period=IntervalSchedule.SECONDS,
    )
    PeriodicTask.objects.update_or_create(
        name="labs: re-queue lost submissions",
        defaults={
            "task": "labs.tasks.submissions_sweep",
            "interval": every,
            "enabled": True,
        },
    )
