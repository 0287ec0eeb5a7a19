"""Benchmark the grading engine against plain nbclient and nbconvert.

    .venv/bin/python bench/grading.py                      # tiny bundle, 100 notebooks
    .venv/bin/python bench/grading.py --quick              # 20 notebooks, small samples
    .venv/bin/python bench/grading.py --bundle labs/bundles/l1-officer-names

Generates N mixed notebooks from the bundle's solution and starter (correct, starter,
one solution cell dropped), then times:

- (a0) plain nbclient, fresh kernel per notebook, sequential: execution only, no
  sandbox, no checks (the peers' way; the most favourable baseline);
- (a)  our engine with FreshKernels (fresh kernel per notebook + sandbox + checks),
       sequential;
- (b)  ``jupyter nbconvert --to notebook --execute`` per notebook: a sample, then
       extrapolated (marked as such);
- (c)  our engine with ForkServerKernels and 2 parallel workers;
- (c1) ForkServerKernels one at a time, for single-notebook latency.

Scores of (a) and (c) must be identical per notebook and per check (exit 1 if not).
Timings only ever live here, never in tests.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labs.bundle import Bundle, load_bundle  # noqa: E402
from labs.grading import GradeResult, grade_many, grade_notebook  # noqa: E402
from labs.kernels import ForkServerKernels, FreshKernels  # noqa: E402

DEFAULT_BUNDLE = ROOT / "tests" / "fixtures" / "labs" / "tiny"
# Killing a fresh kernel kills its launcher too, so nobody of ours reaps the kernel
# process and its CPU is never charged to us: that CPU figure is a lower bound.
UNDERCOUNT = "CPU is a lower bound (killed kernels are not reaped by us)"


def main() -> int:
    args = _arguments()
    bundle = load_bundle(args.bundle)
    count = 20 if args.quick else args.count
    notebooks = make_variants(bundle, count, seed=args.seed)
    print(
        f"Bundle `{bundle.slug}`: {count} notebooks, {os.cpu_count()} CPUs, {_load()}"
    )
    rows: list[Row] = []
    fresh_count = min(count, args.fresh_sample or count)
    sample = 3 if args.quick else args.nbconvert_sample

    with cpu_meter() as cpu:
        c_seconds, forked, zygote_start = run_forkserver(
            notebooks, bundle, args.workers
        )
    rows.append(
        Row(f"(c) engine, fork server, {args.workers} workers", count, c_seconds, cpu())
    )
    latencies = run_latency(notebooks[: 10 if args.quick else 30], bundle)
    with cpu_meter() as cpu:
        a_seconds, fresh = run_fresh(notebooks[:fresh_count], bundle)
    rows.append(
        Row(
            "(a) engine, fresh kernel each, sequential",
            fresh_count,
            a_seconds,
            cpu(),
            note=UNDERCOUNT,
        )
    )
    with cpu_meter() as cpu:
        a0_seconds = run_plain_nbclient(notebooks[:fresh_count], bundle)
    rows.append(
        Row(
            "(a0) plain nbclient, fresh kernel, sequential",
            fresh_count,
            a0_seconds,
            cpu(),
        )
    )
    with cpu_meter() as cpu:
        b_seconds = run_nbconvert(notebooks[:sample], bundle)
    rows.append(
        Row("(b) jupyter nbconvert --execute", sample, b_seconds, cpu(), sampled=True)
    )

    print_table(rows, baseline=rows[2], engine=rows[1])
    print(
        f"\nFork server start (once per worker process): {zygote_start:.2f} s. "
        f"Single-notebook latency, fork server, idle queue: p50 "
        f"{statistics.median(latencies):.3f} s, p95 {_p95(latencies):.3f} s, "
        f"max {max(latencies):.3f} s. {_load()}"
    )
    return compare_scores(fresh, forked[:fresh_count])


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nbconvert-sample", type=int, default=10)
    parser.add_argument(
        "--fresh-sample",
        type=int,
        default=0,
        help="time (a)/(a0) on the first N notebooks only (0 = all)",
    )
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--quick", action="store_true", help="20 notebooks, small samples"
    )
    return parser.parse_args()


# --------------------------------------------------------------------------- inputs


def make_variants(
    bundle: Bundle, count: int, *, seed: int
) -> list[nbformat.NotebookNode]:
    """Half correct, a fifth starters, the rest a solution missing one code cell."""
    rng = random.Random(seed)
    solution = nbformat.read(bundle.solution_path, as_version=4)
    starter = nbformat.read(bundle.starter_path, as_version=4)
    notebooks = []
    for index in range(count):
        roll = rng.random()
        if roll < 0.5:
            notebook = nbformat.from_dict(solution)
        elif roll < 0.7:
            notebook = nbformat.from_dict(starter)
        else:
            notebook = _drop_one_cell(solution, rng)
        notebook.metadata["bench_index"] = index
        notebooks.append(notebook)
    return notebooks


def _drop_one_cell(
    solution: nbformat.NotebookNode, rng: random.Random
) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(solution)
    code = [i for i, cell in enumerate(notebook.cells) if cell.cell_type == "code"]
    if len(code) > 1:
        del notebook.cells[rng.choice(code[1:])]
    return notebook


def _workdir(bundle: Bundle) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    for rel, source in bundle.data_files():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / rel)
    return folder


# --------------------------------------------------------------------------- runs


def run_forkserver(
    notebooks: list[nbformat.NotebookNode], bundle: Bundle, workers: int
) -> tuple[float, list[GradeResult], float]:
    with ForkServerKernels() as kernels:
        started = time.perf_counter()
        kernels.start()
        zygote_start = time.perf_counter() - started
        results, seconds = _timed(
            lambda: grade_many(notebooks, bundle, kernels=kernels, workers=workers)
        )
    return seconds, results, zygote_start


def run_latency(notebooks: list[nbformat.NotebookNode], bundle: Bundle) -> list[float]:
    latencies = []
    with ForkServerKernels() as kernels:
        kernels.start()
        for notebook in notebooks:
            _, seconds = _timed(
                lambda nb=notebook: grade_notebook(nb, bundle, kernels=kernels)
            )
            latencies.append(seconds)
    return latencies


def run_fresh(
    notebooks: list[nbformat.NotebookNode], bundle: Bundle
) -> tuple[float, list[GradeResult]]:
    with FreshKernels() as kernels:
        results, seconds = _timed(
            lambda: [grade_notebook(nb, bundle, kernels=kernels) for nb in notebooks]
        )
    return seconds, results


def run_plain_nbclient(notebooks: list[nbformat.NotebookNode], bundle: Bundle) -> float:
    """Execution only: the peers' baseline, no sandbox and no checks."""
    folder = _workdir(bundle)
    try:
        started = time.perf_counter()
        for notebook in notebooks:
            # The fastest fresh-kernel setup measured in stack-notes §5 (IPC transport,
            # immediate shutdown: 1.53 s vs 1.79 s per notebook), so ratios are fair.
            client = NotebookClient(
                nbformat.from_dict(notebook),
                timeout=bundle.limits.cell_timeout,
                kernel_name="python3",
                allow_errors=True,
                shutdown_kernel="immediate",
                kernel_manager_class=_ipc_manager(folder),
                resources={"metadata": {"path": str(folder)}},
            )
            client.execute()
        return time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _ipc_manager(folder: Path) -> type[AsyncKernelManager]:
    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            # Absolute socket path: the kernel's cwd is not ours.
            ip = str(folder / f"kernel-{uuid.uuid4().hex[:8]}")
            super().__init__(transport="ipc", ip=ip, **kwargs)

    return IPCKernelManager


def run_nbconvert(notebooks: list[nbformat.NotebookNode], bundle: Bundle) -> float:
    folder = _workdir(bundle)
    jupyter = Path(sys.executable).with_name("jupyter")
    try:
        started = time.perf_counter()
        for index, notebook in enumerate(notebooks):
            path = folder / f"nb{index}.ipynb"
            nbformat.write(notebook, path)
            subprocess.run(
                [
                    str(jupyter),
                    "nbconvert",
                    "--to",
                    "notebook",
                    "--execute",
                    "--allow-errors",
                    "--output",
                    f"out{index}.ipynb",
                    str(path),
                ],
                cwd=folder,
                check=True,
                capture_output=True,
            )
        return time.perf_counter() - started
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _timed(call: Callable[[], object]) -> tuple[object, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    name: str
    count: int
    seconds: float
    cpu: float  # CPU seconds of this process and every process it started
    sampled: bool = False
    note: str = ""

    @property
    def per(self) -> float:
        return self.seconds / self.count


@contextmanager
def cpu_meter() -> Iterator[Callable[[], float]]:
    """CPU of us + all children (the fork server's kernels count once it exits)."""

    def now() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        kids = resource.getrusage(resource.RUSAGE_CHILDREN)
        return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime

    start = now()
    end: list[float] = []
    yield lambda: end[0] - start
    end.append(now())


def print_table(rows: list[Row], *, baseline: Row, engine: Row) -> None:
    print()
    print(
        "| run | notebooks timed | wall (s) | wall s / notebook | notebooks / s "
        "| × vs (a0) | × vs (a) | CPU s / notebook | CPU × vs (a0) | note |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        cpu = row.cpu / row.count
        note = f"sample of {row.count}, extrapolated" if row.sampled else row.note
        print(
            f"| {row.name} | {row.count} | {row.seconds:.1f} | {row.per:.3f} | "
            f"{1 / row.per:.2f} | {baseline.per / row.per:.1f} | "
            f"{engine.per / row.per:.1f} | {cpu:.3f} | "
            f"{baseline.cpu / baseline.count / cpu:.1f} | {note} |"
        )


def compare_scores(fresh: list[GradeResult], forked: list[GradeResult]) -> int:
    def key(result: GradeResult) -> tuple:
        return (
            result.status,
            result.score,
            tuple((c.name, c.passed) for c in result.checks),
        )

    mismatches = [
        i
        for i, (a, c) in enumerate(zip(fresh, forked, strict=True))
        if key(a) != key(c)
    ]
    scores = sorted({r.score for r in fresh})
    print(
        f"\nScores (a) vs (c): {len(fresh)} compared, {len(mismatches)} mismatches; scores seen {scores}."
    )
    return 1 if mismatches else 0


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min)"


if __name__ == "__main__":
    raise SystemExit(main())
