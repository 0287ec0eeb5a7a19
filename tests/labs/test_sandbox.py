"""The sandbox around learner kernels, tested from inside real kernels.

Most tests need root (a separate uid, namespaces, tmpfs); without it the engine
degrades and reports False protections, which one test checks instead.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from labs import sandbox
from labs.bundle import load_bundle
from labs.grading import GradeResult, grade_notebook
from labs.kernels import ForkServerKernels, FreshKernels

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
TINY = FIXTURES / "labs" / "tiny"
SECRETS = {
    "DATABASE_URL": "postgres://lms:s3cret-db@db/lms",
    "SECRET_KEY": "k-77-secret",
}
ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="the full sandbox needs root")


@pytest.fixture(scope="module")
def kernels() -> Iterator[ForkServerKernels]:
    # Secrets are in the grader's environment *before* the fork server starts.
    saved = {key: os.environ.get(key) for key in SECRETS}
    os.environ.update(SECRETS)
    try:
        with ForkServerKernels() as source:
            source.start()
            yield source
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(TINY)


def grade(name: str, bundle, kernels) -> GradeResult:
    return grade_notebook(NOTEBOOKS / f"{name}.ipynb", bundle, kernels=kernels)


def run_code(source: str, bundle, kernels) -> str:
    """Run one cell in a sandboxed kernel; return everything it printed."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
    result = grade_notebook(notebook, bundle, kernels=kernels)
    return "".join(o.get("text", "") for o in result.notebook.cells[0].outputs)


def printed(result: GradeResult) -> str:
    return "".join(
        output.get("text", "")
        for cell in result.notebook.cells
        for output in cell.get("outputs", [])
    )


# --------------------------------------------------------------------------- protections


@needs_root
def test_every_protection_is_active_as_root(bundle, kernels):
    result = grade("all-correct", bundle, kernels)

    assert result.protections == dict.fromkeys(sandbox.PROTECTION_NAMES, True)


@needs_root
def test_fresh_kernels_get_the_same_sandbox(bundle):
    with FreshKernels() as fresh:
        output = run_code(
            "import os\nprint(os.getuid(), sorted(os.listdir('.')))", bundle, fresh
        )

    uid, listing = output.split(" ", 1)
    assert 60000 <= int(uid) < 60032
    assert listing.strip() == "['data']"


@needs_root
def test_the_kernel_runs_as_a_pool_uid_without_privileges(bundle, kernels):
    output = run_code(
        "import os\n"
        "print(os.getuid(), os.getgid(), os.getgroups())\n"
        "print(open('/proc/self/status').read())",
        bundle,
        kernels,
    )

    uid, gid, groups = output.splitlines()[0].split(" ", 2)
    assert 60000 <= int(uid) < 60032 and gid == uid and groups == "[]"
    assert "NoNewPrivs:\t1" in output
    assert "CapEff:\t0000000000000000" in output


@needs_root
def test_the_working_folder_holds_only_the_lab_data(bundle, kernels):
    output = run_code(
        "import os, stat\n"
        "print(sorted(os.path.relpath(os.path.join(r, f)) for r, _, fs in os.walk('.') for f in fs))\n"
        "print(oct(stat.S_IMODE(os.stat('.').st_mode)))",
        bundle,
        kernels,
    )

    assert output.splitlines() == ["['data/officers.csv']", "0o700"]


@needs_root
def test_the_kernel_sees_no_secrets(bundle, kernels):
    result = grade("reads-env", bundle, kernels)

    text = json.dumps(result.to_dict(include_notebook=True), ensure_ascii=False)
    assert result.score == 5
    for value in SECRETS.values():
        assert value not in text
    assert "DATABASE_URL" not in text and "SECRET_KEY" not in text
    assert "DENIED /proc/1/environ" in printed(result)


@needs_root
def test_postgres_and_redis_ports_are_unreachable(bundle, kernels):
    listeners = [_listen(port) for port in (5432, 6379)]  # a real service or ours
    try:
        result = grade("socket-postgres-redis", bundle, kernels)
    finally:
        for listener in listeners:
            if listener is not None:
                listener.close()

    lines = printed(result).splitlines()
    assert f"BLOCKED 5432 errno={errno.ENETUNREACH}" in lines
    assert f"BLOCKED 6379 errno={errno.ENETUNREACH}" in lines


def _listen(port: int) -> socket.socket | None:
    listener = socket.socket()
    try:
        listener.bind(("127.0.0.1", port))
    except OSError:
        listener.close()
        return None  # already served by a real PostgreSQL/Redis: even better
    listener.listen()
    return listener


@needs_root
def test_checks_and_solutions_cannot_be_read(bundle, kernels):
    result = grade("reads-checks", bundle, kernels)

    text = printed(result)
    assert result.score == 0
    assert "FOUND" not in text
    assert "TINY-CHECKS-MARKER" not in json.dumps(result.to_dict(include_notebook=True))
    assert (
        "DENIED /work/main/tests/fixtures/labs/tiny/checks.py FileNotFoundError" in text
    )


@needs_root
def test_the_filesystem_outside_the_job_is_read_only(bundle, kernels):
    output = run_code(
        "import os, sys\n"
        "for path in ('/etc/x', '/usr/x', sys.prefix + '/x', '/x'):\n"
        "    try:\n"
        "        open(path, 'w')\n"
        "        print('WROTE', path)\n"
        "    except OSError as exc:\n"
        "        print('NO', exc.errno)\n"
        "print(os.path.exists('/work/main/manage.py'), os.listdir('/root'))",
        bundle,
        kernels,
    )

    assert "WROTE" not in output
    # /root only holds the path down to the Python install (pyenv here), if at all.
    assert output.splitlines()[-1] in ("False ['.pyenv']", "False []")


@needs_root
def test_checks_run_in_another_process_as_another_uid(tmp_path, kernels):
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    (folder / "checks.py").write_text(
        "import os\n"
        "from labs.checklib import CheckFailed\n\n"
        "def _who(r):\n"
        "    raise CheckFailed(f'{os.getuid()} {os.getpid()}')\n\n"
        "check_dupes = _who\ncheck_clean_names = _who\ncheck_unit_counts = _who\n"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os\nprint(os.getuid())")]
    )

    result = grade_notebook(notebook, load_bundle(folder), kernels=kernels)

    kernel_uid = int(printed(result))
    checker_uid, checker_pid = (int(v) for v in result.checks[0].message.split())
    assert checker_uid == kernels.checker_uid() != kernel_uid
    assert checker_pid not in (os.getpid(), kernels.zygote._process.pid)


def test_a_missing_required_protection_refuses_to_run_learner_code(bundle):
    with ForkServerKernels(require=("user",)) as strict:
        strict.uids.enabled = False  # as on a grader that is not root

        result = grade("all-correct", bundle, strict)

    assert (result.status, result.score) == ("error", 0)
    assert result.error == "Lỗi hệ thống khi chấm: Sandbox thiếu bảo vệ bắt buộc: user"
    assert all(not cell.get("outputs") for cell in result.notebook.cells)


# --------------------------------------------------------------------------- state


def test_nothing_leaks_into_the_next_submission(bundle, kernels):
    alone = grade("all-correct", bundle, kernels)

    leaky = grade("leaves-state", bundle, kernels)
    probe = grade("state-probe", bundle, kernels)
    after = grade("all-correct", bundle, kernels)

    assert "WROTE /tmp/leak.txt" in printed(leaky)
    assert "LEAKS []" in printed(probe)
    assert probe.score == 5
    assert [(c.passed, c.message) for c in after.checks] == [
        (c.passed, c.message) for c in alone.checks
    ]


@needs_root
def test_no_learner_process_outlives_its_submission(bundle, kernels):
    grade("fork-bomb", bundle, kernels)
    grade("leaves-state", bundle, kernels)  # also starts a background `sleep 60`

    # Every sandbox process descends from the fork server (other graders on this
    # host share the uid pool, so uids alone would not tell us which are ours).
    assert _descendants(kernels.zygote._process.pid) == []


def _descendants(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            found += [int(child), *_descendants(int(child))]
    return found


def test_the_fork_server_stays_single_threaded(bundle, kernels):
    grade("all-correct", bundle, kernels)

    # A zmq context or any thread in the zygote would be inherited half-alive by
    # every forked kernel; it must only ever have its main thread.
    assert len(list(Path(f"/proc/{kernels.zygote._process.pid}/task").iterdir())) == 1


def test_the_fork_server_is_restarted_after_it_dies(bundle, kernels):
    grade("all-correct", bundle, kernels)
    before = kernels.zygote.restarts
    os.kill(kernels.zygote._process.pid, 9)  # our own child
    kernels.zygote._process.wait()

    result = grade("all-correct", bundle, kernels)

    assert result.score == 5
    assert kernels.zygote.restarts == before + 1


# --------------------------------------------------------------------------- helpers


def test_uid_leases_are_exclusive_until_released():
    pool = sandbox.UidPool(base=61000, size=2)
    if not pool.enabled:
        assert pool.try_acquire().uid is None
        return

    first, second = pool.try_acquire(), pool.try_acquire()
    assert {first.uid, second.uid} == set(pool.uids)
    assert pool.try_acquire() is None
    first.release()
    assert pool.try_acquire().uid == first.uid


def test_reading_results_never_follows_a_symlink(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hidden")
    (tmp_path / "link.json").symlink_to(secret)
    (tmp_path / "big.json").write_bytes(b"x" * 100)

    assert sandbox.read_regular_file(tmp_path / "link.json", 1000) is None
    assert sandbox.read_regular_file(tmp_path / "big.json", 10) is None
    assert sandbox.read_regular_file(tmp_path / "secret.txt", 1000) == b"hidden"


@needs_root
def test_a_workspace_is_a_quota_limited_tmpfs_removed_afterwards(tmp_path):
    workspace = sandbox.Workspace(tmp_path / "job", uid=60031, disk_mb=4)
    workspace.create()
    try:
        assert workspace.quota
        assert workspace.work.stat().st_uid == 60031
        with (
            pytest.raises(OSError) as raised,
            open(workspace.work / "x", "wb") as handle,
        ):
            handle.write(b"0" * 8 * 1024 * 1024)
        assert raised.value.errno == errno.ENOSPC
    finally:
        workspace.destroy()
    assert not workspace.path.exists()


def test_without_usable_uids_protections_degrade_and_say_so():
    # As root of a user namespace (a rootless container) other uids do not exist.
    script = (
        "import json\n"
        "from labs.grading import grade_notebook\n"
        "from labs.kernels import ForkServerKernels\n"
        "with ForkServerKernels() as kernels:\n"
        f"    result = grade_notebook({str(NOTEBOOKS / 'all-correct.ipynb')!r}, "
        f"{str(TINY)!r}, kernels=kernels)\n"
        "print(json.dumps([result.score, result.protections]))\n"
    )
    command = ["unshare", "--user", "--map-root-user", sys.executable, "-c", script]
    env = {**os.environ, "PYTHONPATH": str(FIXTURES.parent.parent)}
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, env=env)
    if done.returncode != 0 and "unshare failed" in done.stderr:
        pytest.skip("user namespaces are not allowed here")

    score, protections = json.loads(done.stdout.splitlines()[-1])
    assert score == 5
    assert protections["user"] is False
    assert protections["env_scrubbed"] is True


def test_a_slow_grading_start_waits_for_a_free_uid(bundle, kernels):
    # Every uid but one is taken by "other graders": grading still works, queued.
    taken = []
    while (lease := kernels.uids.try_acquire()) is not None and lease.uid is not None:
        taken.append(lease)
    if taken:
        taken.pop().release()
    started = time.monotonic()
    try:
        result = grade("all-correct", bundle, kernels)
    finally:
        for lease in taken:
            lease.release()
    assert result.score == 5
    assert time.monotonic() - started < 30
