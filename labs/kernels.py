"""Where grading kernels come from.

``FreshKernels`` starts a new Python process per submission (plain nbclient/ipykernel
behind the sandbox launcher): the baseline. ``ForkServerKernels`` keeps one long-lived,
single-threaded "zygote" that has already imported ipykernel, IPython, pandas and
numpy. Per submission it forks a child that enters the sandbox and starts an
``IPKernelApp`` on a fresh connection file, so the child pays neither interpreter
start nor imports. Each child serves exactly one submission and is killed after; it
inherits only pristine, never-executed module state (no learner code ever runs in
the zygote). The hidden checks run in another forked child, outside the kernel.

Both plug into nbclient through ``SandboxKernelManager`` (IPC transport: the kernel
lives in its own network namespace and cannot reach a TCP loopback of ours) with a
custom jupyter_client provisioner.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import json
import os
import secrets
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
import uuid
from pathlib import Path
from queue import Empty
from typing import Any

import zmq
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.connect import channel_socket_types
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning.local_provisioner import LocalProvisioner
from traitlets import DottedObjectName, Type

from labs import sandbox

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MAX_MESSAGE_BYTES = 64 * 1024 * 1024
KERNEL_ARGS = ["--HistoryManager.hist_file=:memory:"]
ZYGOTE_LOST = "fork server stopped"
ROOT_PREFIX = "da-grading-"


class KernelStartError(RuntimeError):
    """The machine could not give us a kernel (not the learner's fault)."""


def exit_status(code: int | None) -> int | None:
    """Shell convention: a process killed by signal N reports 128 + N."""
    return 128 - code if code is not None and code < 0 else code


# --------------------------------------------------------------------------- client/manager


class SandboxKernelClient(AsyncKernelClient):
    """An async client with a message-size cap and a quicker readiness handshake."""

    def _create_connected_socket(
        self, channel: str, identity: bytes | None = None
    ) -> zmq.Socket:
        sock = self.context.socket(channel_socket_types[channel])
        sock.linger = 1000
        # A single huge message (print of a 500 MB string) would otherwise be held
        # whole in the grader's memory; bigger ones drop the connection instead.
        sock.setsockopt(zmq.MAXMSGSIZE, MAX_MESSAGE_BYTES)
        if identity:
            sock.identity = identity
        sock.connect(self._make_url(channel))
        return sock

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        # ipykernel greets every new IOPub subscriber ("iopub_welcome"); waiting for
        # it replaces jupyter_client's fixed 0.2 s slow-joiner retry per kernel.
        deadline = time.monotonic() + (timeout or 60)
        while time.monotonic() < deadline:
            with contextlib.suppress(Empty):
                await self.iopub_channel.get_msg(timeout=0.25)
                break
            await self._raise_if_dead()
        while time.monotonic() < deadline:
            self.kernel_info()
            with contextlib.suppress(Empty):
                msg = await self.shell_channel.get_msg(timeout=1)
                if msg["msg_type"] == "kernel_info_reply":
                    self._handle_kernel_info_reply(msg)
                    return
            await self._raise_if_dead()
        raise KernelStartError("Kernel không phản hồi kernel_info.")

    wait_for_ready = _async_wait_for_ready

    last_msg_id: str | None = None

    def execute(self, code: str, *args: Any, **kwargs: Any) -> str:
        # Remembered so the grader can tell whether an interrupted cell went idle.
        self.last_msg_id = super().execute(code, *args, **kwargs)
        return self.last_msg_id

    async def _raise_if_dead(self) -> None:
        if not await self._async_is_alive():
            raise KernelStartError("Kernel đã dừng trước khi sẵn sàng.")


def python_kernel_spec() -> KernelSpec:
    """Always our Python; the notebook's own kernelspec is ignored on purpose."""
    return KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name="Python 3 (ipykernel)",
        language="python",
        interrupt_mode="message",
        env={},
        metadata={},
    )


class SandboxKernelManager(AsyncKernelManager):
    """IPC transport in the job's run/ folder and an injected provisioner."""

    client_class = DottedObjectName("labs.kernels.SandboxKernelClient")
    client_factory = Type(klass="jupyter_client.asynchronous.AsyncKernelClient")

    def __init__(
        self, *, provisioner_factory: Any, run_dir: Path, **kwargs: Any
    ) -> None:
        super().__init__(
            transport="ipc",
            ip=str(run_dir / "kernel"),
            connection_file=str(run_dir / "kernel.json"),
            kernel_name="python3",
            cache_ports=False,
            **kwargs,
        )
        self.client_factory = SandboxKernelClient
        self._provisioner_factory = provisioner_factory
        self._spec = python_kernel_spec()

    @property
    def kernel_spec(self) -> KernelSpec:
        return self._spec

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        self.kernel_id = self.kernel_id or str(uuid.uuid4())
        if self.provisioner is None:
            self.provisioner = self._provisioner_factory(
                kernel_id=self.kernel_id, kernel_spec=self._spec, parent=self
            )
        return await super()._async_pre_start_kernel(**kw)

    def exit_code(self) -> int | None:
        """How the kernel process ended (128+N: killed by signal N), if it did."""
        getter = getattr(self.provisioner, "exit_code", None)
        return getter() if getter else None

    def lost(self) -> bool:
        """True if the kernel died because our machinery did (not the learner)."""
        return bool(getattr(self.provisioner, "lost", False))

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client polls every 0.1 s after a kill; the fork server tells us
        # the moment the kernel is reaped, which saves ~0.1 s per submission.
        exited = getattr(self.provisioner, "exited", None)
        if exited is None:
            await super()._async_wait(pollinterval)
        else:
            await asyncio.wrap_future(exited)


# --------------------------------------------------------------------------- sources


class KernelSource:
    """Shared policy: uid pool, the grading folder, what a sandbox may see."""

    name = "base"
    exporter_preloaded = False  # is labs.checkrunner already loaded in kernels?

    def __init__(
        self,
        *,
        uid_base: int = 60000,
        uid_count: int = 32,
        visible: list[str] | None = None,
        root: str | Path | None = None,
        require: tuple[str, ...] = (),
    ) -> None:
        # ``require``: protections without which we refuse to run learner code at
        # all (status "error"), e.g. ("user", "netns", "mountns") in production.
        unknown = set(require) - set(sandbox.PROTECTION_NAMES)
        if unknown:
            raise ValueError(f"unknown protections: {sorted(unknown)}")
        self.require = require
        self.uids = sandbox.UidPool(uid_base, uid_count)
        self.visible = (
            visible if visible is not None else sandbox.default_visible_paths()
        )
        self._root = Path(root) if root else None
        self._root_lock = threading.Lock()

    @property
    def root(self) -> Path:
        with self._root_lock:
            if self._root is None or not self._root.exists():
                _sweep_stale_roots()
                prefix = f"{ROOT_PREFIX}{os.getpid()}-"
                self._root = Path(tempfile.mkdtemp(prefix=prefix))
                # Traversable, not listable: job folders hold learner-owned files.
                os.chmod(self._root, 0o711)  # noqa: S103
            return self._root

    async def lease(self, timeout: float = 600) -> sandbox.UidLease:
        deadline = time.monotonic() + timeout
        while (lease := self.uids.try_acquire()) is None:
            if time.monotonic() > deadline:
                raise KernelStartError("Hết uid sandbox rảnh.")
            await asyncio.sleep(0.02)
        return lease

    def checker_uid(self) -> int | None:
        # Checks run as a uid outside the learner pool, distinct from any kernel.
        return self.uids.checker if self.uids.enabled else None

    def kernel_manager(
        self, spec: sandbox.SandboxSpec, run_dir: Path
    ) -> SandboxKernelManager:
        raise NotImplementedError

    async def run_checks(self, job: dict[str, Any], timeout: float) -> int | None:
        raise NotImplementedError

    def close(self) -> None:
        with self._root_lock:
            if self._root is not None:
                sandbox.remove_tree(self._root)
                self._root = None

    def __enter__(self) -> KernelSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _sweep_stale_roots() -> None:
    """Remove grading folders (and tmpfs mounts) of grader processes that died."""
    for folder in Path(tempfile.gettempdir()).glob(f"{ROOT_PREFIX}*-*"):
        owner = folder.name[len(ROOT_PREFIX) :].split("-", 1)[0]
        if owner.isdigit() and not Path(f"/proc/{owner}").exists():
            sandbox.remove_tree(folder)


def _helper_env() -> dict[str, str]:
    """Environment for our own helper processes (launcher, check runner, zygote)."""
    return sandbox.base_env(
        {
            "PYTHONPATH": str(PROJECT_ROOT),
            "PYTHONHASHSEED": str(secrets.randbelow(2**32)),
        }
    )


class FreshKernels(KernelSource):
    """A new interpreter per submission (nbclient's usual way), sandboxed."""

    name = "fresh"

    def kernel_manager(
        self, spec: sandbox.SandboxSpec, run_dir: Path
    ) -> SandboxKernelManager:
        def factory(**kw: Any) -> FreshProvisioner:
            return FreshProvisioner(spec=spec, **kw)

        return SandboxKernelManager(provisioner_factory=factory, run_dir=run_dir)

    async def run_checks(self, job: dict[str, Any], timeout: float) -> int | None:
        job_path = Path(job["output_path"]).with_name("job.json")
        job_path.write_text(json.dumps(job), encoding="utf-8")
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "labs.checkrunner",
            str(job_path),
            env=_helper_env(),
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            return await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            process.kill()
            await process.wait()
            return None


class FreshProvisioner(LocalProvisioner):
    """Runs the kernel command behind ``python -m labs.sandbox`` (then exec)."""

    def __init__(self, *, spec: sandbox.SandboxSpec, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spec = spec

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        _share_connection_file(self.parent, self.spec)
        spec_path = Path(self.spec.jobdir) / "private" / "spec.json"
        spec_path.write_text(json.dumps(self.spec.to_dict()), encoding="utf-8")
        wrapped = [sys.executable, "-m", "labs.sandbox", str(spec_path), "--", *cmd]
        kwargs.update(env=_helper_env(), cwd="/")
        # The kernel's own output goes to the notebook; its console chatter nowhere.
        kwargs.update(stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
        kwargs.update(stderr=subprocess.DEVNULL)
        return await super().launch_kernel(wrapped, **kwargs)

    def exit_code(self) -> int | None:
        return exit_status(self.process.poll() if self.process else self._last_code)

    _last_code: int | None = None

    async def wait(self) -> int | None:
        code = await super().wait()
        self._last_code = code
        return code


def _share_connection_file(km: Any, spec: sandbox.SandboxSpec) -> None:
    # jupyter_client writes it 0600 as us; the kernel runs as the sandbox uid.
    if spec.uid is not None and os.geteuid() == 0:
        os.chown(km.connection_file, spec.uid, spec.gid or spec.uid)


class ForkServerKernels(KernelSource):
    """Kernels forked from a warm zygote; started lazily, restarted if it dies."""

    name = "forkserver"
    exporter_preloaded = True

    def __init__(
        self, *, preload: tuple[str, ...] = ("pandas", "numpy"), **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.zygote = Zygote(preload=preload)

    def start(self) -> None:
        """Start the zygote now (it otherwise starts on first use)."""
        self.zygote.ensure_started()

    def kernel_manager(
        self, spec: sandbox.SandboxSpec, run_dir: Path
    ) -> SandboxKernelManager:
        def factory(**kw: Any) -> ZygoteProvisioner:
            return ZygoteProvisioner(zygote=self.zygote, spec=spec, **kw)

        return SandboxKernelManager(provisioner_factory=factory, run_dir=run_dir)

    async def run_checks(self, job: dict[str, Any], timeout: float) -> int | None:
        child = await self.zygote.spawn("checks", {"job": job})
        try:
            return await asyncio.wait_for(asyncio.wrap_future(child.exited), timeout)
        except TimeoutError:
            self.zygote.kill(child.pid)
            return None

    def close(self) -> None:
        self.zygote.close()
        super().close()


class ZygoteProvisioner(LocalProvisioner):
    """A provisioner whose kernel process is a child of the zygote."""

    def __init__(
        self, *, zygote: Zygote, spec: sandbox.SandboxSpec, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.zygote = zygote
        self.spec = spec
        self.child: _Child | None = None
        self._code: int | None = None

    @property
    def has_process(self) -> bool:
        return self.child is not None

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        _share_connection_file(self.parent, self.spec)
        payload = {
            "spec": self.spec.to_dict(),
            "connection_file": self.parent.connection_file,
        }
        self.child = await self.zygote.spawn("kernel", payload)
        self.pid = self.child.pid
        ready = asyncio.wrap_future(self.child.ready)
        done, _ = await asyncio.wait([ready], timeout=60)
        if not done or ready.exception() is not None:
            await self.kill()
            raise KernelStartError(
                f"Kernel không khởi động được: {self.child.error or ''}"
            )
        return self.connection_info

    @property
    def lost(self) -> bool:
        child = self.child
        return child is not None and child.error == ZYGOTE_LOST

    @property
    def exited(self) -> concurrent.futures.Future[int | None] | None:
        return self.child.exited if self.child is not None else None

    async def poll(self) -> int | None:
        if self.child is None or not self.child.exited.done():
            return None if self.child is not None else 0
        return self.child.exited.result()

    async def wait(self) -> int | None:
        if self.child is None:
            return self._code
        self._code = await asyncio.wrap_future(self.child.exited)
        self.child = None
        return self._code

    def exit_code(self) -> int | None:
        if self.child is not None and self.child.exited.done():
            return self.child.exited.result()
        return self._code

    async def send_signal(self, signum: int) -> None:
        if self.child is not None:
            self.zygote.kill(self.child.pid, signum)

    async def kill(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def terminate(self, restart: bool = False) -> None:
        await self.send_signal(signal.SIGKILL)

    async def cleanup(self, restart: bool = False) -> None:
        return None


# --------------------------------------------------------------------------- zygote client


class _Child:
    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self.exited: concurrent.futures.Future[int | None] = concurrent.futures.Future()
        self.error: str | None = None

    def finish(self, code: int | None) -> None:
        if not self.ready.done():
            self.ready.set_exception(KernelStartError(self.error or "exited"))
        if not self.exited.done():
            self.exited.set_result(code)


class Zygote:
    """The grader's side of the fork server: one socket, one reader thread."""

    def __init__(self, *, preload: tuple[str, ...]) -> None:
        self.preload = preload
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._sock: socket.socket | None = None
        self._pending: dict[int, concurrent.futures.Future[_Child]] = {}
        self._children: dict[int, _Child] = {}
        self._ids = iter(range(1, 2**62))
        self._hello: concurrent.futures.Future[dict[str, Any]] | None = None
        self.restarts = -1

    def ensure_started(self, timeout: float = 120) -> None:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            hello = self._hello
        if hello is None:
            raise KernelStartError("Fork server chưa chạy.")
        hello.result(timeout=timeout)

    def _start(self) -> None:
        self._shutdown_locked()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        self._process = subprocess.Popen(  # noqa: S603 - our own module
            [sys.executable, "-m", "labs.kernels", str(theirs.fileno()), *self.preload],
            pass_fds=(theirs.fileno(),),
            env=_helper_env(),
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # a Ctrl-C in the grader's terminal is not for it
        )
        theirs.close()
        self._sock = ours
        self._hello = concurrent.futures.Future()
        self.restarts += 1
        threading.Thread(
            target=self._read,
            args=(ours, self._hello),
            name="zygote-reader",
            daemon=True,
        ).start()

    def running(self) -> bool:
        hello = self._hello
        return (
            self._process is not None
            and self._process.poll() is None
            and hello is not None
            and hello.done()
            and hello.exception() is None
        )

    async def spawn(self, op: str, payload: dict[str, Any]) -> _Child:
        if not self.running():
            await asyncio.to_thread(self.ensure_started)
        future: concurrent.futures.Future[_Child] = concurrent.futures.Future()
        with self._send_lock:
            request_id = next(self._ids)
            self._pending[request_id] = future
            self._send({"op": op, "id": request_id, **payload})
        return await asyncio.wrap_future(future)

    def kill(self, pid: int, signum: int = signal.SIGKILL) -> None:
        with self._send_lock, contextlib.suppress(OSError):
            self._send({"op": "kill", "pid": pid, "signal": int(signum)})

    def _send(self, message: dict[str, Any]) -> None:
        if self._sock is None:
            raise KernelStartError("Fork server chưa chạy.")
        self._sock.sendall(json.dumps(message).encode() + b"\n")

    def _read(self, sock: socket.socket, hello: concurrent.futures.Future[Any]) -> None:
        with contextlib.suppress(OSError), sock.makefile("rb") as stream:
            for line in stream:
                self._dispatch(json.loads(line), hello)
        self._on_lost(hello)

    def _dispatch(
        self, message: dict[str, Any], hello: concurrent.futures.Future[Any]
    ) -> None:
        event = message.get("event")
        if event == "hello":
            hello.set_result(message)
        elif event is None and "error" in message:
            error = KernelStartError(
                f"Fork server không tạo được tiến trình: {message['error']}"
            )
            self._pending.pop(message["id"]).set_exception(error)
        elif event is None:
            child = self._children[message["pid"]] = _Child(message["pid"])
            self._pending.pop(message["id"]).set_result(child)
        elif (child := self._children.get(message["pid"])) is not None:
            self._child_event(child, event, message)

    def _child_event(self, child: _Child, event: str, message: dict[str, Any]) -> None:
        if event == "ready" and not child.ready.done():
            child.ready.set_result(None)
        elif event == "error":
            child.error = message.get("text")
        elif event == "exit":
            self._children.pop(child.pid, None)
            child.finish(exit_status(message.get("code")))

    def _on_lost(self, hello: concurrent.futures.Future[Any]) -> None:
        # The zygote died: every child died with it (parent-death signals).
        if not hello.done():
            hello.set_exception(KernelStartError("Fork server không khởi động được."))
        for future in list(self._pending.values()):
            if not future.done():
                future.set_exception(KernelStartError("Fork server đã dừng."))
        self._pending.clear()
        for child in list(self._children.values()):
            child.error = ZYGOTE_LOST
            child.finish(None)
        self._children.clear()

    def close(self) -> None:
        with self._lock:
            self._shutdown_locked()

    def _shutdown_locked(self) -> None:
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
            self._sock = None
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


# --------------------------------------------------------------------------- zygote side


def zygote_main(fd: int, preload: list[str]) -> None:
    """Entry point of the fork-server process (``python -m labs.kernels FD ...``)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sock = socket.socket(fileno=fd)
    _preload(preload)
    _ZygoteServer(sock).serve()


def _preload(modules: list[str]) -> None:
    # ipykernel imports debugpy (80 ms, plus Django debug plugins) only to offer a
    # debugger that grading never uses; without it each kernel starts that much faster.
    sys.modules.setdefault("debugpy", None)  # type: ignore[arg-type]
    from ipykernel import kernelapp  # noqa: F401

    from labs import checklib, checkrunner  # noqa: F401

    for name in modules:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    for name in _probe_kernel_imports():
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    _warm_pandas()
    import gc

    # Objects created so far are never collected in children: no copy-on-write faults.
    gc.collect()
    gc.freeze()


def _warm_pandas() -> None:
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        frame = pandas.DataFrame({"a": [1, 2], "b": ["x", "y"]})
        frame._repr_html_()
        repr(frame)


def _probe_kernel_imports() -> list[str]:
    """Modules a kernel imports while it starts: found once in a throwaway child."""
    from jupyter_client.connect import write_connection_file

    folder = tempfile.mkdtemp(prefix="da-zygote-probe-")
    connection_file, _ = write_connection_file(
        os.path.join(folder, "probe.json"),
        transport="ipc",
        ip=os.path.join(folder, "k"),
    )
    read_end, write_end = os.pipe()
    before = set(sys.modules)
    pid = os.fork()
    if pid == 0:
        _probe_child(connection_file, folder, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        names = stream.read().decode().split()
    os.waitpid(pid, 0)
    subprocess.run(["rm", "-rf", folder], check=False)  # noqa: S603, S607
    return [name for name in names if name not in before]


_PROBE_CELLS = (
    "import pandas as pd\npd.DataFrame({'a': [1.5], 'b': ['x']})",
    "{}['missing']",
    "def broken(:",
)


def _probe_child(connection_file: str, folder: str, write_end: int) -> None:
    try:
        _devnull_stdio()
        os.environ.update(HOME=folder, IPYTHONDIR=f"{folder}/.ipython")
        from ipykernel.kernelapp import IPKernelApp

        app = IPKernelApp.instance()
        app.initialize(["-f", connection_file, *KERNEL_ARGS])
        # A display and two tracebacks: their formatting imports a lot, lazily.
        for source in _PROBE_CELLS:
            with contextlib.suppress(Exception):
                app.shell.run_cell(source, store_history=False)
        os.write(write_end, " ".join(sorted(sys.modules)).encode())
    finally:
        os._exit(0)


def _devnull_stdio() -> None:
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)


class _ZygoteServer:
    """Single-threaded: select() over the grader socket, SIGCHLD and child pipes."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.buffer = b""
        self.status_pipes: dict[int, int] = {}  # read fd -> child pid
        self.inner_pids: dict[int, int] = {}  # child pid -> pidfd of the kernel (PID 1)
        self.children: set[int] = set()
        self.wake_r, wake_w = os.pipe()
        os.set_blocking(self.wake_r, False)
        os.set_blocking(wake_w, False)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)

    def serve(self) -> None:
        self._emit({"event": "hello", "pid": os.getpid()})
        while True:
            readable, _, _ = select.select(
                [self.sock, self.wake_r, *self.status_pipes], [], []
            )
            if self.sock in readable and not self._read_requests():
                break
            if self.wake_r in readable:
                self._drain_wakeups()
            for fd in readable:
                if fd in self.status_pipes:
                    self._read_status(fd)
            self._reap()
        self._stop_children()

    def _emit(self, message: dict[str, Any]) -> None:
        self.sock.sendall(json.dumps(message).encode() + b"\n")

    def _read_requests(self) -> bool:
        data = self.sock.recv(1 << 16)
        if not data:
            return False
        self.buffer += data
        while b"\n" in self.buffer:
            line, self.buffer = self.buffer.split(b"\n", 1)
            self._handle(json.loads(line))
        return True

    def _handle(self, request: dict[str, Any]) -> None:
        if request["op"] == "kill":
            self._kill(request["pid"], request.get("signal", signal.SIGKILL))
            return
        read_end, write_end = os.pipe()
        try:
            pid = os.fork()
        except OSError as exc:
            os.close(read_end)
            os.close(write_end)
            self._emit({"id": request["id"], "error": str(exc)})
            return
        if pid == 0:
            _child_main(request, write_end)
        os.close(write_end)
        self.status_pipes[read_end] = pid
        self.children.add(pid)
        self._emit({"id": request["id"], "pid": pid})

    def _read_status(self, fd: int) -> None:
        pid = self.status_pipes[fd]
        data = os.read(fd, 4096)
        if not data:
            del self.status_pipes[fd]
            os.close(fd)
            return
        for line in data.decode(errors="replace").splitlines():
            self._status_line(pid, line)

    def _status_line(self, pid: int, line: str) -> None:
        word, _, rest = line.partition(" ")
        if word == "inner":
            with contextlib.suppress(OSError):
                self.inner_pids[pid] = os.pidfd_open(int(rest))
        elif word == "ready":
            self._emit({"event": "ready", "pid": pid})
        elif word == "error":
            self._emit({"event": "error", "pid": pid, "text": rest})

    def _kill(self, pid: int, signum: int) -> None:
        if pid not in self.children:
            return  # already reaped: never signal a pid that may have been reused
        pidfd = self.inner_pids.get(pid)
        with contextlib.suppress(OSError):
            if pidfd is not None:
                # The kernel is PID 1 of its namespace: killing it kills them all.
                signal.pidfd_send_signal(pidfd, signum)
            else:
                os.killpg(pid, signum)

    def _drain_wakeups(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while os.read(self.wake_r, 512):
                pass

    def _reap(self) -> None:
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self._reaped(pid, os.waitstatus_to_exitcode(status))

    def _reaped(self, pid: int, code: int) -> None:
        self.children.discard(pid)
        pidfd = self.inner_pids.pop(pid, None)
        if pidfd is not None:
            os.close(pidfd)
        for fd, owner in list(self.status_pipes.items()):
            if owner == pid:
                self._read_status(fd)  # flush a last "error" line, then close
                if fd in self.status_pipes:
                    del self.status_pipes[fd]
                    os.close(fd)
        self._emit({"event": "exit", "pid": pid, "code": code})

    def _stop_children(self) -> None:
        for pid in list(self.children):
            self._kill(pid, signal.SIGKILL)
        for _ in self.children:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(-1, 0)


def _child_main(request: dict[str, Any], status_fd: int) -> None:
    """In a freshly forked zygote child: never returns."""
    code = 70
    try:
        _reset_after_fork(keep=status_fd)
        if request["op"] == "kernel":
            _run_kernel(request, status_fd)
        else:
            from labs import checkrunner

            code = checkrunner.child_main(request["job"], forked=True)
    except BaseException as exc:  # noqa: BLE001 - report, then always _exit
        with contextlib.suppress(OSError):
            text = (
                "".join(traceback.format_exception_only(exc)).strip().replace("\n", " ")
            )
            os.write(status_fd, f"error {text[:500]}\n".encode())
    finally:
        os._exit(code)


def _reset_after_fork(keep: int) -> None:
    signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    # The grader socket must never reach learner code: it can ask for forks as root.
    os.closerange(3, keep)
    os.closerange(keep + 1, 65536)
    _devnull_stdio()


def _run_kernel(request: dict[str, Any], status_fd: int) -> None:
    spec = sandbox.SandboxSpec.from_dict(request["spec"])
    sandbox.enter(spec, status_fd=status_fd, parent_death=True)
    os.environ.clear()
    os.environ.update(spec.env)
    _reseed()
    connection_file = request["connection_file"]
    sys.argv = ["ipykernel_launcher", "-f", connection_file]
    from ipykernel.kernelapp import IPKernelApp

    app = IPKernelApp.instance()
    app.initialize(["-f", connection_file, *KERNEL_ARGS])
    os.write(status_fd, b"ready\n")
    os.close(status_fd)
    app.start()


def _reseed() -> None:
    # random reseeds itself at fork; numpy's legacy global generator does not.
    numpy_random = sys.modules.get("numpy.random")
    if numpy_random is not None:
        numpy_random.seed()
    tempfile.tempdir = None


if __name__ == "__main__":
    zygote_main(int(sys.argv[1]), sys.argv[2:])
