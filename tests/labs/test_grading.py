"""The grading engine on real kernels (no mocks, no database).

Every fixture notebook in tests/fixtures/notebooks is graded against the tiny bundle
in tests/fixtures/labs/tiny (3 checks: dupes 1 pt, clean_names 2 pt, unit_counts 2 pt).
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from labs import checkrunner
from labs.bundle import BundleInvalid, load_bundle
from labs.grading import (
    GradeResult,
    NotebookInvalid,
    grade_many,
    grade_notebook,
    load_notebook,
    validate_bundle,
)
from labs.kernels import ForkServerKernels, FreshKernels

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
NOTEBOOKS = FIXTURES / "notebooks"
TINY = FIXTURES / "labs" / "tiny"


@pytest.fixture(scope="module")
def kernels() -> Iterator[ForkServerKernels]:
    with ForkServerKernels() as source:
        yield source


@pytest.fixture(scope="module")
def bundle():
    return load_bundle(TINY)


def grade(name: str, bundle, kernels) -> GradeResult:
    return grade_notebook(NOTEBOOKS / f"{name}.ipynb", bundle, kernels=kernels)


def check(result: GradeResult, name: str):
    return next(c for c in result.checks if c.name == name)


def outputs_text(result: GradeResult) -> str:
    return json.dumps(
        result.to_dict(include_notebook=True)["notebook"], ensure_ascii=False
    )


# --------------------------------------------------------------------------- scores


def test_it_gives_full_marks_to_a_correct_notebook(bundle, kernels):
    result = grade("all-correct", bundle, kernels)

    assert (result.status, result.score, result.max_score) == ("graded", 5, 5)
    assert all(c.passed for c in result.checks)
    assert result.kernels == "forkserver"


def test_it_gives_partial_credit_with_expected_found_and_hint(bundle, kernels):
    result = grade("partly-correct", bundle, kernels)

    assert result.score == 3
    names = check(result, "clean_names")
    assert not names.passed
    assert names.message == "Có họ tên chưa được chuẩn hóa."
    assert names.expected == "Lê Văn Cường"
    assert names.found != names.expected
    assert names.hint.startswith("Dùng unicodedata.normalize")


def test_a_syntax_error_fails_the_affected_checks_naming_the_cell(bundle, kernels):
    result = grade("syntax-error", bundle, kernels)

    assert result.score == 1
    message = check(result, "clean_names").message
    assert message.startswith("Không tìm thấy biến `df_clean`. Ô lệnh 2 có lỗi cú pháp")
    assert result.cell_errors[0].cell == 2


def test_an_exception_fails_only_the_checks_that_need_its_result(bundle, kernels):
    result = grade("exception", bundle, kernels)

    assert result.score == 1
    assert check(result, "dupes").passed
    assert check(result, "clean_names").message == (
        "Không tìm thấy biến `df_clean`. Ô lệnh 2 gặp lỗi KeyError: 'ten_sai'"
    )


def test_an_infinite_loop_times_out_at_its_cell(bundle, kernels):
    result = grade("infinite-loop", bundle, kernels)

    assert result.score == 1
    assert result.stopped == "Ô lệnh 2 chạy quá 3 giây. Các ô lệnh sau không được chạy."
    assert "Ô lệnh 2 chạy quá 3 giây" in check(result, "unit_counts").message


def _with_limits(tmp_path: Path, **limits: float):
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["limits"].update(limits)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return load_bundle(folder)


def _notebook(*sources: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(s) for s in sources]
    )


def test_the_whole_notebook_has_a_wall_clock_budget(tmp_path, kernels):
    bundle = _with_limits(tmp_path, cell_timeout=3, notebook_timeout=2)
    notebook = _notebook("import time\ntime.sleep(1.2)\nn_dupes = 2", "time.sleep(1.2)")

    result = grade_notebook(notebook, bundle, kernels=kernels)

    assert result.stopped == (
        "Bài làm chạy quá 2 giây (giới hạn cho cả notebook), dừng ở ô lệnh 2. "
        "Các ô lệnh sau không được chạy."
    )
    assert check(result, "dupes").passed  # exported after the stop: partial credit


def test_a_cell_that_ignores_interrupts_is_killed_and_exports_nothing(
    tmp_path, kernels
):
    bundle = _with_limits(tmp_path, cell_timeout=1)
    notebook = _notebook(
        "n_dupes = 2",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
    )

    result = grade_notebook(notebook, bundle, kernels=kernels)

    assert result.score == 0
    assert result.stopped == "Ô lệnh 2 chạy quá 1 giây và không dừng được khi bị ngắt."
    assert (
        check(result, "dupes").message
        == f"Không tìm thấy biến `n_dupes`. {result.stopped}"
    )


def test_a_memory_bomb_fails_with_the_memory_limit(bundle, kernels):
    result = grade("memory-bomb", bundle, kernels)

    assert result.score == 1
    assert check(result, "clean_names").message == (
        "Không tìm thấy biến `df_clean`. Vượt giới hạn bộ nhớ (512 MB) ở ô lệnh 2."
    )


def test_a_fork_bomb_hits_the_process_limit(bundle, kernels):
    result = grade("fork-bomb", bundle, kernels)

    assert result.score == 1
    assert check(result, "clean_names").message == (
        "Không tìm thấy biến `df_clean`. Vượt giới hạn số tiến trình (32) ở ô lệnh 2."
    )


def test_a_disk_filler_hits_the_file_size_limit(bundle, kernels):
    result = grade("disk-filler", bundle, kernels)

    assert result.score == 1
    assert check(result, "clean_names").message == (
        "Không tìm thấy biến `df_clean`. Vượt giới hạn dung lượng tệp (8 MB) ở ô lệnh 2."
    )


def test_huge_output_is_capped_and_marked(bundle, kernels):
    result = grade("huge-output", bundle, kernels)

    assert result.score == 5
    printing = result.notebook.cells[3]
    assert sum(len(o.get("text", "")) for o in printing.outputs) <= 110 * 1024
    assert "Đầu ra quá dài nên đã được cắt bớt" in printing.outputs[-1].text
    assert len(outputs_text(result)) < 2.5 * 1024 * 1024


# --------------------------------------------------------------------------- cheats


def test_patching_assertion_error_gains_nothing(bundle, kernels):
    result = grade("cheat-assert", bundle, kernels)

    assert result.score == 0
    assert check(result, "dupes").message == "Số dòng trùng lặp chưa đúng."


def test_patching_showtraceback_gains_nothing(bundle, kernels):
    result = grade("cheat-showtraceback", bundle, kernels)

    assert result.score == 0
    assert check(result, "clean_names").message == (
        "Biến `df_clean` phải là một DataFrame của pandas, nhưng bài làm cho kiểu "
        "`NoneType`."
    )


def test_patching_do_execute_leaves_nothing_to_score(bundle, kernels):
    result = grade("cheat-do-execute", bundle, kernels)

    assert result.score == 0
    assert "Không xuất được kết quả" in check(result, "dupes").message


def test_os_exit_is_a_dead_kernel_never_a_pass(bundle, kernels):
    result = grade("cheat-os-exit", bundle, kernels)

    assert result.score == 0
    assert (
        result.stopped == "Tiến trình Python của bài làm đã dừng đột ngột ở ô lệnh 3."
    )


def test_a_forged_results_file_is_only_data_and_fails(bundle, kernels):
    result = grade("cheat-results-file", bundle, kernels)

    assert result.score == 0
    assert all(not c.passed for c in result.checks)


def test_an_object_equal_to_everything_is_refused(bundle, kernels):
    result = grade("cheat-equal-everything", bundle, kernels)

    assert result.score == 0
    assert "`SneakyInt`" in check(result, "dupes").message
    assert "`AnyFrame`" in check(result, "clean_names").message
    assert "`Anything`" in check(result, "unit_counts").message


# --------------------------------------------------------------------------- input


def test_a_v3_notebook_is_upgraded_and_graded(bundle, kernels):
    result = grade("nbformat-v3", bundle, kernels)

    assert result.score == 5


def test_a_file_that_is_not_json_is_refused():
    with pytest.raises(NotebookInvalid, match="không phải JSON hợp lệ"):
        load_notebook(NOTEBOOKS / "not-json.ipynb")


def test_a_v3_notebook_that_does_not_convert_is_refused():
    broken = {"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [{}]}]}

    with pytest.raises(NotebookInvalid, match="nbformat 4"):
        load_notebook(json.dumps(broken).encode())


def test_a_too_new_notebook_is_refused():
    with pytest.raises(NotebookInvalid, match="không được hỗ trợ"):
        load_notebook({"nbformat": 5, "cells": []})


def test_the_notebooks_own_kernelspec_is_ignored(bundle, kernels):
    notebook = nbformat.read(NOTEBOOKS / "all-correct.ipynb", as_version=4)
    notebook.metadata["kernelspec"] = {"name": "bash", "display_name": "Bash"}

    result = grade_notebook(notebook, bundle, kernels=kernels)

    assert result.score == 5
    assert result.notebook.metadata["kernelspec"]["name"] == "python3"


def test_submitted_outputs_are_never_kept(bundle, kernels):
    notebook = nbformat.read(NOTEBOOKS / "all-correct.ipynb", as_version=4)
    fake = nbformat.v4.new_output("stream", text="ĐIỂM: 5/5 (giả mạo)")
    notebook.cells[1].outputs = [fake]

    result = grade_notebook(notebook, bundle, kernels=kernels)

    assert "giả mạo" not in outputs_text(result)


# --------------------------------------------------------------------------- engines


@pytest.mark.parametrize("name", ["all-correct", "partly-correct", "syntax-error"])
def test_fresh_and_forked_kernels_give_identical_results(name, bundle, kernels):
    with FreshKernels() as fresh:
        baseline = grade(name, bundle, fresh)
    forked = grade(name, bundle, kernels)

    assert baseline.kernels == "fresh"
    assert baseline.score == forked.score
    assert [(c.passed, c.message) for c in baseline.checks] == [
        (c.passed, c.message) for c in forked.checks
    ]


def test_grade_many_grades_in_parallel_and_keeps_order(bundle, kernels):
    names = ["partly-correct", "all-correct", "not-json", "exception"]

    results = grade_many(
        [NOTEBOOKS / f"{n}.ipynb" for n in names], bundle, kernels=kernels
    )

    assert isinstance(results[2], NotebookInvalid)
    assert [r.score for i, r in enumerate(results) if i != 2] == [3, 5, 1]


# --------------------------------------------------------------------------- bundles


def test_the_tiny_bundle_validates(kernels):
    report = validate_bundle(TINY, kernels=kernels)

    assert (report.ok, report.reason) == (True, "")
    assert (report.solution.score, report.starter.score) == (5, 0)


def test_a_bundle_whose_solution_fails_is_reported(tmp_path, kernels):
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    checks = folder / "checks.py"
    checks.write_text(checks.read_text().replace("int(raw.duplicated().sum())", "42"))

    report = validate_bundle(folder, kernels=kernels)

    assert not report.ok
    assert report.reason.startswith("solution.ipynb chỉ đạt 4/5: dupes:")


def test_a_bundle_missing_a_check_function_is_invalid(tmp_path):
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    checks = folder / "checks.py"
    checks.write_text(checks.read_text().replace("def check_dupes", "def dupes"))

    with pytest.raises(BundleInvalid, match="check_dupes"):
        load_bundle(folder)


def test_a_bundle_cannot_ship_checks_as_data(tmp_path):
    folder = shutil.copytree(TINY, tmp_path / "tiny")
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["data"].append("checks.py")
    (folder / "manifest.json").write_text(json.dumps(manifest))

    with pytest.raises(BundleInvalid, match="checks.py"):
        load_bundle(folder)


# --------------------------------------------------------------------------- results


def test_the_result_is_json_and_renders_as_html(bundle, kernels):
    result = grade("all-correct", bundle, kernels)

    data = json.loads(json.dumps(result.to_dict(include_notebook=True)))
    assert data["score"] == 5
    assert set(data["timings"]) >= {"queue", "kernel", "execute", "checks", "total"}
    assert "Đặng Thị Giang" in result.html()


def test_the_html_runs_no_script_and_loads_nothing_from_outside(bundle, kernels):
    # Payloads are assembled at run time: only the rendered outputs could hold them.
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("<img src=x onerror=alert(1)>"),
            nbformat.v4.new_code_cell(
                "from IPython.display import HTML, Javascript, display\n"
                "tag = 'scr' + 'ipt'\n"
                "display(HTML('<b>đậm</b><' + tag + '>alert(2)</' + tag + '>'\n"
                "             '<img src=x on' + 'error=alert(3)>'))\n"
                "display(Javascript('alert(4)'))"
            ),
        ]
    )

    page = grade_notebook(notebook, bundle, kernels=kernels).html()

    assert "<b>đậm</b>" in page
    assert "<script" not in page.lower()
    assert "<img src=x onerror" not in page
    assert not re.search(r"src=[\"']?https?://|<link[^>]+https?://", page)


def _round_trip(kinds: dict[str, str], namespace: dict, tmp_path: Path) -> tuple:
    path = tmp_path / "results.json"
    checkrunner._da_export(kinds, str(path), namespace)
    return checkrunner.decode_results(path.read_bytes(), kinds)


def test_exported_frames_keep_their_dtypes_and_values(tmp_path):
    frame = pd.DataFrame(
        {
            "i": [1, 2, 3],
            "f": [1.5, float("nan"), 1 / 3],
            "s": pd.Series(["a", None, "ễ"], dtype="str"),
            "o": ["x", 2, None],
            "b": [True, False, True],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "c": pd.Categorical(
                ["lo", "hi", "lo"], categories=["lo", "hi"], ordered=True
            ),
            "t": pd.to_datetime(
                ["2026-01-01", None, "2026-03-01 12:00"], format="ISO8601"
            ),
            "z": pd.to_datetime(["2026-01-01"] * 3).tz_localize("Asia/Ho_Chi_Minh"),
            "d": pd.to_timedelta(["1 day", None, "3h"]),
        },
        index=pd.Index(["r1", "r2", "r3"], name="ma"),
    )
    series = frame.groupby(["b", "c"], observed=True)["f"].sum()

    values, problems = _round_trip(
        {"df": "dataframe", "s": "series"}, {"df": frame, "s": series}, tmp_path
    )

    assert problems == {}
    pd.testing.assert_frame_equal(values["df"], frame)
    pd.testing.assert_series_equal(values["s"], series)


def test_the_exporter_refuses_anything_that_is_not_plain_data(tmp_path):
    class Frame(pd.DataFrame):
        pass

    namespace = {
        "df": Frame({"a": [1]}),
        "n": True.__class__,
        "j": {"k": object()},
        "cell": pd.DataFrame({"a": [object()]}),
    }
    kinds = {
        "df": "dataframe",
        "n": "scalar",
        "j": "json",
        "cell": "dataframe",
        "gone": "scalar",
    }

    values, problems = _round_trip(kinds, namespace, tmp_path)

    assert values == {}
    assert problems["df"] == {"status": "invalid", "found": "Frame"}
    assert problems["n"] == {"status": "invalid", "found": "type"}
    assert problems["j"] == {"status": "invalid", "found": "object"}
    assert problems["cell"] == {"status": "invalid", "found": "object"}
    assert problems["gone"] == {"status": "missing", "found": ""}


def test_numpy_scalars_become_plain_python_values(tmp_path):
    import numpy as np

    values, problems = _round_trip(
        {"a": "scalar", "b": "json"},
        {"a": np.int64(7), "b": {"x": [np.float64(0.5), "y", None]}},
        tmp_path,
    )

    assert problems == {}
    assert values == {"a": 7, "b": {"x": [0.5, "y", None]}}
    assert type(values["a"]) is int


def test_crafted_results_fail_their_checks_without_crashing_the_runner():
    raw = json.dumps(
        {
            "format": 1,
            "results": {
                "df": {"value": {"index": {"range": [0, 10**30, 1]}, "data": "x"}},
                "s": {"value": {"data": {"dtype": "no-such-dtype", "values": [1]}}},
                "n": {"value": [1, 2]},
            },
        }
    ).encode()
    kinds = {"df": "dataframe", "s": "series", "n": "scalar", "gone": "json"}

    values, problems = checkrunner.decode_results(raw, kinds)

    assert values == {}
    assert {name: p["status"] for name, p in problems.items()} == {
        "df": "corrupt",
        "s": "corrupt",
        "n": "corrupt",
        "gone": "unexported",
    }
