"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 8: Số liệu giáo dục — định dạng số Việt Nam và giá trị ngoại lai.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/schools_raw.csv.
"""

from __future__ import annotations

import math
import numbers
import re
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

MISSING = {"", "N/A", "-"}

# ---------------------------------------------------------------------------
# Tiện ích dùng chung (giống nhau ở mọi bài). Kết quả của học viên được truyền
# qua JSON, nên kiểu dữ liệu có thể đổi: chuỗi số "0912..." có thể thành số
# nguyên, nhãn cột "2026-01" có thể thành Timestamp, chỉ mục mất tên. Các hàm
# dưới đây đưa mọi thứ về dạng so sánh được.
# ---------------------------------------------------------------------------


def _is_missing(v) -> bool:
    if v is None:
        return True
    try:
        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def _label(c) -> str:
    if isinstance(c, pd.Timestamp):
        return c.strftime("%Y-%m") if c.day == 1 and c.hour == 0 else c.isoformat()
    return str(c).strip()


def _short(v, n: int = 60) -> str:
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    if isinstance(v, str) and v.startswith("(") and v.endswith(")"):
        s = v  # nhãn như "(thiếu dòng)"
    else:
        s = "(trống)" if _is_missing(v) else repr(v) if isinstance(v, str) else str(v)
    return s if len(s) <= n else s[: n - 1] + "…"


def _frame(r: dict, name: str, cols: list[str]) -> pd.DataFrame:
    """Lấy DataFrame kết quả `name`, bảo đảm có đủ các cột `cols`."""
    df = r.get(name)
    if not isinstance(df, pd.DataFrame):
        raise CheckFailed(
            f"Biến `{name}` phải là một DataFrame của pandas.",
            expected="DataFrame",
            found=type(df).__name__,
        )
    df = df.copy()
    df.columns = [_label(c) for c in df.columns]
    missing = [c for c in cols if c not in df.columns]
    if len(missing) == 1 and list(df.index) != list(range(len(df))):
        # Cột khóa đang nằm ở chỉ mục (ví dụ sau groupby): dùng chỉ mục làm cột.
        df[missing[0]] = list(df.index)
        missing = []
    if missing:
        found = ", ".join(map(str, df.columns)) or "(không có cột nào)"
        raise CheckFailed(
            f"`{name}` còn thiếu cột: {', '.join(missing)}.",
            expected=", ".join(cols),
            found=_short(found, 120),
            hint="Đặt đúng tên cột như đề bài. Nếu cột đang là chỉ mục (index), hãy dùng .reset_index().",
        )
    return df.reset_index(drop=True)


def _code(v, width: int | None = None):
    """Một mã/số định danh dưới dạng chuỗi; None nếu trống.

    Nếu giá trị đã bị chuyển thành số (khi truyền qua JSON), khôi phục số 0 ở đầu.
    """
    if _is_missing(v):
        return None
    if isinstance(v, bool):
        return str(v)
    if isinstance(v, numbers.Integral) or (isinstance(v, float) and v.is_integer()):
        s = str(int(v))
        return s.zfill(width) if width else s
    return unicodedata.normalize("NFC", str(v)).strip() or None


def _text(v):
    """Chuỗi đã bỏ khoảng trắng hai đầu; None nếu trống (kể cả chuỗi rỗng)."""
    if _is_missing(v):
        return None
    return str(v).strip() or None


def _num(v):
    if _is_missing(v) or isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def _unique_keys(
    df: pd.DataFrame, key: str, name: str, width: int | None = None
) -> pd.DataFrame:
    df = df.copy()
    df[key] = [_code(v, width) for v in df[key].tolist()]
    dup = df[key][df[key].duplicated(keep=False)].dropna().unique().tolist()
    if dup:
        raise CheckFailed(
            f"Trong `{name}`, mỗi `{key}` chỉ được xuất hiện một lần; có {len(dup)} giá trị bị lặp.",
            expected="không trùng",
            found=_short(", ".join(map(str, dup[:5])), 80),
            hint="Kiểm tra các phép merge/join có làm nhân bản dòng không, hoặc bỏ trùng bằng drop_duplicates.",
        )
    return df


def _fail_rows(msg: str, bad: list, total: int, hint: str | None = None):
    """bad = [(khóa, mong đợi, tìm thấy), ...]"""
    k, exp, got = bad[0]
    raise CheckFailed(
        f"{msg} Sai {len(bad)}/{total} dòng, ví dụ {k}: mong đợi {_short(exp)}, tìm thấy {_short(got)}.",
        expected=_short(exp),
        found=_short(got),
        hint=hint,
    )


def _by_key(df: pd.DataFrame, key: str, width: int | None = None) -> dict:
    """{khóa: dòng (dict)} theo lần xuất hiện đầu tiên của mỗi khóa."""
    out = {}
    for row in df.to_dict("records"):
        k = _code(row[key], width)
        if k is not None and k not in out:
            out[k] = row
    return out


# ---------------------------------------------------------------------------


def _int(s: str):
    s = s.strip()
    if s in MISSING:
        return None
    return int(re.sub(r"[.\s]", "", s))


def _dec(s: str):
    s = s.strip().rstrip("%").strip()
    if s in MISSING:
        return None
    return float(re.sub(r"[.\s]", "", s).replace(",", "."))


def _expected() -> pd.DataFrame:
    raw = pd.read_csv("data/schools_raw.csv", sep=";", dtype=str, keep_default_na=False)
    rows = []
    for r in raw.to_dict("records"):
        st, te = _int(r["students"]), _int(r["teachers"])
        rate = _dec(r["completion_rate"])
        rows.append(
            {
                "school_id": r["school_id"],
                "level": r["level"],
                "students": st,
                "teachers": te,
                "budget_mil": _dec(r["budget_mil"]),
                "completion_rate": rate
                if rate is not None and 0 <= rate <= 100
                else None,
                "students_per_teacher": st / te if st is not None and te else None,
                "raw_students": r["students"],
                "raw_teachers": r["teachers"],
                "raw_rate": r["completion_rate"],
            }
        )
    return pd.DataFrame(rows)


def _outliers(exp: pd.DataFrame, by_level: bool = True) -> set:
    out = set()
    groups = exp.groupby("level") if by_level else [("all", exp)]
    for _, g in groups:
        x = g.set_index("school_id")["students_per_teacher"].dropna().astype(float)
        q1, q3 = x.quantile(0.25), x.quantile(0.75)
        iqr = q3 - q1
        out |= set(x[(x < q1 - 1.5 * iqr) | (x > q3 + 1.5 * iqr)].index)
    return out


def _same(a, b, tol=1e-6) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


def _compare(r, cols, rows_filter, msg, hint):
    exp = _expected()
    df = _frame(r, "df_clean", ["school_id", *cols])
    got = _by_key(df, "school_id")
    bad, total = [], 0
    for e in exp.to_dict("records"):
        if not rows_filter(e):
            continue
        total += 1
        for c in cols:
            want = None if _is_missing(e[c]) else float(e[c])
            g = (
                _num(got[e["school_id"]][c])
                if e["school_id"] in got
                else "(thiếu dòng)"
            )
            if isinstance(g, str) or not _same(want, g):
                bad.append((f"{e['school_id']}.{c}", want, g))
                break
    if bad:
        _fail_rows(msg, bad, total, hint)


def check_parse_integers(r):
    _compare(
        r,
        ["students", "teachers"],
        lambda e: True,
        "Số học sinh, số giáo viên phải đọc đúng: '1.234' và '1 234' là 1234 (dấu chấm/dấu cách ngăn cách hàng nghìn).",
        "Đọc CSV với dtype=str; bỏ dấu chấm và khoảng trắng rồi pd.to_numeric. Nếu để pandas tự đoán, '1.234' "
        "bị hiểu là một phẩy hai ba bốn.",
    )


def check_parse_decimals(r):
    _compare(
        r,
        ["budget_mil", "completion_rate"],
        lambda e: (
            not (_is_missing(e["budget_mil"]) and _is_missing(e["completion_rate"]))
        ),
        "Kinh phí và tỷ lệ hoàn thành phải đọc đúng kiểu Việt Nam: '1.234,5' = 1234.5; '97,5%' = 97.5.",
        "Bỏ '%' và dấu chấm hàng nghìn TRƯỚC, rồi mới thay dấu phẩy thập phân bằng dấu chấm. "
        "Tỷ lệ > 100 là không hợp lệ, để trống.",
    )


def check_missing_invalid(r):
    exp = _expected()
    df = _frame(r, "df_clean", ["school_id", "students", "teachers", "completion_rate"])
    got = _by_key(df, "school_id")
    bad, total = [], 0
    for e in exp.to_dict("records"):
        checks = []
        if e["raw_students"].strip() in MISSING:
            checks.append("students")
        if e["raw_teachers"].strip() in MISSING:
            checks.append("teachers")
        if e["raw_rate"].strip().rstrip("%") in MISSING or _is_missing(
            e["completion_rate"]
        ):
            checks.append("completion_rate")
        if not checks:
            continue
        total += 1
        for c in checks:
            g = (
                _num(got[e["school_id"]][c])
                if e["school_id"] in got
                else "(thiếu dòng)"
            )
            if g is not None:
                raw = {
                    "students": e["raw_students"],
                    "teachers": e["raw_teachers"],
                    "completion_rate": e["raw_rate"],
                }[c]
                bad.append((f"{e['school_id']}.{c} (gốc {raw!r})", None, g))
                break
    if bad:
        _fail_rows(
            "Ô trống, 'N/A', '-' và tỷ lệ hoàn thành > 100% phải thành giá trị thiếu (NaN), không phải 0 hay giữ nguyên.",
            bad,
            total,
            "pd.to_numeric(..., errors='coerce') biến chuỗi lạ thành NaN; dùng .where(rate <= 100) để loại tỷ lệ vô lý.",
        )


def check_ratio(r):
    _compare(
        r,
        ["students_per_teacher"],
        lambda e: True,
        "students_per_teacher = students / teachers; để trống (NaN) khi thiếu số liệu hoặc số giáo viên bằng 0.",
        "Chia cho 0 trong pandas cho ra inf: thay teachers = 0 bằng NaN trước khi chia (teachers.replace(0, np.nan)).",
    )


def check_outliers_iqr(r):
    exp = _expected()
    want = _outliers(exp)
    df = _frame(r, "df_outliers", ["school_id"])
    have = {_text(v) for v in df["school_id"].tolist()} - {None}
    if have != want:
        missed, extra = sorted(want - have), sorted(have - want)
        hint = "Tính Q1, Q3 (quantile 0.25, 0.75 mặc định của pandas) RIÊNG cho từng cấp học (groupby('level'))."
        if have == _outliers(exp, by_level=False):
            hint = "Bạn đang tính ngưỡng IQR trên toàn bộ trường; phải tính riêng cho từng cấp học vì tỷ lệ học sinh/giáo viên khác nhau giữa các cấp."
        raise CheckFailed(
            f"Danh sách trường ngoại lai chưa đúng: cần {len(want)} trường, bạn có {len(have)}; "
            f"bỏ sót {len(missed)}"
            + (f" (ví dụ {missed[0]})" if missed else "")
            + f", thừa {len(extra)}"
            + (f" (ví dụ {extra[0]})" if extra else "")
            + ".",
            expected=len(want),
            found=len(have),
            hint=hint,
        )
