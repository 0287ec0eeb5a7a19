# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
import json
import shutil

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from labs.archives import repo_bundle_folders
from tests.labs.lab_fixtures import notebook_bytes, tiny_folder  # noqa: F401


def _grade(capsys, *args) -> dict:
    call_command("grade_notebook", *args)
    return json.loads(capsys.readouterr().out)


def test_grade_notebook_prints_the_result_as_json(tiny_folder, capsys):
    result = _grade(
        capsys, "--bundle", str(tiny_folder), str(tiny_folder / "solution.ipynb")
    )
    assert result == {
        "score": 2.0,
        "max_score": 2.0,
        "status": "graded",
        "checks": [{"name": "total", "passed": True, "points": 2, "message": ""}],
    }


def test_grade_notebook_finishes_normally_for_a_failing_notebook(tiny_folder, capsys):
    result = _grade(
        capsys, "--bundle", str(tiny_folder), str(tiny_folder / "starter.ipynb")
    )
    assert (result["score"], result["checks"][0]["passed"]) == (0, False)
    assert result["checks"][0]["message"] == "Tổng chưa đúng."


def test_grade_notebook_loads_a_repository_lab_by_slug_without_database_rows(capsys):
    folder = repo_bundle_folders()[0]
    result = _grade(capsys, "--lab", folder.name, str(folder / "solution.ipynb"))
    assert result["status"] == "graded"
    assert result["score"] == result["max_score"] > 0


@pytest.mark.django_db
def test_grade_notebook_refuses_an_unknown_lab(tmp_path):
    path = tmp_path / "bai.ipynb"
    path.write_bytes(notebook_bytes("x = 1"))
    with pytest.raises(CommandError, match="Không tìm thấy bài thực hành “khong-co”"):
        call_command("grade_notebook", "--lab", "khong-co", str(path))


def test_grade_notebook_refuses_a_file_that_is_not_a_notebook(tiny_folder, tmp_path):
    path = tmp_path / "bai.ipynb"
    path.write_text("đây không phải JSON", encoding="utf-8")
    with pytest.raises(CommandError, match="Notebook không hợp lệ: .*JSON"):
        call_command("grade_notebook", "--bundle", str(tiny_folder), str(path))


def test_grade_notebook_refuses_a_missing_file(tiny_folder, tmp_path):
    with pytest.raises(CommandError, match="Không đọc được tệp"):
        call_command(
            "grade_notebook", "--bundle", str(tiny_folder), str(tmp_path / "x.ipynb")
        )


def test_validate_labs_prints_one_line_per_lab_and_passes(tiny_folder, capsys):
    call_command("validate_labs", "--path", str(tiny_folder.parent))
    out = capsys.readouterr().out
    assert "tiny-lab\tsolution 2/2\tstarter 0/2\tOK" in out


def test_validate_labs_fails_when_a_lab_is_broken(tiny_folder, capsys):
    broken = tiny_folder.parent / "tiny-broken"
    shutil.copytree(tiny_folder, broken)
    (broken / "solution.ipynb").write_bytes(notebook_bytes("total = 5"))
    with pytest.raises(CommandError, match="1 bài thực hành lỗi: tiny-broken"):
        call_command("validate_labs", "--path", str(tiny_folder.parent))
    out = capsys.readouterr().out
    assert (
        "tiny-broken\tsolution 0/2\tstarter 0/2\tLỖI: solution.ipynb chỉ đạt 0/2" in out
    )
    assert "tiny-lab\tsolution 2/2\tstarter 0/2\tOK" in out
