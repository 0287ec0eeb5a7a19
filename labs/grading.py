"""Grade a learner's notebook against a lab bundle (pure: no Django).

Pipeline per submission: a fresh sandboxed kernel (see ``labs.kernels`` and
``labs.sandbox``) runs the learner's cells with nbclient, then an exporter cell writes
the declared result variables as JSON data; the kernel is killed; the hidden
``checks.py`` runs in a separate sandboxed process on that data. Learner code never
sees the checks and can only influence the score through the data it produces.

    result = grade_notebook("submission.ipynb", load_bundle("labs/bundles/l1-..."))
    result.score, result.checks[0].message, result.html()

``result.html()`` (nbconvert) costs about as much CPU as the grading itself, so the
Django side stores ``result.notebook_bytes()`` and renders on first view.
"""

from __future__ import annotations

import asyncio
import atexit
import concurrent.futures
import copy
import json
import logging
import re
import secrets
import signal
import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

from labs import checkrunner, sandbox
from labs.bundle import Bundle, load_bundle
from labs.kernels import (
    KERNEL_ARGS,
    ForkServerKernels,
    KernelSource,
    KernelStartError,
    SandboxKernelManager,
)

logger = logging.getLogger(__name__)

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024
OUTPUT_CAP_BYTES = 100 * 1024
TOTAL_OUTPUT_CAP_BYTES = 2 * 1024 * 1024
TRUNCATED_NOTE = "\n[Đầu ra quá dài nên đã được cắt bớt: tối đa 100 KB mỗi đầu ra, 2 MB cho cả bài.]\n"
EXPORT_TIMEOUT = 30.0
KIND_TEXT = {
    "dataframe": "một DataFrame của pandas",
    "series": "một Series của pandas",
    "scalar": "một giá trị đơn (số, chuỗi, True/False hoặc None)",
    "json": "dữ liệu JSON (dict, list, số, chuỗi…)",
}


_SCRIPT = re.compile(r"<script\b[^>]*>.*?</script\s*>", re.IGNORECASE | re.DOTALL)


class NotebookInvalid(ValueError):
    """The submission is not a gradable notebook; the message is for the learner."""


# --------------------------------------------------------------------------- results


@dataclass
class CheckResult:
    name: str
    title: str
    passed: bool
    points: float
    max_points: float
    message: str = ""
    expected: str | None = None
    found: str | None = None
    hint: str | None = None


@dataclass
class CellError:
    cell: int  # 1-based number among code cells, as the learner counts them
    index: int  # position in the notebook
    ename: str
    evalue: str
    message: str


@dataclass
class GradeResult:
    status: str  # "graded" | "error"
    score: float
    max_score: float
    checks: list[CheckResult]
    notebook: NotebookNode | None = None
    cell_errors: list[CellError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    protections: dict[str, bool] = field(default_factory=dict)
    stopped: str | None = None  # why execution stopped early (timeout, dead kernel)
    error: str | None = None  # status "error": what went wrong on our side
    kernels: str = ""

    def to_dict(self, *, include_notebook: bool = False) -> dict[str, Any]:
        data = asdict(self)
        data.pop("notebook")
        if include_notebook and self.notebook is not None:
            data["notebook"] = json.loads(nbformat.writes(self.notebook))
        return data

    def html(self) -> str:
        """The executed notebook as a standalone HTML page (see notebook_html)."""
        return "" if self.notebook is None else notebook_html(self.notebook)

    def notebook_bytes(self) -> bytes:
        """The executed notebook (outputs capped) as .ipynb bytes, to store and render
        later: serialising takes ~2 ms where rendering takes as long as grading."""
        if self.notebook is None:
            return b""
        return nbformat.writes(self.notebook).encode("utf-8")


def notebook_html(notebook: NotebookNode) -> str:
    """An executed notebook as a standalone HTML page, learner HTML sanitised."""
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(sanitize_html=True)
    body, _ = exporter.from_notebook_node(notebook)
    # nbconvert has sanitised the learner's HTML (bleach) and dropped JS outputs;
    # what remains are the template's own scripts (require.js and MathJax from
    # a CDN). The page is static: drop them, so it runs no code and makes no
    # third-party request.
    return _SCRIPT.sub("", body)


@dataclass
class BundleReport:
    ok: bool
    reason: str
    solution: GradeResult | None
    starter: GradeResult | None


# --------------------------------------------------------------------------- input


def load_notebook(
    nb: NotebookNode | dict[str, Any] | bytes | str | Path,
) -> NotebookNode:
    """A validated v4 notebook, or NotebookInvalid (message in Vietnamese)."""
    if isinstance(nb, str | Path):
        path = Path(nb)
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise NotebookInvalid("Notebook quá lớn (tối đa 20 MB).")
        nb = path.read_bytes()
    if isinstance(nb, bytes):
        nb = _parse_json(nb)
    if not isinstance(nb, dict):
        raise NotebookInvalid("Tệp không phải notebook Jupyter (.ipynb).")
    return _as_v4(nb)


def _parse_json(data: bytes) -> Any:
    if len(data) > MAX_NOTEBOOK_BYTES:
        raise NotebookInvalid("Notebook quá lớn (tối đa 20 MB).")
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise NotebookInvalid(
            "Tệp không phải notebook Jupyter: không phải văn bản UTF-8."
        ) from exc
    except (ValueError, RecursionError) as exc:
        raise NotebookInvalid(
            "Tệp không phải notebook Jupyter: nội dung không phải JSON hợp lệ."
        ) from exc


def _as_v4(data: dict[str, Any]) -> NotebookNode:
    major = data.get("nbformat")
    if major not in (3, 4):
        raise NotebookInvalid(
            f"Notebook định dạng {major!r} không được hỗ trợ; hãy lưu lại bằng JupyterLab."
        )
    problems: dict[str, Any] = {}
    try:
        # reads() joins multi-line sources, upgrades v3 and validates the v4 result
        # (reporting into ``problems``); anything that did not convert cleanly is
        # refused.
        nb = nbformat.reads(
            json.dumps(data), as_version=4, capture_validation_error=problems
        )
        if problems:
            raise problems["ValidationError"]
    except Exception as exc:  # noqa: BLE001 - any failure means "not a valid notebook"
        raise NotebookInvalid(
            "Notebook không đúng định dạng Jupyter (nbformat 4); hãy mở bằng "
            "JupyterLab, lưu lại rồi nộp."
        ) from exc
    return nb


def _clean_copy(nb: NotebookNode) -> NotebookNode:
    """Outputs stripped (never trusted nor shown as ours) and our kernelspec set."""
    clean = copy.deepcopy(nb)
    for cell in clean.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    clean.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3 (ipykernel)",
        "language": "python",
    }
    return clean


# --------------------------------------------------------------------------- public API


_default_kernels: KernelSource | None = None
_default_lock = threading.Lock()


def default_kernels() -> KernelSource:
    """This process's shared fork server (created on first use)."""
    global _default_kernels
    with _default_lock:
        if _default_kernels is None:
            _default_kernels = ForkServerKernels()
            atexit.register(_default_kernels.close)
        return _default_kernels


def grade_notebook(
    nb: NotebookNode | dict[str, Any] | bytes | str | Path,
    bundle: Bundle | str | Path,
    *,
    kernels: KernelSource | None = None,
) -> GradeResult:
    """Grade one notebook. Raises NotebookInvalid for a non-notebook; every learner
    failure (error, timeout, crash, cheat) is a graded result with messages."""
    return _run_sync(grade_notebook_async(nb, bundle, kernels=kernels))


async def grade_notebook_async(
    nb: NotebookNode | dict[str, Any] | bytes | str | Path,
    bundle: Bundle | str | Path,
    *,
    kernels: KernelSource | None = None,
    queued_at: float | None = None,
) -> GradeResult:
    notebook = load_notebook(nb)
    bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
    grading = _Grading(notebook, bundle, kernels or default_kernels())
    return await grading.run(queued_at)


def grade_many(
    notebooks: Iterable[NotebookNode | dict[str, Any] | bytes | str | Path],
    bundle: Bundle | str | Path,
    *,
    kernels: KernelSource | None = None,
    workers: int = 2,
) -> list[GradeResult | NotebookInvalid]:
    """Grade several notebooks, ``workers`` at a time, in input order."""
    return _run_sync(_grade_many(list(notebooks), bundle, kernels, workers))


async def _grade_many(
    notebooks: list[Any],
    bundle: Bundle | str | Path,
    kernels: KernelSource | None,
    workers: int,
) -> list[GradeResult | NotebookInvalid]:
    bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
    gate = asyncio.Semaphore(workers)

    async def one(nb: Any) -> GradeResult | NotebookInvalid:
        queued_at = time.monotonic()
        async with gate:
            try:
                return await grade_notebook_async(
                    nb, bundle, kernels=kernels, queued_at=queued_at
                )
            except NotebookInvalid as exc:
                return exc

    return list(await asyncio.gather(*(one(nb) for nb in notebooks)))


def validate_bundle(
    bundle: Bundle | str | Path, *, kernels: KernelSource | None = None
) -> BundleReport:
    """Grade solution (must score 100%) and starter (must score less)."""
    bundle = bundle if isinstance(bundle, Bundle) else load_bundle(bundle)
    solution = grade_notebook(bundle.solution_path, bundle, kernels=kernels)
    starter = grade_notebook(bundle.starter_path, bundle, kernels=kernels)
    reason = _bundle_problem(solution, starter)
    return BundleReport(
        ok=not reason, reason=reason, solution=solution, starter=starter
    )


def _bundle_problem(solution: GradeResult, starter: GradeResult) -> str:
    if solution.status != "graded":
        return f"Không chấm được solution.ipynb: {solution.error}"
    if solution.score < solution.max_score:
        failed = [c for c in solution.checks if not c.passed]
        details = "; ".join(f"{c.name}: {c.message}" for c in failed)
        return f"solution.ipynb chỉ đạt {solution.score:g}/{solution.max_score:g}: {details}"
    if starter.status != "graded":
        return f"Không chấm được starter.ipynb: {starter.error}"
    if starter.score >= starter.max_score:
        return "starter.ipynb đã đạt điểm tối đa: các tiêu chí không kiểm tra được gì."
    return ""


def _run_sync(coro: Any) -> Any:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside an event loop (e.g. an async view): use a private one.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


# --------------------------------------------------------------------------- nbclient


class _QuietLog(logging.LoggerAdapter):
    """nbclient logs a learner's timeout or crash as ERROR; for us it is a result."""

    def log(self, level: int, msg: object, *args: Any, **kwargs: Any) -> None:
        super().log(min(level, logging.DEBUG), msg, *args, **kwargs)


class _Client(NotebookClient):
    """nbclient with output caps, fast dead-kernel detection and timeout tracking."""

    def __init__(self, nb: NotebookNode, km: SandboxKernelManager) -> None:
        super().__init__(
            nb,
            km=km,
            allow_errors=True,  # like nbgrader: one failing cell must not zero the rest
            interrupt_on_timeout=True,
            error_on_timeout={
                "ename": "CellTimeoutError",
                "evalue": "",
                "traceback": [],
            },
            iopub_timeout=3,
            record_timing=False,
            coalesce_streams=True,
            skip_cells_with_tag=f"never-{secrets.token_hex(8)}",
            on_cell_executed=self._on_cell_executed,
            # nbclient's ``timeout`` is an integer; budgets left over are fractional.
            timeout_func=lambda cell: self.current_timeout,
            log=_QuietLog(logging.getLogger("labs.grading.nbclient"), {}),
        )
        self.current_timeout = 30.0
        self.output_bytes = 0
        self.truncated: set[int] = set()
        self.replies: dict[int, dict[str, Any]] = {}
        self.idle_parents: set[str] = set()
        self.timed_out = False

    def _on_cell_executed(self, cell: Any, cell_index: int, execute_reply: Any) -> None:
        self.replies[cell_index] = execute_reply or {}

    async def _async_handle_timeout(self, timeout: int, cell: Any = None) -> Any:
        self.timed_out = True
        return await super()._async_handle_timeout(timeout, cell)

    async def _async_poll_kernel_alive(self) -> None:
        # nbclient checks once a second; the provisioner's poll is free, so check
        # every 0.1 s and report a crashed kernel (os._exit, OOM kill) promptly.
        while True:
            await asyncio.sleep(0.1)
            try:
                await self._async_check_alive()
            except DeadKernelError:
                if self.task_poll_for_reply is not None:
                    self.task_poll_for_reply.cancel()
                return

    def process_message(self, msg: dict[str, Any], cell: Any, cell_index: int) -> Any:
        content = msg.get("content", {})
        if msg.get("msg_type") == "status" and content.get("execution_state") == "idle":
            self.idle_parents.add(msg["parent_header"].get("msg_id"))
        return super().process_message(msg, cell, cell_index)

    def output(
        self, outs: list[Any], msg: dict[str, Any], display_id: Any, cell_index: int
    ) -> Any:
        size = _content_size(msg.get("content"))
        if self.output_bytes + size > TOTAL_OUTPUT_CAP_BYTES:
            self.truncated.add(cell_index)  # drop: memory stays bounded during a flood
            return None
        self.output_bytes += size
        return super().output(outs, msg, display_id, cell_index)


def _content_size(value: Any) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(_content_size(v) for v in value.values())
    if isinstance(value, list):
        return sum(_content_size(v) for v in value)
    return 8


# --------------------------------------------------------------------------- grading


@dataclass
class _Run:
    """What happened while the learner's cells ran."""

    cell_errors: list[CellError] = field(default_factory=list)
    stopped: str | None = None  # learner-facing reason
    stop_kind: str | None = None  # "timeout" (kernel still usable) | "dead" | "stuck"
    exported: bool = False
    protections: dict[str, bool] = field(default_factory=dict)
    truncated: set[int] = field(default_factory=set)

    def stop(self, kind: str, message: str) -> None:
        self.stop_kind, self.stopped = kind, message


class _Grading:
    def __init__(
        self, notebook: NotebookNode, bundle: Bundle, kernels: KernelSource
    ) -> None:
        self.nb = _clean_copy(notebook)
        self.bundle = bundle
        self.limits = bundle.limits
        self.kernels = kernels
        self.timings: dict[str, float] = {}
        self.job = uuid.uuid4().hex[:12]
        self.results_name = f"results-{secrets.token_hex(16)}.json"

    async def run(self, queued_at: float | None = None) -> GradeResult:
        started = queued_at or time.monotonic()
        try:
            run, raw = await self._run_learner_code(started)
            outcome = await self._check(raw)
        except KernelStartError as exc:
            # Our machinery failed, not the learner: "error" lets the caller retry.
            return self._error(f"Lỗi hệ thống khi chấm: {exc}")
        self.timings["total"] = time.monotonic() - started
        return self._result(run, outcome)

    async def _run_learner_code(self, started: float) -> tuple[_Run, bytes | None]:
        lease = await self.kernels.lease()
        self.timings["queue"] = time.monotonic() - started
        workspace = self._workspace(lease.uid, "kernel")
        try:
            workspace.add_files(self.bundle.data_files())
            run = await self._execute(workspace, lease.uid)
            return run, self._read_results(workspace)
        finally:
            workspace.destroy()
            lease.release()

    def _workspace(self, uid: int | None, kind: str) -> sandbox.Workspace:
        path = self.kernels.root / f"{kind}-{self.job}"
        workspace = sandbox.Workspace(path, uid=uid, disk_mb=self.limits.disk_mb)
        workspace.create()
        return workspace

    def _spec(
        self, workspace: sandbox.Workspace, uid: int | None, memory_mb: int, cpu: float
    ) -> sandbox.SandboxSpec:
        return sandbox.SandboxSpec(
            jobdir=str(workspace.path),
            workdir=str(workspace.work),
            env=sandbox.kernel_env(workspace, hash_seed=secrets.randbelow(2**32)),
            uid=uid,
            gid=uid,
            memory_mb=memory_mb,
            cpu_seconds=int(cpu) + 1,
            processes=self.limits.processes,
            file_size_mb=self.limits.file_size_mb,
            open_files=self.limits.open_files,
            visible=self.kernels.visible,
            quota=workspace.quota,
        )

    # ----------------------------------------------------------------- kernel

    async def _execute(self, workspace: sandbox.Workspace, uid: int | None) -> _Run:
        cpu = self.limits.notebook_timeout + EXPORT_TIMEOUT
        spec = self._spec(workspace, uid, self.limits.memory_mb, cpu)
        km = self.kernels.kernel_manager(spec, workspace.run)
        client = _Client(self.nb, km)
        started = time.monotonic()
        try:
            await km.start_kernel(extra_arguments=KERNEL_ARGS)
            client.kc = km.client()
            # nbclient only uses shell and iopub: no heartbeat thread, no stdin.
            client.kc.start_channels(stdin=False, hb=False, control=False)
            await client.kc.wait_for_ready(timeout=60)
            self.timings["kernel"] = time.monotonic() - started
            run = _Run(protections=sandbox.read_report(workspace.path))
            self._require(run.protections)
            started = time.monotonic()
            await self._run_cells(client, run)
            if run.stop_kind in (None, "timeout"):
                run.exported = await self._export(client, workspace, run)
            run.truncated = client.truncated
            self.timings["execute"] = time.monotonic() - started
            return run
        finally:
            await self._stop(km, client)

    def _require(self, protections: dict[str, bool]) -> None:
        missing = [name for name in self.kernels.require if not protections.get(name)]
        if missing:
            raise KernelStartError(
                f"Sandbox thiếu bảo vệ bắt buộc: {', '.join(missing)}"
            )

    async def _stop(self, km: SandboxKernelManager, client: _Client) -> None:
        if client.kc is not None:
            client.kc.stop_channels()
        try:
            await km.shutdown_kernel(now=True)  # also removes sockets and the file
        except RuntimeError:
            logger.debug("kernel already gone", exc_info=True)
            await km.cleanup_resources()

    async def _run_cells(self, client: _Client, run: _Run) -> None:
        deadline = time.monotonic() + self.limits.notebook_timeout
        number = 0
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            number += 1
            if not cell.source.strip():
                continue
            await self._run_cell(client, run, index, number, deadline)
            if run.stopped:
                return

    async def _run_cell(
        self, client: _Client, run: _Run, index: int, number: int, deadline: float
    ) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0.05:
            run.stop("timeout", self._notebook_timeout(number))
            return
        client.current_timeout = min(self.limits.cell_timeout, remaining)
        client.timed_out = False
        try:
            await client.async_execute_cell(
                self.nb.cells[index], index, execution_count=number
            )
        except DeadKernelError:
            run.stop("dead", self._dead(client, number))
            return
        except Exception:  # noqa: BLE001 - e.g. forged kernel messages: the learner's doing
            logger.warning("kernel misbehaved in cell %s", number, exc_info=True)
            run.stop(
                "broken", f"Kernel của bài làm trả lời sai giao thức ở ô lệnh {number}."
            )
            return
        if client.timed_out:
            self._timeout(client, run, number, remaining)
            return
        reply = client.replies.get(index, {}).get("content", {})
        if reply.get("status") == "error":
            run.cell_errors.append(self._cell_error(index, number, reply))

    def _timeout(
        self, client: _Client, run: _Run, number: int, remaining: float
    ) -> None:
        if remaining < self.limits.cell_timeout:
            message = self._notebook_timeout(number)
        else:
            message = f"Ô lệnh {number} chạy quá {self.limits.cell_timeout:g} giây."
        if client.kc is not None and client.kc.last_msg_id in client.idle_parents:
            run.stop("timeout", message + " Các ô lệnh sau không được chạy.")
        else:
            # Still busy after the interrupt (stuck in C code, SIGINT ignored).
            run.stop("stuck", message[:-1] + " và không dừng được khi bị ngắt.")

    def _notebook_timeout(self, number: int) -> str:
        return (
            f"Bài làm chạy quá {self.limits.notebook_timeout:g} giây (giới hạn cho cả "
            f"notebook), dừng ở ô lệnh {number}."
        )

    @staticmethod
    def _raise_if_lost(client: _Client) -> None:
        if client.km is not None and client.km.lost():
            raise KernelStartError("Fork server đã dừng giữa chừng.")

    def _dead(self, client: _Client, number: int) -> str:
        self._raise_if_lost(client)
        code = client.km.exit_code() if client.km is not None else None
        signum = code - 128 if code is not None and code > 128 else None
        if signum == signal.SIGXCPU:
            return f"Vượt giới hạn thời gian CPU: tiến trình Python của bài làm bị dừng ở ô lệnh {number}."
        if signum == signal.SIGXFSZ:
            return f"Vượt giới hạn dung lượng tệp ({self.limits.file_size_mb} MB) ở ô lệnh {number}."
        text = f"Tiến trình Python của bài làm đã dừng đột ngột ở ô lệnh {number}"
        if signum in (signal.SIGKILL, signal.SIGSEGV, signal.SIGABRT, signal.SIGBUS):
            text += f" (có thể do vượt giới hạn bộ nhớ {self.limits.memory_mb} MB)"
        return text + "."

    def _cell_error(self, index: int, number: int, reply: dict[str, Any]) -> CellError:
        ename = str(reply.get("ename", ""))[:100]
        evalue = str(reply.get("evalue", ""))[:500]
        message = cell_error_message(number, ename, evalue, self.bundle)
        return CellError(number, index, ename, evalue, message)

    async def _export(
        self, client: _Client, workspace: sandbox.Workspace, run: _Run
    ) -> bool:
        path = str(workspace.run / self.results_name)
        if self.kernels.exporter_preloaded:
            source = checkrunner.export_call(self.bundle.results, path)
        else:
            source = checkrunner.export_source(self.bundle.results, path)
        cell = nbformat.from_dict(
            {"cell_type": "code", "source": source, "metadata": {}, "outputs": []}
        )
        self.nb.cells.append(cell)
        client.current_timeout = EXPORT_TIMEOUT
        client.timed_out = False
        try:
            await client.async_execute_cell(cell, len(self.nb.cells) - 1)
        except DeadKernelError:
            self._raise_if_lost(client)
            if not run.stopped:
                run.stop(
                    "dead",
                    "Tiến trình Python của bài làm đã dừng đột ngột khi xuất kết quả.",
                )
            return False
        except Exception:  # noqa: BLE001 - a tampered kernel: nothing was exported
            logger.warning("kernel misbehaved while exporting", exc_info=True)
            return False
        finally:
            self.nb.cells.pop()
        return not client.timed_out

    def _read_results(self, workspace: sandbox.Workspace) -> bytes | None:
        # The kernel is dead by now: nothing can change the file while we read it.
        limit = min(self.limits.file_size_mb, 512) * 1024 * 1024
        return sandbox.read_regular_file(workspace.run / self.results_name, limit)

    # ----------------------------------------------------------------- checks

    async def _check(self, raw: bytes | None) -> dict[str, Any]:
        started = time.monotonic()
        checker = self.kernels.checker_uid()
        workspace = self._workspace(checker, "checks")
        try:
            workspace.add_files(self.bundle.data_files())
            job = self._check_job(workspace, checker, raw)
            timeout = 10 + self.limits.check_timeout * len(self.bundle.checks)
            code = await self.kernels.run_checks(job, timeout)
            outcome = _read_outcome(workspace, code)
        finally:
            workspace.destroy()
            self.timings["checks"] = time.monotonic() - started
        return outcome

    def _check_job(
        self, workspace: sandbox.Workspace, uid: int | None, raw: bytes | None
    ) -> dict[str, Any]:
        results_path = workspace.private / "results.json"
        if raw is not None:
            results_path.write_bytes(raw)
        memory = self.limits.memory_mb * 2 + 1024
        cpu = self.limits.check_timeout * len(self.bundle.checks) + 10
        spec = self._spec(workspace, uid, memory, cpu)
        spec.processes = 256  # one uid shared by concurrent check runs
        spec.pidns = False  # trusted code: no fork bomb to contain
        return {
            "checks_path": str(self.bundle.checks_path),
            "results_path": str(results_path),
            "output_path": str(workspace.private / "outcome.json"),
            "max_results_bytes": max(len(raw or b""), 1),
            "kinds": self.bundle.results,
            "names": [check.name for check in self.bundle.checks],
            "check_timeout": self.limits.check_timeout,
            "sandbox": spec.to_dict(),
        }

    # ----------------------------------------------------------------- result

    def _result(self, run: _Run, outcome: dict[str, Any]) -> GradeResult:
        _cap_outputs(self.nb, run.truncated)
        if "error" in outcome:
            logger.error(
                "check runner failed for %s: %s", self.bundle.slug, outcome["error"]
            )
            return self._error("Bộ chấm bài gặp lỗi; bài sẽ được chấm lại.", run)
        by_name = {item["name"]: item for item in outcome.get("checks", [])}
        checks = [
            self._check_result(
                spec, by_name.get(spec.name, {}), outcome["results"], run
            )
            for spec in self.bundle.checks
        ]
        return GradeResult(
            status="graded",
            score=sum(c.points for c in checks),
            max_score=self.bundle.max_score,
            checks=checks,
            notebook=self.nb,
            cell_errors=run.cell_errors,
            timings=self.timings,
            protections=run.protections,
            stopped=run.stopped,
            kernels=self.kernels.name,
        )

    def _check_result(
        self, spec: Any, item: dict[str, Any], problems: dict[str, Any], run: _Run
    ) -> CheckResult:
        result = CheckResult(
            name=spec.name,
            title=spec.title,
            passed=bool(item.get("passed")),
            points=spec.points if item.get("passed") else 0,
            max_points=spec.points,
        )
        if result.passed:
            return result
        result.hint = item.get("hint") or spec.hint or None
        unavailable = item.get("unavailable") or []
        if unavailable:
            name = unavailable[0]
            result.message = self._unavailable(name, problems.get(name, {}), run)
            return result
        result.message = item.get("message") or self._broken_check(item)
        result.expected = item.get("expected")
        result.found = item.get("found")
        return result

    def _unavailable(self, name: str, problem: dict[str, Any], run: _Run) -> str:
        status = problem.get("status", "unexported")
        if status == "invalid":
            kind = KIND_TEXT[self.bundle.results[name]]
            found = problem.get("found") or "?"
            return f"Biến `{name}` phải là {kind}, nhưng bài làm cho kiểu `{found}`."
        if status == "corrupt":
            return (
                f"Dữ liệu xuất ra của biến `{name}` không hợp lệ: bài làm đã can thiệp "
                "vào việc xuất kết quả."
            )
        text = f"Không tìm thấy biến `{name}`."
        if run.stopped:
            return f"{text} {run.stopped}"
        if run.cell_errors:
            return f"{text} {run.cell_errors[0].message}"
        if status == "unexported":
            return (
                f"{text} Không xuất được kết quả của bài làm (ô xuất kết quả bị chặn)."
            )
        return f"{text} Hãy gán kết quả vào biến `{name}`."

    def _broken_check(self, item: dict[str, Any]) -> str:
        if item.get("error") == "timeout":
            return (
                f"Chưa đạt: việc kiểm tra kết quả của bạn mất quá "
                f"{self.limits.check_timeout:g} giây."
            )
        logger.warning("check %s raised %s", item.get("name"), item.get("detail"))
        return (
            "Chưa đạt: không kiểm tra được kết quả của bạn (có thể sai kiểu dữ liệu "
            "hoặc tên cột)."
        )

    def _error(self, message: str, run: _Run | None = None) -> GradeResult:
        checks = [
            CheckResult(c.name, c.title, False, 0, c.points, message)
            for c in self.bundle.checks
        ]
        return GradeResult(
            status="error",
            score=0,
            max_score=self.bundle.max_score,
            checks=checks,
            notebook=self.nb,
            cell_errors=run.cell_errors if run else [],
            timings=self.timings,
            protections=run.protections if run else {},
            stopped=run.stopped if run else None,
            error=message,
            kernels=self.kernels.name,
        )


def _read_outcome(workspace: sandbox.Workspace, code: int | None) -> dict[str, Any]:
    raw = sandbox.read_regular_file(
        workspace.private / "outcome.json", 16 * 1024 * 1024
    )
    if not raw:
        return {"error": f"no outcome (exit code {code})"}
    try:
        outcome = json.loads(raw)
    except ValueError:
        return {"error": "outcome is not JSON"}
    return (
        outcome if isinstance(outcome, dict) else {"error": "outcome is not an object"}
    )


_LINE = re.compile(r"line (\d+)")


def cell_error_message(number: int, ename: str, evalue: str, bundle: Bundle) -> str:
    """A Vietnamese sentence for an exception raised in code cell ``number``."""
    limits = bundle.limits
    if ename == "MemoryError":
        return f"Vượt giới hạn bộ nhớ ({limits.memory_mb} MB) ở ô lệnh {number}."
    if ename in ("SyntaxError", "IndentationError", "TabError"):
        line = _LINE.search(evalue)
        where = f" (dòng {line.group(1)})" if line else ""
        return f"Ô lệnh {number} có lỗi cú pháp{where}: {evalue.split(' (')[0]}."
    if "[Errno 27]" in evalue or "File too large" in evalue:
        return f"Vượt giới hạn dung lượng tệp ({limits.file_size_mb} MB) ở ô lệnh {number}."
    if "[Errno 28]" in evalue:
        return f"Hết dung lượng đĩa dành cho bài làm ({limits.disk_mb} MB) ở ô lệnh {number}."
    if ename == "BlockingIOError" or "can't start new thread" in evalue:
        return f"Vượt giới hạn số tiến trình ({limits.processes}) ở ô lệnh {number}."
    if ename == "CellTimeoutError":
        return f"Ô lệnh {number} chạy quá {limits.cell_timeout:g} giây."
    return f"Ô lệnh {number} gặp lỗi {ename}: {evalue[:200]}"


def _cap_outputs(nb: NotebookNode, dropped: set[int]) -> None:
    """At most OUTPUT_CAP_BYTES per output, with a note where something was cut."""
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        cut = index in dropped
        for output in cell.get("outputs", []):
            cut = _cap_output(output) or cut
        if cut:
            cell.outputs.append(
                nbformat.v4.new_output("stream", name="stderr", text=TRUNCATED_NOTE)
            )


def _cap_output(output: NotebookNode) -> bool:
    if _content_size(output) <= OUTPUT_CAP_BYTES:
        return False
    if output.output_type == "stream":
        output.text = output.text[:OUTPUT_CAP_BYTES]
    elif output.output_type == "error":
        output.traceback = [line[:2000] for line in output.traceback[-50:]]
    else:
        text = output.get("data", {}).get("text/plain", "")
        output.data = {"text/plain": str(text)[:OUTPUT_CAP_BYTES]}
        output.metadata = {}
    return True
