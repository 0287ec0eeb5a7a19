"""Celery tasks for labs: thin, idempotent, keyed by ids; the work is in services.

Each worker process keeps one warm kernel source (the engine's fork server, which
has already imported ipykernel and pandas); every submission still gets its own
fresh sandboxed kernel from it. A fork server must not cross a fork, so each pool
process builds its own after `worker_process_init`.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from celery import Task, shared_task
from celery.signals import worker_process_init, worker_process_shutdown
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils.translation import gettext as _

from labs import engine, services

logger = logging.getLogger(__name__)

_kernels: Any = None
_kernels_lock = threading.Lock()


def worker_kernels() -> Any:
    """This process's kernel source, created on first use."""
    global _kernels
    with _kernels_lock:
        if _kernels is None:
            _kernels = engine.kernels_create()
        return _kernels


def _kernels_close() -> None:
    global _kernels
    with _kernels_lock:
        kernels, _kernels = _kernels, None
    close = getattr(kernels, "close", None)
    if close is not None:
        close()


@worker_process_init.connect
def _warm_after_fork(**_kwargs: Any) -> None:
    # Whatever the parent held belongs to the parent: forget it, then warm a new
    # source in the background (process init must return within seconds).
    global _kernels
    _kernels = None
    threading.Thread(
        target=_warm_quietly, name="labs-kernels-warm", daemon=True
    ).start()


def _warm_quietly() -> None:
    try:
        worker_kernels()
    except Exception:  # noqa: BLE001 - the first task will retry and report it
        logger.exception("Could not warm the grading kernels")


@worker_process_shutdown.connect
def _close_on_shutdown(**_kwargs: Any) -> None:
    _kernels_close()


TRANSIENT = (OperationalError, InterfaceError, *engine.TRANSIENT_ERRORS)


class GradeTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo) -> None:  # noqa: ANN001
        # Retries exhausted, or an unexpected failure: a human looks at it.
        submission_id = args[0] if args else kwargs.get("submission_id")
        reason = _("Không chấm được sau nhiều lần thử: %(error)s") % {"error": exc}
        services.submission_mark_review(
            submission_id=submission_id, task_id=task_id, reason=reason
        )


@shared_task(
    bind=True,
    base=GradeTask,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=getattr(settings, "LABS_GRADE_SOFT_TIME_LIMIT", 300),
    time_limit=getattr(settings, "LABS_GRADE_TIME_LIMIT", 360),
    autoretry_for=TRANSIENT,
    max_retries=3,
    retry_backoff=2,
    retry_backoff_max=60,
    ignore_result=True,
)
def grade_submission(self: Task, submission_id: int) -> None:
    services.submission_grade(
        submission_id=submission_id, task_id=self.request.id, kernels=worker_kernels()
    )


@shared_task(ignore_result=True)
def submissions_sweep() -> int:
    return services.submissions_sweep()
