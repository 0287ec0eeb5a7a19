"""The kernel sandbox: Linux namespaces, a separate uid, rlimits, a clean environment.

``enter()`` is called in a freshly forked, single-threaded process (a fork-server
child, or the ``python -m labs.sandbox`` launcher used by fresh kernels). As root it:

1. unshares network (so 127.0.0.1:5432/6379 are unreachable), mount, IPC and PID
   namespaces, and forks once more so the kernel is PID 1 of its namespace: killing
   it kills every process the learner started (fork bombs included);
2. builds a private root holding only the OS, the Python install and the job folder
   (so the repository, checks.py, solution.ipynb, other bundles and HOME of the
   grader simply do not exist for the learner), with /tmp, /var/tmp and /dev/shm
   pointing at the job's own quota-limited folder, everything else read-only;
3. applies rlimits, drops to the job's numeric uid/gid and sets no_new_privs.

Every step degrades: whatever the OS refuses is reported as False in the protections
the grader returns, never silently claimed.
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import pwd
import resource
import select
import shutil
import signal
import socket
import stat
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NoReturn

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000
MNT_DETACH = 0x2
MOUNT_ATTR_RDONLY = 0x1
MOUNT_ATTR_NOSUID = 0x2
AT_FDCWD = -100
AT_RECURSIVE = 0x8000
SYS_MOUNT_SETATTR = 442  # same number on every architecture (added in Linux 5.12)
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

# Replaced inside the sandbox by the job's own quota-limited folder.
PRIVATE_TMP_DIRS = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108

PROTECTION_NAMES = (
    "user",
    "rlimits",
    "netns",
    "pidns",
    "mountns",
    "readonly_root",
    "env_scrubbed",
    "private_workdir",
    "disk_quota",
    "no_new_privs",
)

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p] * 3 + [ctypes.c_ulong, ctypes.c_char_p]
_libc.syscall.restype = ctypes.c_long


class _MountAttr(ctypes.Structure):
    _fields_ = [
        ("attr_set", ctypes.c_uint64),
        ("attr_clr", ctypes.c_uint64),
        ("propagation", ctypes.c_uint64),
        ("userns_fd", ctypes.c_uint64),
    ]


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{what}: {os.strerror(code)}")


def _unshare(flags: int) -> bool:
    return _libc.unshare(flags) == 0


def _mount(
    source: str | None,
    target: str,
    fstype: str | None,
    flags: int,
    data: str | None = None,
) -> None:
    def enc(value: str | None) -> bytes | None:
        return value.encode() if value is not None else None

    data_bytes = enc(data)
    result = _libc.mount(enc(source), enc(target), enc(fstype), flags, data_bytes)
    _check(result, f"mount {target}")


def _bind(source: str, target: str, *, recursive: bool = False) -> None:
    _mount(source, target, None, MS_BIND | (MS_REC if recursive else 0))


def _set_mount_attr(
    path: str, *, set_: int = 0, clear: int = 0, recursive: bool
) -> None:
    attr = _MountAttr(set_, clear, 0, 0)
    flags = AT_RECURSIVE if recursive else 0
    result = _libc.syscall(
        SYS_MOUNT_SETATTR, AT_FDCWD, path.encode(), flags, ctypes.byref(attr), 32
    )
    _check(int(result), f"mount_setattr {path}")


def _prctl(option: int, value: int) -> bool:
    return _libc.prctl(option, value, 0, 0, 0) == 0


def mount_tmpfs(path: str, *, size_mb: int, mode: int = 0o711) -> bool:
    """Mount a size-limited tmpfs on ``path`` (root only). False if refused."""
    try:
        data = f"size={size_mb}m,nr_inodes=20000,mode={mode:o}"
        _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, data)
    except OSError:
        return False
    return True


def unmount(path: str) -> None:
    _libc.umount2(path.encode(), MNT_DETACH)


# --------------------------------------------------------------------------- small steps


def isolate_network() -> bool:
    """Move this process into a new, empty network namespace (only lo, down)."""
    if os.geteuid() == 0:
        return _unshare(CLONE_NEWNET)
    return _unshare_user_network()


def _unshare_user_network() -> bool:
    # Without root an unprivileged user namespace still gives a private network
    # namespace; map our own uid only, so no capability is gained anywhere.
    uid, gid = os.getuid(), os.getgid()
    if not _unshare(CLONE_NEWUSER | CLONE_NEWNET):
        return False
    try:
        Path("/proc/self/setgroups").write_text("deny")
        Path("/proc/self/uid_map").write_text(f"{uid} {uid} 1")
        Path("/proc/self/gid_map").write_text(f"{gid} {gid} 1")
    except OSError:
        return True  # the network namespace exists even if the maps failed
    return True


def set_limits(
    *,
    memory_mb: int | None = None,
    cpu_seconds: int | None = None,
    processes: int | None = None,
    file_size_mb: int | None = None,
    open_files: int | None = None,
) -> bool:
    """Apply rlimits to this process (and what it forks). True if all applied."""
    mib = 1024 * 1024
    wanted = [
        (resource.RLIMIT_AS, memory_mb * mib if memory_mb else None),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_NPROC, processes),
        (resource.RLIMIT_FSIZE, file_size_mb * mib if file_size_mb else None),
        (resource.RLIMIT_NOFILE, open_files),
        (resource.RLIMIT_CORE, 0),
    ]
    ok = True
    for which, value in wanted:
        if value is None:
            continue
        # CPU: a soft limit sends SIGXCPU (kills), the hard one SIGKILL a second later.
        hard = value + 1 if which == resource.RLIMIT_CPU else value
        try:
            resource.setrlimit(which, (value, hard))
        except (ValueError, OSError):
            ok = False
    return ok


def drop_privileges(uid: int | None, gid: int | None) -> bool:
    """Become ``uid``/``gid`` with no supplementary groups (root only)."""
    if uid is None or os.geteuid() != 0:
        return False
    group = uid if gid is None else gid
    os.setgroups([])
    os.setresgid(group, group, group)
    os.setresuid(uid, uid, uid)
    return True


def read_regular_file(path: str | Path, max_bytes: int) -> bytes | None:
    """Bytes of a regular file, never following a symlink; None if absent/too big."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as handle:
        info = os.fstat(handle.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > max_bytes:
            return None
        return handle.read(max_bytes + 1)[:max_bytes]


# --------------------------------------------------------------------------- spec


@dataclass
class SandboxSpec:
    """Everything a child needs to enter the sandbox (JSON-serialisable)."""

    jobdir: str
    workdir: str
    env: dict[str, str]
    uid: int | None = None
    gid: int | None = None
    memory_mb: int = 1024
    cpu_seconds: int = 120
    processes: int = 64
    file_size_mb: int = 64
    open_files: int = 256
    visible: list[str] = field(default_factory=list)
    isolate: bool = True
    pidns: bool = True  # off for the trusted check runner: saves a fork
    quota: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SandboxSpec:
        return cls(**data)

    @property
    def report_path(self) -> str:
        return os.path.join(self.jobdir, "private", "report.json")


def default_visible_paths() -> list[str]:
    """The OS and this Python install: all a kernel needs to run."""
    paths = ["/usr", "/etc", "/dev", "/sys"]
    for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}:
        paths.append(os.path.realpath(prefix))
        paths.append(os.path.abspath(prefix))
    return _outermost(paths)


def _outermost(paths: Iterable[str]) -> list[str]:
    unique = sorted({os.path.normpath(p) for p in paths if os.path.exists(p)})
    kept: list[str] = []
    for path in unique:
        if not any(path == k or path.startswith(k.rstrip("/") + "/") for k in kept):
            kept.append(path)
    return kept


# --------------------------------------------------------------------------- enter


def enter(
    spec: SandboxSpec, *, status_fd: int | None, parent_death: bool
) -> dict[str, bool]:
    """Sandbox the calling process; return (in the kernel process) what is active.

    When a PID namespace is available this forks: the caller becomes a waiter that
    never returns (it exits with the kernel's status) and the child continues.
    """
    if os.getsid(0) != os.getpid():  # Popen(start_new_session=True) already did it
        os.setsid()
    if parent_death:
        # This process must not outlive the fork server that forked it.
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    protections = dict.fromkeys(PROTECTION_NAMES, False)
    protections["env_scrubbed"] = True  # callers always pass a from-scratch env
    root = spec.isolate and os.geteuid() == 0
    protections["netns"] = isolate_network() if spec.isolate else False
    if root:
        protections["mountns"] = _unshare(CLONE_NEWNS)
        _unshare(CLONE_NEWIPC | CLONE_NEWUTS)
        protections["pidns"] = spec.pidns and _unshare(CLONE_NEWPID)
    alive_fd = None
    if protections["pidns"]:
        alive_fd = _split_waiter(status_fd)
    if protections["mountns"]:
        protections.update(_private_root(spec, pidns=protections["pidns"]))
    protections["disk_quota"] = spec.quota
    protections["private_workdir"] = _private_workdir(spec)
    protections["rlimits"] = set_limits(
        memory_mb=spec.memory_mb,
        cpu_seconds=spec.cpu_seconds,
        processes=spec.processes,
        file_size_mb=spec.file_size_mb,
        open_files=spec.open_files,
    )
    protections["user"] = spec.uid is not None and os.geteuid() == 0
    protections["no_new_privs"] = True
    _write_report(spec.report_path, protections)
    _become_learner(spec, alive_fd)
    return protections


def _become_learner(spec: SandboxSpec, alive_fd: int | None) -> None:
    drop_privileges(spec.uid, spec.gid)
    if not _prctl(PR_SET_NO_NEW_PRIVS, 1):
        os._exit(70)  # no setuid binary may ever give privileges back
    if alive_fd is not None:
        # The waiter's death must take the kernel (and its namespace) with it.
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        if select.select([alive_fd], [], [], 0)[0]:
            os._exit(70)
        os.close(alive_fd)
    os.chdir(spec.workdir)
    os.umask(0o077)


def _split_waiter(status_fd: int | None) -> int:
    """Fork; the parent waits for the kernel and exits with its status."""
    alive_r, alive_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(alive_w)
        return alive_r
    os.close(alive_r)
    if status_fd is not None:
        os.write(status_fd, f"inner {pid}\n".encode())
        os.close(status_fd)
    _wait_and_exit(pid)


def _wait_and_exit(pid: int) -> NoReturn:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    code = 70
    try:
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        code = 128 - code if code < 0 else code
    finally:
        os._exit(code)


def _private_root(spec: SandboxSpec, *, pidns: bool) -> dict[str, bool]:
    """chroot into a tmpfs holding only the visible paths and the job folder."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    new_root = os.path.join(spec.jobdir, "private", "root")
    _mount("tmpfs", new_root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    for path in spec.visible:
        _expose(new_root, path)
    _expose_links(new_root)
    learner_tmp = os.path.join(spec.jobdir, "tmp")
    for tmp in PRIVATE_TMP_DIRS:
        _expose_dir(new_root, tmp, source=learner_tmp)
    # A checkout (and its venv) may itself live under /tmp, e.g. a CI clone: the
    # private /tmp above hid it, so bind it again on top (it stays read-only: only
    # the tmp mounts themselves are made writable below).
    for path in spec.visible:
        if any(path == tmp or path.startswith(tmp + "/") for tmp in PRIVATE_TMP_DIRS):
            _expose(new_root, path)
    # After the /tmp binds: if the job folder lives under /tmp, its path is recreated
    # inside the learner's own tmp and bound there, so every path stays the same.
    _expose_dir(new_root, spec.jobdir, recursive=False)
    _mount_proc(new_root, pidns)
    os.chroot(new_root)
    os.chdir("/")
    return {"readonly_root": _make_readonly([*PRIVATE_TMP_DIRS, spec.jobdir])}


def _expose(new_root: str, path: str) -> None:
    if os.path.isdir(path):
        _expose_dir(new_root, path, recursive=True)
    elif os.path.isfile(path):
        target = new_root + path
        os.makedirs(os.path.dirname(target), mode=0o755, exist_ok=True)
        Path(target).touch(mode=0o644)
        _bind(path, target)


def _expose_dir(
    new_root: str, path: str, *, source: str | None = None, recursive: bool = False
) -> None:
    target = new_root + path
    os.makedirs(target, mode=0o755, exist_ok=True)
    _bind(source or path, target, recursive=recursive)


def _expose_links(new_root: str) -> None:
    # Merged-/usr systems have /bin, /lib, /lib64 as symlinks into /usr.
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = "/" + name
        if os.path.islink(path):
            os.symlink(os.readlink(path), new_root + path)
        elif os.path.isdir(path):
            _expose_dir(new_root, path, recursive=True)


def _mount_proc(new_root: str, pidns: bool) -> None:
    target = new_root + "/proc"
    os.makedirs(target, mode=0o555, exist_ok=True)
    if pidns:
        # A fresh procfs of the new PID namespace: only the learner's own processes.
        _mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    else:
        _bind("/proc", target, recursive=True)


def _make_readonly(writable: list[str]) -> bool:
    try:
        _set_mount_attr("/", set_=MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID, recursive=True)
        for path in writable:
            _set_mount_attr(path, clear=MOUNT_ATTR_RDONLY, recursive=False)
    except OSError:
        return False
    return True


def _private_workdir(spec: SandboxSpec) -> bool:
    info = os.stat(spec.workdir)
    owner_ok = spec.uid is None or info.st_uid == spec.uid
    return owner_ok and stat.S_IMODE(info.st_mode) == 0o700


def _write_report(path: str, protections: dict[str, bool]) -> None:
    # Written as root before dropping privileges, in a folder the learner can't open.
    try:
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(protections, handle)
    except OSError:
        pass


def read_report(jobdir: str | Path) -> dict[str, bool]:
    data = read_regular_file(Path(jobdir) / "private" / "report.json", 4096)
    try:
        report = json.loads(data) if data else {}
    except ValueError:
        report = {}
    return {name: bool(report.get(name, False)) for name in PROTECTION_NAMES}


# --------------------------------------------------------------------------- job folder


class Workspace:
    """One submission's folder: work/ (cwd), home/, run/ (sockets, results), tmp/,
    and private/ (root only). A size-limited tmpfs when running as root."""

    def __init__(self, path: Path, *, uid: int | None, disk_mb: int) -> None:
        self.path = path
        self.uid = uid
        self.disk_mb = disk_mb
        self.quota = False

    work = property(lambda self: self.path / "work")
    home = property(lambda self: self.path / "home")
    run = property(lambda self: self.path / "run")
    tmp = property(lambda self: self.path / "tmp")
    private = property(lambda self: self.path / "private")

    def create(self) -> None:
        self.path.mkdir(mode=0o711)
        if os.geteuid() == 0:
            self.quota = mount_tmpfs(str(self.path), size_mb=self.disk_mb)
        for folder in (self.work, self.home, self.run, self.tmp):
            folder.mkdir(mode=0o700)
            self._own(folder)
        self.private.mkdir(mode=0o700)
        (self.private / "root").mkdir(mode=0o700)

    def add_files(self, files: Iterable[tuple[str, Path]]) -> None:
        """Copy (relative path, source) pairs into work/, owned by the learner."""
        for rel, source in files:
            target = self.work / rel
            for parent in reversed(target.relative_to(self.work).parents[:-1]):
                folder = self.work / parent
                if not folder.exists():
                    folder.mkdir(mode=0o700)
                    self._own(folder)
            shutil.copyfile(source, target)
            os.chmod(target, 0o600)
            self._own(target)

    def own(self, path: Path) -> None:
        self._own(path)

    def _own(self, path: Path) -> None:
        if self.uid is not None and os.geteuid() == 0:
            os.chown(path, self.uid, self.uid, follow_symlinks=False)

    def destroy(self) -> None:
        if self.quota:
            unmount(str(self.path))
        shutil.rmtree(self.path, ignore_errors=True)


def remove_tree(path: Path) -> None:
    """rm -rf that first detaches any job tmpfs still mounted below ``path``."""
    prefix = str(path).rstrip("/") + "/"
    with open("/proc/self/mounts", encoding="utf-8") as mounts:
        targets = [line.split()[1] for line in mounts]
    for target in sorted(targets, reverse=True):
        if target.startswith(prefix):
            unmount(target)
    shutil.rmtree(path, ignore_errors=True)


class UidLease:
    def __init__(self, uid: int | None, lock: socket.socket | None) -> None:
        self.uid = uid
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


class UidPool:
    """Numeric uids for concurrent sandboxes, one each (RLIMIT_NPROC is per uid).

    A lease is an abstract unix socket bound to a name derived from the uid: the
    kernel makes the bind atomic across every grader process on the host and drops it
    when the holder dies, so no lock files can go stale.
    """

    def __init__(self, base: int = 60000, size: int = 32) -> None:
        self.uids = [uid for uid in range(base, base + size) if not _uid_exists(uid)]
        self.enabled = bool(self.uids) and _uid_usable(self.uids[0])
        # The check runner's uid: just below the pool, never a real account.
        below = range(base - 1, max(base - 1000, 1000), -1)
        self.checker = next((uid for uid in below if not _uid_exists(uid)), None)

    def try_acquire(self) -> UidLease | None:
        if not self.enabled:
            return UidLease(None, None)
        for uid in self.uids:
            lock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                lock.bind(f"\0data-academy-sandbox-uid-{uid}")
            except OSError as exc:
                lock.close()
                if exc.errno != errno.EADDRINUSE:
                    raise
                continue
            return UidLease(uid, lock)
        return None


def _uid_usable(uid: int) -> bool:
    """Can we hand files to ``uid``? Not without root, nor as root of a user
    namespace (a rootless container) where other uids are not mapped."""
    if os.geteuid() != 0:
        return False
    with tempfile.NamedTemporaryFile() as probe:
        try:
            os.chown(probe.name, uid, uid)
        except OSError:
            return False
    return True


def _uid_exists(uid: int) -> bool:
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


# --------------------------------------------------------------------------- env


def base_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A from-scratch environment: nothing is inherited (no DATABASE_URL, tokens)."""
    env = {
        "PATH": f"{os.path.dirname(sys.executable)}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        # One BLAS/OpenMP thread: fork safety in the zygote, fairness on 2 cores.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        # Few malloc arenas keep virtual size (RLIMIT_AS) close to real use.
        "MALLOC_ARENA_MAX": "2",
        "MPLBACKEND": "Agg",
        "JUPYTER_PLATFORM_DIRS": "1",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    env.update(extra or {})
    return env


def kernel_env(workspace: Workspace, *, hash_seed: int) -> dict[str, str]:
    home = str(workspace.home)
    return base_env(
        {
            "HOME": home,
            "USER": "hocvien",
            "LOGNAME": "hocvien",
            "TMPDIR": str(workspace.tmp),
            "IPYTHONDIR": f"{home}/.ipython",
            "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
            "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib",
            "PYTHONHASHSEED": str(hash_seed),
        }
    )


# --------------------------------------------------------------------------- launcher


def launcher_main(argv: list[str]) -> NoReturn:
    """``python -m labs.sandbox SPEC.json -- KERNEL ARGV...``: sandbox, then exec."""
    split = argv.index("--")
    with open(argv[split - 1], encoding="utf-8") as handle:
        spec = SandboxSpec.from_dict(json.load(handle))
    command = argv[split + 1 :]
    enter(spec, status_fd=None, parent_death=False)
    try:
        os.execve(command[0], command, spec.env)  # noqa: S606 - the kernel command
    finally:
        os._exit(70)


if __name__ == "__main__":
    launcher_main(sys.argv)
