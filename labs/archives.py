"""Bundle folders ⇄ zip archives, with no ORM: canonical zips (same files → same
bytes → same SHA-256), safe extraction of uploads, the learner's download, and a
per-host cache of extracted versions so workers on any host grade from storage."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.utils.translation import gettext as _

# Never part of an archive: editor/runtime litter that would change the checksum.
_SKIPPED_NAMES = {"__pycache__", ".ipynb_checkpoints", ".DS_Store"}
_FIXED_DATE = (1980, 1, 1, 0, 0, 0)
# Learners get the starter and the data, never checks.py or solution.ipynb.
_LEARNER_FILES = ("starter.ipynb",)
_LEARNER_FOLDERS = ("data",)


class BundleArchiveInvalid(ValueError):
    """The upload is not a usable bundle zip; the message is for the uploader."""


def _limit(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def _files(folder: Path) -> Iterator[Path]:
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(
            part in _SKIPPED_NAMES or part.startswith(".") for part in relative.parts
        ):
            continue
        if path.is_file() and not path.is_symlink():
            yield path


DEFAULT_KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3",
    "language": "python",
}


def starter_with_kernel(content: bytes) -> bytes:
    """The starter notebook with a Python kernelspec when it names none: without one
    JupyterLab greets the learner with a "Select Kernel" prompt."""
    try:
        notebook = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return content
    if not isinstance(notebook, dict):
        return content
    metadata = notebook.setdefault("metadata", {})
    if not isinstance(metadata, dict) or metadata.get("kernelspec"):
        return content
    metadata["kernelspec"] = DEFAULT_KERNELSPEC
    return (json.dumps(notebook, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _write(
    archive: zipfile.ZipFile, path: Path, arcname: str, content: bytes | None = None
) -> None:
    info = zipfile.ZipInfo(arcname, date_time=_FIXED_DATE)
    info.external_attr = (stat.S_IFREG | 0o644) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, path.read_bytes() if content is None else content)


def folder_archive(folder: Path) -> bytes:
    """A deterministic zip of the bundle folder (sorted names, fixed dates)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in _files(folder):
            _write(archive, path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def learner_archive(folder: Path, *, slug: str) -> bytes:
    """starter.ipynb and data/ only, inside a `<slug>/` folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in _LEARNER_FILES:
            if (folder / name).is_file():
                content = starter_with_kernel((folder / name).read_bytes())
                _write(archive, folder / name, f"{slug}/{name}", content)
        for sub in _LEARNER_FOLDERS:
            if (folder / sub).is_dir():
                for path in _files(folder / sub):
                    _write(
                        archive, path, f"{slug}/{path.relative_to(folder).as_posix()}"
                    )
    return buffer.getvalue()


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath | None:
    name = PurePosixPath(info.filename)
    if name.is_absolute() or ".." in name.parts or "\\" in info.filename:
        raise BundleArchiveInvalid(
            _("Tệp nén chứa đường dẫn không hợp lệ: %(name)s") % {"name": info.filename}
        )
    if stat.S_ISLNK(info.external_attr >> 16):
        raise BundleArchiveInvalid(_("Tệp nén không được chứa liên kết tượng trưng."))
    if info.is_dir() or any(p in _SKIPPED_NAMES for p in name.parts):
        return None
    return name


def archive_extract(data: bytes, target: Path) -> Path:
    """Extract an uploaded zip into `target` and return the bundle root (the folder
    holding manifest.json — the zip may wrap it in one top-level folder)."""
    max_bytes = _limit("LABS_MAX_BUNDLE_UNPACKED_BYTES", 200 * 1024 * 1024)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise BundleArchiveInvalid(
            _("Tệp tải lên không phải tệp nén .zip hợp lệ.")
        ) from exc
    with archive:
        members = [(info, _member_path(info)) for info in archive.infolist()]
        if sum(info.file_size for info, _name in members) > max_bytes:
            raise BundleArchiveInvalid(_("Gói bài thực hành sau khi giải nén quá lớn."))
        for info, name in members:
            if name is None:
                continue
            destination = target.joinpath(*name.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(info) as source, destination.open("wb") as sink:
                shutil.copyfileobj(source, sink)
    return bundle_root(target)


def bundle_root(folder: Path) -> Path:
    if (folder / "manifest.json").is_file():
        return folder
    children = [p for p in folder.iterdir() if p.name not in _SKIPPED_NAMES]
    if len(children) == 1 and (children[0] / "manifest.json").is_file():
        return children[0]
    raise BundleArchiveInvalid(
        _("Không tìm thấy tệp manifest.json trong gói bài thực hành.")
    )


REPO_BUNDLES = Path(__file__).resolve().parent / "bundles"


def repo_bundle_folders(root: Path | None = None) -> list[Path]:
    """The bundles kept in the repository, one folder per lab: labs/bundles/<slug>/."""
    root = root or REPO_BUNDLES
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if (p / "manifest.json").is_file())


def repo_bundle_folder(slug: str) -> Path | None:
    return next((p for p in repo_bundle_folders() if p.name == slug), None)


def cache_root() -> Path:
    default = Path(settings.DATA_DIR) / "labs-bundles"
    return Path(getattr(settings, "LABS_BUNDLE_CACHE_DIR", default))


def cached_folder(*, sha256: str, read: callable) -> Path:
    """The extracted folder of an archive, extracted once per host. `read()` returns
    the archive bytes (from Django storage); extraction goes to a temporary sibling
    and is renamed into place, so concurrent workers never see half a folder."""
    folder = cache_root() / sha256
    if folder.is_dir():
        return bundle_root(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{sha256[:12]}-", dir=folder.parent))
    try:
        archive_extract(read(), staging)
        try:
            os.rename(staging, folder)
        except OSError:
            # Another worker won the race; its folder is identical.
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return bundle_root(folder)
