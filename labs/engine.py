"""The only place the Django side touches the pure grading engine (labs.grading,
labs.bundle, labs.kernels). It turns the engine's objects into plain values the
services store, so an engine change is absorbed here."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat

from labs import grading
from labs.bundle import BundleInvalid, load_bundle
from labs.kernels import ForkServerKernels, FreshKernels, KernelSource, KernelStartError

logger = logging.getLogger(__name__)

NotebookInvalid = grading.NotebookInvalid


class GradingFailed(RuntimeError):
    """The engine could not grade (our side failed, not the learner): retry."""


# Failures of the machine, not of the learner: the task retries them.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    GradingFailed,
    KernelStartError,
    OSError,
)


@dataclass(frozen=True)
class Outcome:
    status: str
    score: float
    max_score: float
    data: dict[str, Any]
    # The executed notebook (.ipynb, outputs capped); notebook_html() renders it.
    executed_notebook: bytes


@dataclass(frozen=True)
class BundleReport:
    ok: bool
    reason: str = ""
    solution: dict[str, Any] = field(default_factory=dict)
    starter: dict[str, Any] = field(default_factory=dict)
    # The engine failed on our side (not the bundle's fault): try again later.
    transient: bool = False

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def notebook_parse(data: bytes) -> Any:
    """A v4 notebook (v3 is upgraded) or NotebookInvalid with a Vietnamese message."""
    return grading.load_notebook(data)


def _summary(result: grading.GradeResult | None) -> dict[str, Any]:
    if result is None:
        return {}
    return {
        "status": result.status,
        "score": result.score,
        "max_score": result.max_score,
        "failed": [c.name for c in result.checks if not c.passed],
    }


def grade(
    notebook_bytes: bytes, folder: Path, *, kernels: KernelSource | None = None
) -> Outcome:
    """Grade with the engine. Raises NotebookInvalid for a non-notebook and
    GradingFailed when the engine itself failed (a retry may succeed)."""
    result = grading.grade_notebook(notebook_bytes, folder, kernels=kernels)
    if result.status != "graded":
        raise GradingFailed(result.error or "grading failed")
    return Outcome(
        status=result.status,
        score=float(result.score),
        max_score=float(result.max_score),
        data=result.to_dict(),
        executed_notebook=result.notebook_bytes(),
    )


def bundle_check(folder: Path, *, kernels: KernelSource | None = None) -> BundleReport:
    """Load and validate a bundle folder; never raises for a broken bundle. Without
    `kernels`, fresh kernels are used and cleaned up (no fork server is left behind
    in a web process)."""
    if kernels is None:
        with FreshKernels() as fresh:
            return bundle_check(folder, kernels=fresh)
    try:
        report = grading.validate_bundle(load_bundle(folder), kernels=kernels)
    except BundleInvalid as exc:
        return BundleReport(ok=False, reason=str(exc))
    except NotebookInvalid as exc:
        return BundleReport(ok=False, reason=str(exc))
    except (KernelStartError, OSError) as exc:
        logger.warning("Bundle %s could not be validated: %s", folder, exc)
        return BundleReport(ok=False, reason=str(exc), transient=True)
    graded = [r for r in (report.solution, report.starter) if r is not None]
    return BundleReport(
        ok=report.ok,
        reason=report.reason,
        solution=_summary(report.solution),
        starter=_summary(report.starter),
        transient=any(r.status != "graded" for r in graded),
    )


def kernels_create() -> KernelSource:
    """A warm kernel source for a long-lived process (one per worker process)."""
    kernels = ForkServerKernels()
    kernels.start()
    return kernels


def notebook_html(executed_notebook: bytes) -> str:
    """The stored executed notebook as a static HTML page: the learner's HTML
    sanitised, no script, nothing loaded from elsewhere (labs.grading.notebook_html)."""
    notebook = nbformat.reads(executed_notebook.decode("utf-8"), as_version=4)
    return grading.notebook_html(notebook)
