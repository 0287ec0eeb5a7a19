"""Load and validate a lab bundle folder (pure: no Django, no kernels).

A bundle is a folder holding ``manifest.json``, ``starter.ipynb``, ``solution.ipynb``
(hidden), ``checks.py`` (hidden) and the lab's data files. Only the files listed in
``manifest["data"]`` ever reach a learner's sandbox.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

RESULT_KINDS = ("dataframe", "series", "scalar", "json")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


class BundleInvalid(ValueError):
    """The folder is not a usable bundle; the message says what to fix."""


@dataclass(frozen=True)
class Limits:
    """Per-lab resource limits. Seconds, MiB and counts."""

    cell_timeout: float = 30
    notebook_timeout: float = 120
    memory_mb: int = 1024
    processes: int = 64
    file_size_mb: int = 64
    disk_mb: int = 256
    open_files: int = 256
    check_timeout: float = 20


@dataclass(frozen=True)
class CheckSpec:
    name: str
    title: str
    points: float
    hint: str = ""


@dataclass(frozen=True)
class Bundle:
    path: Path
    slug: str
    title: str
    version: int
    results: dict[str, str]
    checks: tuple[CheckSpec, ...]
    limits: Limits
    data: tuple[str, ...]
    manifest: dict[str, Any] = field(repr=False, compare=False)

    @property
    def max_score(self) -> float:
        return sum(check.points for check in self.checks)

    @property
    def checks_path(self) -> Path:
        return self.path / "checks.py"

    @property
    def starter_path(self) -> Path:
        return self.path / "starter.ipynb"

    @property
    def solution_path(self) -> Path:
        return self.path / "solution.ipynb"

    def data_files(self) -> list[tuple[str, Path]]:
        """(relative path inside the sandbox, absolute source path) per data file."""
        return [(rel, self.path / rel) for rel in self.data]


def load_bundle(path: str | Path) -> Bundle:
    """Read and validate ``path``; raise BundleInvalid with a reason when broken."""
    folder = Path(path).resolve()
    manifest = _read_manifest(folder)
    for name in ("starter.ipynb", "solution.ipynb", "checks.py"):
        if not (folder / name).is_file():
            raise BundleInvalid(f"Thiếu tệp {name} trong gói bài thực hành.")
    checks = _checks(manifest.get("checks"))
    _require_check_functions(folder / "checks.py", checks)
    return Bundle(
        path=folder,
        slug=_slug(manifest.get("slug")),
        title=_text(manifest.get("title"), "title"),
        version=_version(manifest.get("version", 1)),
        results=_results(manifest.get("results")),
        checks=checks,
        limits=_limits(manifest.get("limits") or {}),
        data=_data(folder, manifest.get("data") or []),
        manifest=manifest,
    )


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BundleInvalid(f"Không có manifest.json trong {folder.name}.") from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise BundleInvalid(f"manifest.json không phải JSON hợp lệ: {exc}") from exc
    if not isinstance(manifest, dict):
        raise BundleInvalid("manifest.json phải là một đối tượng JSON.")
    return manifest


def _slug(value: Any) -> str:
    if not isinstance(value, str) or not _SLUG.match(value):
        raise BundleInvalid(f"slug không hợp lệ: {value!r} (chữ thường, số, '-').")
    return value


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise BundleInvalid(f"Thiếu {key} trong manifest.json.")
    return value


def _version(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise BundleInvalid(f"version phải là số nguyên dương, không phải {value!r}.")
    return value


def _results(value: Any) -> dict[str, str]:
    if not isinstance(value, dict) or not value:
        raise BundleInvalid("results phải liệt kê ít nhất một biến kết quả.")
    for name, kind in value.items():
        if not _NAME.match(name) or name.startswith("__"):
            raise BundleInvalid(f"Tên biến kết quả không hợp lệ: {name!r}.")
        if kind not in RESULT_KINDS:
            raise BundleInvalid(f"Kiểu kết quả của {name} phải là {RESULT_KINDS}.")
    return dict(value)


def _checks(value: Any) -> tuple[CheckSpec, ...]:
    if not isinstance(value, list) or not value:
        raise BundleInvalid("checks phải là danh sách có ít nhất một tiêu chí.")
    checks = tuple(_check(item) for item in value)
    names = [check.name for check in checks]
    if len(set(names)) != len(names):
        raise BundleInvalid("Tên tiêu chí trong checks bị trùng.")
    return checks


def _check(item: Any) -> CheckSpec:
    if not isinstance(item, dict):
        raise BundleInvalid("Mỗi tiêu chí trong checks phải là một đối tượng JSON.")
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise BundleInvalid(f"Tên tiêu chí không hợp lệ: {name!r}.")
    points = item.get("points")
    if isinstance(points, bool) or not isinstance(points, int | float) or points <= 0:
        raise BundleInvalid(f"Điểm của tiêu chí {name} phải là số dương.")
    hint = item.get("hint") or ""
    if not isinstance(hint, str):
        raise BundleInvalid(f"hint của tiêu chí {name} phải là chuỗi.")
    return CheckSpec(name, _text(item.get("title"), f"title của {name}"), points, hint)


def _limits(value: Any) -> Limits:
    if not isinstance(value, dict):
        raise BundleInvalid("limits phải là một đối tượng JSON.")
    known = Limits.__dataclass_fields__
    unknown = sorted(set(value) - set(known))
    if unknown:
        raise BundleInvalid(f"limits có khóa lạ: {', '.join(unknown)}.")
    for key, number in value.items():
        if isinstance(number, bool) or not isinstance(number, int | float):
            raise BundleInvalid(f"limits.{key} phải là số.")
        if number <= 0:
            raise BundleInvalid(f"limits.{key} phải lớn hơn 0.")
    limits = Limits(**value)
    if limits.memory_mb < 256:
        raise BundleInvalid("limits.memory_mb phải ít nhất 256 (kernel cần ~150 MB).")
    return limits


def _data(folder: Path, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise BundleInvalid("data phải là danh sách đường dẫn tương đối.")
    return tuple(_data_file(folder, rel) for rel in value)


def _data_file(folder: Path, rel: Any) -> str:
    if not isinstance(rel, str) or not rel:
        raise BundleInvalid(f"Đường dẫn dữ liệu không hợp lệ: {rel!r}.")
    pure = PurePosixPath(rel)
    if pure.is_absolute() or ".." in pure.parts or "\\" in rel or "\0" in rel:
        raise BundleInvalid(f"Đường dẫn dữ liệu phải nằm trong gói: {rel!r}.")
    if pure.name in ("checks.py", "solution.ipynb", "manifest.json"):
        raise BundleInvalid(f"Không được đưa {pure.name} vào data.")
    source = folder / pure
    # A symlink could smuggle checks.py (or anything else) into the sandbox.
    if source.is_symlink() or not source.is_file():
        raise BundleInvalid(f"Không tìm thấy tệp dữ liệu thường: {rel}.")
    if folder not in source.resolve().parents:
        raise BundleInvalid(f"Tệp dữ liệu nằm ngoài gói: {rel}.")
    return str(pure)


def _require_check_functions(path: Path, checks: tuple[CheckSpec, ...]) -> None:
    # Parse, never import: checks.py is hidden code and the grader process must not
    # run it (it only ever runs in the separate check-runner process).
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename="checks.py")
    except (SyntaxError, UnicodeDecodeError) as exc:
        raise BundleInvalid(f"checks.py có lỗi cú pháp: {exc}") from exc
    defined = {name for node in tree.body for name in _bound_names(node)}
    missing = [c.name for c in checks if f"check_{c.name}" not in defined]
    if missing:
        names = ", ".join(f"check_{name}" for name in missing)
        raise BundleInvalid(f"checks.py thiếu hàm: {names}.")


def _bound_names(node: ast.stmt) -> list[str]:
    """Top-level names a statement binds (def, assignment, import)."""
    if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
        return [node.name]
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return [node.target.id]
    if isinstance(node, ast.Import | ast.ImportFrom):
        return [alias.asname or alias.name.split(".")[0] for alias in node.names]
    return []
