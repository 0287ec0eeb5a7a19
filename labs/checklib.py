"""Helpers for a bundle's hidden ``checks.py``.

A check is a function ``check_<name>(r)``; ``r`` maps each result variable to the
value the learner's notebook produced (DataFrame, Series, plain scalar or JSON).
The check passes by returning; it fails by raising ``CheckFailed`` with a Vietnamese
message for the learner. Any other exception also fails the check, with a generic
message (its text is never shown: it could reveal the hidden check).

Example::

    from labs.checklib import CheckFailed, expect, expect_equal

    def check_n_dupes(r):
        expect_equal(r["n_dupes"], 3, "Số dòng trùng chưa đúng.")
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

_MAX_SHOWN = 200


class CheckFailed(Exception):
    """A check did not pass. ``message`` is shown to the learner as is."""

    def __init__(
        self,
        message: str,
        *,
        expected: Any = None,
        found: Any = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.expected = expected
        self.found = found
        self.hint = hint


def describe(value: Any, limit: int = _MAX_SHOWN) -> str | None:
    """A short, learner-readable text for ``value`` (None stays None)."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value
    elif _is_frame(value):
        text = f"bảng {value.shape[0]} dòng × {value.shape[1]} cột"
    elif _is_series(value):
        text = f"cột {len(value)} giá trị"
    else:
        text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def expect(
    condition: Any,
    message: str,
    *,
    expected: Any = None,
    found: Any = None,
    hint: str | None = None,
) -> None:
    """Fail with ``message`` unless ``condition`` is truthy."""
    if not condition:
        raise CheckFailed(message, expected=expected, found=found, hint=hint)


def expect_equal(
    found: Any,
    expected: Any,
    message: str | None = None,
    *,
    hint: str | None = None,
    rel_tol: float = 1e-9,
    abs_tol: float = 1e-9,
) -> None:
    """Scalars and plain containers equal (floats within a tolerance)."""
    if _equal(found, expected, rel_tol, abs_tol):
        return
    text = message or "Giá trị chưa đúng."
    raise CheckFailed(text, expected=expected, found=found, hint=hint)


def expect_type(value: Any, kind: type | tuple[type, ...], name: str) -> None:
    """``value`` is an instance of ``kind`` (bool is never accepted as a number)."""
    ok = isinstance(value, kind) and not (
        isinstance(value, bool) and bool not in _as_tuple(kind)
    )
    if not ok:
        wanted = ", ".join(k.__name__ for k in _as_tuple(kind))
        raise CheckFailed(
            f"`{name}` phải có kiểu {wanted}.",
            expected=wanted,
            found=type(value).__name__,
        )


def expect_columns(frame: Any, columns: Iterable[str], name: str) -> None:
    """``frame`` is a DataFrame holding every column in ``columns``."""
    if not _is_frame(frame):
        raise CheckFailed(
            f"`{name}` phải là một DataFrame của pandas.",
            expected="DataFrame",
            found=type(frame).__name__,
        )
    wanted = list(columns)
    missing = [c for c in wanted if c not in frame.columns]
    if missing:
        raise CheckFailed(
            f"`{name}` còn thiếu cột: {', '.join(map(str, missing))}.",
            expected=", ".join(map(str, wanted)),
            found=", ".join(map(str, frame.columns)) or "(không có cột nào)",
            hint="Đặt đúng tên cột như đề bài; nếu cột đang ở chỉ mục, dùng .reset_index().",
        )


def expect_rows(frame: Any, count: int, name: str, *, hint: str | None = None) -> None:
    """``frame`` has exactly ``count`` rows."""
    found = len(frame)
    if found != count:
        raise CheckFailed(
            f"Số dòng của `{name}` chưa đúng: cần {_number(count)}, "
            f"bài làm có {_number(found)}.",
            expected=count,
            found=found,
            hint=hint,
        )


def expect_frame_equal(
    found: Any,
    expected: Any,
    name: str,
    *,
    check_dtype: bool = False,
    ignore_order: bool = False,
    hint: str | None = None,
    rtol: float = 1e-6,
) -> None:
    """Same columns, rows and values (dtypes only when ``check_dtype``)."""
    expect_columns(found, list(expected.columns), name)
    frame = found[list(expected.columns)]
    expected_frame = expected
    if ignore_order:
        frame = _sorted(frame)
        expected_frame = _sorted(expected)
    expect_rows(frame, len(expected_frame), name, hint=hint)
    frame = frame.reset_index(drop=True)
    expected_frame = expected_frame.reset_index(drop=True)
    for column in expected_frame.columns:
        _column_equal(
            frame[column], expected_frame[column], name, column, check_dtype, rtol, hint
        )


def _column_equal(
    found: Any,
    expected: Any,
    name: str,
    column: str,
    check_dtype: bool,
    rtol: float,
    hint: str | None,
) -> None:
    if check_dtype and found.dtype != expected.dtype:
        raise CheckFailed(
            f"Cột `{column}` của `{name}` sai kiểu dữ liệu.",
            expected=str(expected.dtype),
            found=str(found.dtype),
            hint=hint,
        )
    for row, (got, want) in enumerate(
        zip(found.tolist(), expected.tolist(), strict=True)
    ):
        if not _equal(got, want, rtol, 1e-9):
            raise CheckFailed(
                f"Cột `{column}` của `{name}` sai ở dòng {row}: "
                f"cần {describe(want, 60)}, bài làm có {describe(got, 60)}.",
                expected=want,
                found=got,
                hint=hint,
            )


def _equal(found: Any, expected: Any, rel_tol: float, abs_tol: float) -> bool:
    if _missing(found) and _missing(expected):
        return True
    if isinstance(found, bool) or isinstance(expected, bool):
        return type(found) is type(expected) and found == expected
    if isinstance(found, numbers.Real) and isinstance(expected, numbers.Real):
        return math.isclose(
            float(found), float(expected), rel_tol=rel_tol, abs_tol=abs_tol
        )
    if isinstance(found, list | tuple) and isinstance(expected, list | tuple):
        return len(found) == len(expected) and all(
            _equal(a, b, rel_tol, abs_tol) for a, b in zip(found, expected, strict=True)
        )
    if isinstance(found, dict) and isinstance(expected, dict):
        return found.keys() == expected.keys() and all(
            _equal(found[k], expected[k], rel_tol, abs_tol) for k in expected
        )
    # Only plain values reach here: results are rebuilt from JSON, never objects.
    return type(found) is type(expected) and bool(found == expected)


def _missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return value is pd.NA or value is pd.NaT
    except ImportError:  # pragma: no cover - pandas is always there for checks
        return False


def _sorted(frame: Any) -> Any:
    return frame.sort_values(list(frame.columns), na_position="last", kind="stable")


def _number(value: int) -> str:
    # Vietnamese groups thousands with dots: 1.980
    return f"{value:,}".replace(",", ".")


def _as_tuple(kind: type | tuple[type, ...]) -> tuple[type, ...]:
    return kind if isinstance(kind, tuple) else (kind,)


def _is_frame(value: Any) -> bool:
    return type(value).__name__ == "DataFrame" and hasattr(value, "columns")


def _is_series(value: Any) -> bool:
    return type(value).__name__ == "Series" and hasattr(value, "dtype")
