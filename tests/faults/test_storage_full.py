# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""Media storage full while a learner uploads a notebook: a real, tiny tmpfs.

MEDIA_ROOT is a 64 KB tmpfs mounted for the test (needs root, as in CI; skipped with
the reason otherwise). The filesystem really answers ENOSPC; nothing is faked.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from labs.models import Lab, Submission
from tests.labs.lab_fixtures import notebook_bytes, tiny_folder, version_record  # noqa: F401

NOT_STORED = "Máy chủ tạm thời không lưu được tệp bài nộp"


@pytest.fixture
def tiny_media(tmp_path: Path, settings) -> Iterator[Path]:
    media = tmp_path / "media"
    media.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k,mode=0755", "tmpfs", str(media)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    settings.MEDIA_ROOT = str(media)
    try:
        yield media
    finally:
        subprocess.run(["umount", "-l", str(media)], check=True)


@pytest.fixture
def lab(db, tiny_folder, tiny_media) -> Lab:
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)  # its archive fits; then the disk fills up
    return lab


def _fill(media: Path, *, leave: int) -> Path:
    """Fill the filesystem until `leave` bytes are free."""
    stats = os.statvfs(media)
    filler = media / "filler.bin"
    filler.write_bytes(b"\0" * (stats.f_bavail * stats.f_frsize - leave))
    return filler


def _files(media: Path) -> list[str]:
    return sorted(
        str(path.relative_to(media))
        for path in (media / "labs" / "submissions").rglob("*")
        if path.is_file()
    )


def _upload(client, lab: Lab, content: bytes):
    return client.post(
        f"/bai-thuc-hanh/{lab.slug}/",
        {"notebook": SimpleUploadedFile("bai.ipynb", content)},
    )


def test_an_upload_to_a_full_disk_is_refused_clearly_and_saves_nothing(
    client, learner, lab, tiny_media
):
    # A real notebook bigger than the space left (cell outputs make them large).
    content = notebook_bytes("total = 6", "# " + "dữ liệu " * 4000)
    _fill(tiny_media, leave=8 * 1024)
    client.force_login(learner)

    response = _upload(client, lab, content)

    assert response.status_code == 503
    assert NOT_STORED in response.content.decode()
    assert not Submission.objects.exists()
    assert _files(tiny_media) == []  # no truncated notebook left behind


def test_the_same_upload_goes_through_once_space_is_freed(
    client, learner, lab, tiny_media
):
    content = notebook_bytes("total = 6", "# " + "dữ liệu " * 4000)
    filler = _fill(tiny_media, leave=8 * 1024)
    client.force_login(learner)
    assert _upload(client, lab, content).status_code == 503

    filler.unlink()
    response = _upload(client, lab, content)

    submission = Submission.objects.get()
    assert response["Location"] == f"/bai-nop/{submission.pk}/"
    assert submission.notebook.read() == content
    assert len(_files(tiny_media)) == 1
