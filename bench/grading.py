"""Benchmark the grading engine against nbgrader's way and nbconvert, on labs L1–L4.

    .venv/bin/python bench/grading.py                  # 100 notebooks, about 6 min
    .venv/bin/python bench/grading.py --quick          # 20 notebooks, small samples
    REDIS_URL=redis://127.0.0.1:6379/13 .venv/bin/python bench/grading.py

Builds `--count` notebooks from labs L1–L4, a quarter each, shuffled: the solution
(full marks), the starter (few or none) and the solution with one cleaning step
removed (`MUTATIONS`: partial marks). Then, in the same run:

- (ours) the engine as a worker runs it: kernels forked from a warm fork server,
  sandboxed, checks in their own sandboxed process, `--workers` notebooks at a time;
- (a) nbgrader's way: plain nbclient, a fresh kernel per notebook, sequential, no
  sandbox. The same exporter cell writes the results and the same checks.py scores
  them, in this process (nbgrader's autograde runs its tests in the kernel);
- (b) ``jupyter nbconvert --to notebook --execute`` per notebook (with the exporter
  cell, scored the same way): a sample spread over the labs, extrapolated;
- submit → result through Celery: a throw-away database with the four labs, a real
  prefork worker (bench/labs_submit.py's), one notebook at a time, end to end.

Scores of (ours) and (a) must be identical per notebook and per check (exit 1 if not).
Timings only ever live here, never in tests.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labs import checkrunner  # noqa: E402
from labs.bundle import Bundle, load_bundle  # noqa: E402
from labs.grading import GradeResult, grade_notebook_async  # noqa: E402
from labs.kernels import ForkServerKernels  # noqa: E402

LABS = (
    "l1-officer-names",
    "l2-citizen-ids",
    "l3-phone-numbers",
    "l4-birth-dates-dedup",
)
# One cleaning step taken out of each solution: (text of the solution, replacement).
MUTATIONS = {
    "l1-officer-names": [
        ('s.str.normalize("NFC")   # 1)', "s   # 1)"),  # title() on NFD: "NguyễN"
        ("return khoa_so_khop(s).map(GIOI_TINH)", "return s.map(GIOI_TINH)"),
        (
            '    pd.DataFrame({"khoa": khoa_so_khop(aliases["alias"]), '
            '"code": aliases["code"]}),\n',
            "",
        ),
    ],
    "l2-citizen-ids": [
        (".str.zfill(12)", ""),
        (
            'chu_so = df["id_raw"].str.replace(r"[\\s.\\-]", "", regex=True)',
            'chu_so = df["id_raw"]',
        ),
        ("chu_so.where(hop_le & do_dai.ge(10))", "chu_so.where(do_dai.ge(10))"),
    ],
    "l3-phone-numbers": [
        ("so = so.where(~co_84, so.str[2:])", ""),
        ('so = so.where(~thieu_0, "0" + so)', ""),
        ("so = so.where(~la_so_cu, dau_so.map(DOI_DAU_SO) + so.str[4:])", ""),
    ],
    "l4-birth-dates-dedup": [
        (".fillna(excel)", ""),
        ('.str.normalize("NFC")   # NFC trước title()', ""),
        ('format="%d/%m/%Y"', 'format="%m/%d/%Y"'),
    ],
}
# Per lab: 40 % solutions, 20 % starters, 40 % solutions missing one step.
KINDS = ("solution",) * 2 + ("starter",) + ("partial",) * 2


@dataclass
class Entry:
    index: int
    bundle: Bundle
    kind: str
    notebook: nbformat.NotebookNode


@dataclass
class Score:
    status: str
    score: float
    passed: tuple[tuple[str, bool], ...]


def main() -> int:
    args = _arguments()
    count = 20 if args.quick else args.count
    sample = min(8, args.nbconvert_sample) if args.quick else args.nbconvert_sample
    bundles = [load_bundle(ROOT / "labs" / "bundles" / slug) for slug in LABS]
    entries = make_entries(bundles, count, seed=args.seed)
    print(
        f"{count} notebooks from {', '.join(b.slug for b in bundles)} "
        f"({_kinds(entries)}); {os.cpu_count()} CPUs; {_load()}"
    )
    rows: list[Row] = []
    ours: dict[int, list[Score]] = {}
    for workers in args.workers:
        with cpu_meter() as cpu:
            seconds, ours[workers], zygote_start = run_ours(entries, workers)
        name = f"(ours) fork server, {workers} at a time"
        rows.append(Row(name, count, seconds, cpu()))
    with cpu_meter() as cpu:
        seconds, plain = run_plain_nbclient(entries)
    a = Row("(a) nbclient, fresh kernel each, sequential", count, seconds, cpu())
    subset = spread(entries, sample)
    with cpu_meter() as cpu:
        seconds, converted = run_nbconvert(subset)
    b = Row("(b) jupyter nbconvert --execute each", len(subset), seconds, cpu(), True)
    best = min(rows, key=lambda row: row.per)
    print_table([*rows, a, b], ours=best, a=a, b=b, count=count)
    print(f"\nFork server start (once per worker process): {zygote_start:.2f} s.")
    status = 0
    for workers, scores in ours.items():
        pairs = [(entry, scores[entry.index], plain[entry.index]) for entry in entries]
        status |= compare(f"(ours, {workers} at a time)", pairs)
    print(_scores_seen(entries, plain))
    compare(
        "(b)",
        [(entry, converted[n], plain[entry.index]) for n, entry in enumerate(subset)],
    )
    if not args.no_celery:
        celery_latency(entries[: 10 if args.quick else args.celery_count])
    print(_load())
    return status


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument(
        "--workers",
        type=lambda text: [int(n) for n in text.split(",")],
        default=[2, 3],
        help="notebooks graded at a time (ours), one run each: 2,3",
    )
    parser.add_argument("--nbconvert-sample", type=int, default=20)
    parser.add_argument("--celery-count", type=int, default=20)
    parser.add_argument("--no-celery", action="store_true")
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument(
        "--quick", action="store_true", help="20 notebooks, small samples"
    )
    return parser.parse_args()


# --------------------------------------------------------------------------- inputs


def make_entries(bundles: list[Bundle], count: int, *, seed: int) -> list[Entry]:
    """`count` notebooks, a quarter per lab, kinds in KINDS proportions, shuffled."""
    rng = random.Random(seed)
    made: list[tuple[Bundle, str, nbformat.NotebookNode]] = []
    for number, bundle in enumerate(bundles):
        share = count // len(bundles) + (number < count % len(bundles))
        for i in range(share):
            kind = KINDS[i % len(KINDS)]
            made.append((bundle, kind, _variant(bundle, kind, i)))
    rng.shuffle(made)
    return [Entry(i, *item) for i, item in enumerate(made)]


def _variant(bundle: Bundle, kind: str, number: int) -> nbformat.NotebookNode:
    if kind == "starter":
        return nbformat.read(bundle.starter_path, as_version=4)
    notebook = nbformat.read(bundle.solution_path, as_version=4)
    if kind == "partial":
        mutations = MUTATIONS[bundle.slug]
        _mutate(notebook, *mutations[number % len(mutations)])
    return notebook


def _mutate(notebook: nbformat.NotebookNode, old: str, new: str) -> None:
    cells = [c for c in notebook.cells if c.cell_type == "code" and old in c.source]
    if len(cells) != 1 or cells[0].source.count(old) != 1:
        raise SystemExit(f"mutation {old!r} does not match exactly once")
    cells[0].source = cells[0].source.replace(old, new)


def spread(entries: list[Entry], size: int) -> list[Entry]:
    """About `size` entries, labs and kinds in the same proportions as the whole."""
    step = max(1, len(entries) // size)
    by_lab = sorted(entries, key=lambda e: (e.bundle.slug, e.kind, e.index))
    return by_lab[step // 2 :: step][:size]


def _kinds(entries: list[Entry]) -> str:
    counts = Counter(entry.kind for entry in entries)
    return ", ".join(
        f"{counts[kind]} {kind}" for kind in ("solution", "partial", "starter")
    )


# --------------------------------------------------------------------------- runs


def run_ours(entries: list[Entry], workers: int) -> tuple[float, list[Score], float]:
    with ForkServerKernels() as kernels:
        started = time.perf_counter()
        kernels.start()
        zygote_start = time.perf_counter() - started
        started = time.perf_counter()
        results = asyncio.run(_grade_all(entries, kernels, workers))
        seconds = time.perf_counter() - started
    scores = [
        Score(r.status, r.score, tuple((c.name, c.passed) for c in r.checks))
        for r in results
    ]
    return seconds, scores, zygote_start


async def _grade_all(
    entries: list[Entry], kernels: ForkServerKernels, workers: int
) -> list[GradeResult]:
    gate = asyncio.Semaphore(workers)

    async def one(entry: Entry) -> GradeResult:
        queued_at = time.monotonic()
        async with gate:
            return await grade_notebook_async(
                entry.notebook, entry.bundle, kernels=kernels, queued_at=queued_at
            )

    return await asyncio.gather(*(one(entry) for entry in entries))


def run_plain_nbclient(entries: list[Entry]) -> tuple[float, list[Score]]:
    """nbgrader's way: a fresh kernel per notebook, one after the other."""
    folders = _workdirs(entries)
    try:
        started = time.perf_counter()
        scores = [_plain_one(entry, folders[entry.bundle.slug]) for entry in entries]
        return time.perf_counter() - started, scores
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def _plain_one(entry: Entry, folder: Path) -> Score:
    results = folder / f"results-{uuid.uuid4().hex}.json"
    # The fastest fresh-kernel setup measured in stack-notes §5 (IPC transport,
    # immediate shutdown: 1.53 s vs 1.79 s per notebook), so the ratios are fair.
    client = NotebookClient(
        _with_export(entry, results),
        timeout=entry.bundle.limits.cell_timeout,
        kernel_name="python3",
        allow_errors=True,
        shutdown_kernel="immediate",
        kernel_manager_class=_ipc_manager(folder),
        resources={"metadata": {"path": str(folder)}},
    )
    client.execute()
    return _score(entry.bundle, results)


def _with_export(entry: Entry, results: Path) -> nbformat.NotebookNode:
    notebook = nbformat.from_dict(entry.notebook)
    source = checkrunner.export_source(entry.bundle.results, str(results))
    notebook.cells.append(nbformat.v4.new_code_cell(source))
    return notebook


def _score(bundle: Bundle, results: Path) -> Score:
    """The bundle's checks.py on the exported results, in this process, from the
    folder holding the lab's data (checks recompute expected values from it)."""
    raw = results.read_bytes() if results.exists() else None
    results.unlink(missing_ok=True)
    job = {
        "checks_path": str(bundle.checks_path),
        "kinds": bundle.results,
        "names": [check.name for check in bundle.checks],
        "check_timeout": bundle.limits.check_timeout,
    }
    with contextlib.chdir(results.parent):
        outcome = checkrunner.run_checks(bundle.checks_path.read_text(), raw, job)
    passed = {item["name"]: bool(item["passed"]) for item in outcome["checks"]}
    return Score(
        "graded",
        sum(check.points for check in bundle.checks if passed[check.name]),
        tuple((check.name, passed[check.name]) for check in bundle.checks),
    )


def _ipc_manager(folder: Path) -> type[AsyncKernelManager]:
    class IPCKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: object) -> None:
            # Absolute socket path: the kernel's cwd is not ours.
            ip = str(folder / f"kernel-{uuid.uuid4().hex[:8]}")
            super().__init__(transport="ipc", ip=ip, **kwargs)

    return IPCKernelManager


def run_nbconvert(entries: list[Entry]) -> tuple[float, list[Score]]:
    jupyter = Path(sys.executable).with_name("jupyter")
    folders = _workdirs(entries)
    try:
        started = time.perf_counter()
        scores = []
        for entry in entries:
            folder = folders[entry.bundle.slug]
            results = folder / f"results-{uuid.uuid4().hex}.json"
            path = folder / f"nb{entry.index}.ipynb"
            nbformat.write(_with_export(entry, results), path)
            subprocess.run(  # noqa: S603 - our own jupyter, our own file
                [str(jupyter), "nbconvert", "--to", "notebook", "--execute",
                 "--allow-errors", "--output", f"out{entry.index}.ipynb", str(path)],
                cwd=folder,
                check=True,
                capture_output=True,
            )  # fmt: skip
            scores.append(_score(entry.bundle, results))
        return time.perf_counter() - started, scores
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def _workdirs(entries: list[Entry]) -> dict[str, Path]:
    """One folder per lab holding its data, as the kernel's working directory."""
    bundles = {entry.bundle.slug: entry.bundle for entry in entries}
    return {slug: _workdir(bundle) for slug, bundle in bundles.items()}


def _workdir(bundle: Bundle) -> Path:
    folder = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    for rel, source in bundle.data_files():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, folder / rel)
    return folder


# --------------------------------------------------------------------------- Celery


def celery_latency(entries: list[Entry]) -> None:
    """Submit → graded through a real worker, one notebook at a time."""
    # bench/labs_submit.py's throw-away database, worker and submit-and-poll loop.
    from bench import labs_submit

    (ROOT / "var").mkdir(exist_ok=True)
    data_dir = tempfile.mkdtemp(prefix="bench-grading-", dir=ROOT / "var")
    labs_submit._setup(data_dir)
    from django.conf import settings

    from labs.services import bundle_import
    from lms.accounts.models import User

    labs = {}
    for slug in LABS:
        version = bundle_import(path=ROOT / "labs" / "bundles" / slug)
        if not version.is_valid:
            raise SystemExit(f"bundle {slug} refused: {version.refusal_reason}")
        labs[slug] = version.lab
    user, _created = User.objects.get_or_create(username="bench")
    queue = f"labs-bench-{uuid.uuid4().hex[:8]}"
    settings.LABS_GRADING_QUEUE = queue
    worker = labs_submit._worker(queue)
    try:
        warm = _submit(labs_submit, user, labs, entries[0])  # worker start + zygote
        latencies = [_submit(labs_submit, user, labs, entry) for entry in entries]
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        shutil.rmtree(data_dir, ignore_errors=True)
    broker = settings.CELERY_BROKER_URL.split("://")[0]
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(
        f"\nSubmit → result through Celery ({len(entries)} mixed notebooks one at a "
        f"time, 1 prefork worker, broker {broker}, {database}; first submission with "
        f"a cold worker {warm:.2f} s, not counted): p50 "
        f"{_percentile(latencies, 0.5):.3f} s, p95 **{_percentile(latencies, 0.95):.3f} s**, "
        f"max {max(latencies):.3f} s."
    )


def _submit(
    labs_submit: ModuleType, user: Any, labs: dict[str, Any], entry: Entry
) -> float:
    data = nbformat.writes(entry.notebook).encode("utf-8")
    elapsed, _engine = labs_submit._submit_and_wait(user, labs[entry.bundle.slug], data)
    return elapsed


# --------------------------------------------------------------------------- report


@dataclass
class Row:
    name: str
    count: int
    seconds: float
    cpu: float  # CPU seconds of this process and every process it started and reaped
    sampled: bool = False
    load: float = field(default_factory=lambda: os.getloadavg()[0])  # at the end

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


def print_table(rows: list[Row], *, ours: Row, a: Row, b: Row, count: int) -> None:
    print()
    print(
        "| run | notebooks timed | wall (s) | s / notebook | notebooks / s "
        "| (ours) × faster | CPU s / notebook | load | note |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
    for row in rows:
        note = ""
        if row.sampled:
            note = f"sample of {row.count}; {count} ≈ {row.per * count:.0f} s"
        print(
            f"| {row.name} | {row.count} | {row.seconds:.1f} | {row.per:.3f} | "
            f"{1 / row.per:.2f} | {row.per / ours.per:.1f}× | "
            f"{row.cpu / row.count:.3f} | {row.load:.1f} | {note} |"
        )
    print(
        f"\nThroughput ratios, {ours.name}: (ours) / (a) = **{a.per / ours.per:.1f}×** "
        "(goal 8×), "
        f"(ours) / (b) = {b.per / ours.per:.1f}× ((b) extrapolated from "
        f"{b.count} notebooks), (a) / (b) = {b.per / a.per:.1f}×."
    )


def compare(name: str, pairs: list[tuple[Entry, Score, Score]]) -> int:
    """Identical status, score and per-check outcome to (a) for every notebook."""
    mismatches = [
        (entry, mine, theirs) for entry, mine, theirs in pairs if mine != theirs
    ]
    print(
        f"\nScores {name} vs (a): {len(pairs)} notebooks compared, "
        f"{len(mismatches)} mismatches."
    )
    for entry, mine, theirs in mismatches:
        print(f"  #{entry.index} {entry.bundle.slug} {entry.kind}: {mine} vs {theirs}")
    return 1 if mismatches else 0


def _scores_seen(entries: list[Entry], scores: list[Score]) -> str:
    seen = Counter(
        (entry.bundle.slug.split("-")[0].upper(), entry.kind, score.score)
        for entry, score in zip(entries, scores, strict=True)
    )
    return "Scores seen (lab kind score × notebooks): " + ", ".join(
        f"{lab} {kind} {score:g} ×{n}" for (lab, kind, score), n in sorted(seen.items())
    )


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min)"


if __name__ == "__main__":
    raise SystemExit(main())
