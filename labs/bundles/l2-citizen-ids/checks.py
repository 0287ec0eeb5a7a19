"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 2: Chuẩn hóa số định danh cá nhân (CCCD).

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/citizens_raw.csv.
"""

from __future__ import annotations

import numbers
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

RESULT = "df_clean"
CODES = [
    "INVALID",
    "OLD_CMND",
    "MISMATCH",
    "DUPLICATE",
    "FIXED_LEADING_ZERO",
    "FIXED_FORMAT",
    "OK",
]

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


def _century_gender(year: int, gender: str) -> str:
    # Thế kỷ 20: nam 0, nữ 1; thế kỷ 21: nam 2, nữ 3.
    return str((year // 100 - 19) * 2 + (1 if gender == "Nữ" else 0))


def _expected() -> dict:
    """{record_id: {cccd, reason_code}} theo đúng thứ tự ưu tiên của đề bài."""
    raw = pd.read_csv("data/citizens_raw.csv", dtype=str, keep_default_na=False)
    seen, out = set(), {}
    for row in raw.sort_values("record_id").to_dict("records"):
        s = row["id_raw"]
        digits = "".join(ch for ch in s if ch not in " .-\t\u00a0")
        year, gender = int(row["birth_year"]), row["gender"]
        cccd = None
        if (
            not digits.isdigit()
            or not digits.isascii()
            or len(digits) not in (9, 10, 11, 12)
        ):
            reason = "INVALID"
        elif len(digits) == 9:
            reason = "OLD_CMND"
        else:
            cccd = digits.zfill(12)
            if (
                cccd[3] != _century_gender(year, gender)
                or cccd[4:6] != f"{year % 100:02d}"
            ):
                reason = "MISMATCH"
            elif cccd in seen:
                reason = "DUPLICATE"
            elif len(digits) < 12:
                reason = "FIXED_LEADING_ZERO"
            elif digits != s:
                reason = "FIXED_FORMAT"
            else:
                reason = "OK"
            seen.add(cccd)
        out[row["record_id"]] = {"cccd": cccd, "reason_code": reason}
    return out


def _got(r, col):
    df = _frame(r, RESULT, ["record_id", col])
    return _by_key(df, "record_id")


def _subset_check(r, code: str, msg: str, hint: str):
    exp = _expected()
    got = _got(r, "reason_code")
    want = {k for k, v in exp.items() if v["reason_code"] == code}
    have = {k for k, v in got.items() if _text(v["reason_code"]) == code}
    missed, wrong = sorted(want - have), sorted(have - want)
    if missed or wrong:
        ex = missed[0] if missed else wrong[0]
        raise CheckFailed(
            f"{msg} Cần gắn {code} cho {len(want)} bản ghi; bạn gắn đúng {len(want & have)}, "
            f"bỏ sót {len(missed)}, gắn nhầm {len(wrong)} (ví dụ {ex}).",
            expected=len(want),
            found=len(have),
            hint=hint,
        )


def check_cccd_normalised(r):
    exp = _expected()
    df = _frame(r, RESULT, ["record_id", "cccd"])
    got = _by_key(df, "record_id")
    bad = []
    for rid, e in exp.items():
        if rid not in got:
            bad.append((rid, e["cccd"], "(thiếu dòng)"))
            continue
        v = _code(got[rid]["cccd"], 12)
        if v != e["cccd"]:
            bad.append((rid, e["cccd"], v))
    if bad:
        _fail_rows(
            "Cột cccd phải là chuỗi đúng 12 chữ số (bỏ dấu cách, dấu chấm, gạch ngang; bù số 0 bị mất ở đầu), "
            "để trống với số CMND 9 số và giá trị không hợp lệ.",
            bad,
            len(exp),
            "Đọc CSV với dtype=str; bỏ ký tự phân cách bằng .str.replace(r'[\\s.\\-]', '', regex=True); "
            "chuỗi 10–11 chữ số thì .str.zfill(12).",
        )


def check_old_cmnd_flagged(r):
    _subset_check(
        r,
        "OLD_CMND",
        "Số CMND cũ 9 chữ số phải được gắn mã OLD_CMND (không bù 0 thành 12 số).",
        "Sau khi bỏ ký tự phân cách, chuỗi đúng 9 chữ số là CMND cũ; cccd để trống.",
    )


def check_mismatch_flagged(r):
    _subset_check(
        r,
        "MISMATCH",
        "Số định danh có mã thế kỷ/giới tính (chữ số thứ 4) hoặc năm sinh (chữ số 5–6) không khớp hồ sơ phải được gắn MISMATCH.",
        "Chữ số thứ 4: sinh 1900–1999 thì nam 0, nữ 1; sinh 2000–2099 thì nam 2, nữ 3. "
        "Chữ số 5–6 = hai số cuối năm sinh.",
    )


def check_duplicates_flagged(r):
    _subset_check(
        r,
        "DUPLICATE",
        "Bản ghi có số định danh (sau chuẩn hóa) trùng một bản ghi đứng trước phải được gắn DUPLICATE; "
        "bản ghi xuất hiện đầu tiên giữ nguyên.",
        "Chuẩn hóa trước rồi mới tìm trùng: df.sort_values('record_id') và "
        ".duplicated('cccd', keep='first') trên các dòng có cccd.",
    )


def check_reason_codes(r):
    exp = _expected()
    got = _got(r, "reason_code")
    odd = sorted({str(_text(v["reason_code"])) for v in got.values()} - set(CODES))
    if odd:
        raise CheckFailed(
            "reason_code chỉ được dùng các mã: " + ", ".join(CODES) + ".",
            expected=", ".join(CODES),
            found=_short(", ".join(odd[:5]), 80),
            hint="Viết đúng chữ hoa, không dấu cách thừa.",
        )
    bad = [
        (
            rid,
            e["reason_code"],
            _text(got[rid]["reason_code"]) if rid in got else "(thiếu dòng)",
        )
        for rid, e in exp.items()
        if rid not in got or _text(got[rid]["reason_code"]) != e["reason_code"]
    ]
    if bad:
        _fail_rows(
            "reason_code chưa đúng.",
            bad,
            len(exp),
            "Xét theo thứ tự ưu tiên INVALID → OLD_CMND → MISMATCH → DUPLICATE → FIXED_LEADING_ZERO → "
            "FIXED_FORMAT → OK; np.select lấy điều kiện đúng đầu tiên.",
        )
