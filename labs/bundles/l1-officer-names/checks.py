"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 1: Chuẩn hóa danh sách cán bộ.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...) với nhận xét tiếng Việt. Giá trị mong đợi được tính lại
độc lập từ tệp gốc trong data/, không dựa vào bài làm của học viên.
"""

from __future__ import annotations

import numbers
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

RESULT = "df_clean"

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

GENDER_MAP = {
    "nam": "Nam",
    "m": "Nam",
    "male": "Nam",
    "nữ": "Nữ",
    "nu": "Nữ",
    "f": "Nữ",
    "female": "Nữ",
}


def _key(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).casefold().split())


def _expected() -> dict:
    """{officer_id: {full_name, gender, agency_code}} tính từ dữ liệu gốc."""
    raw = pd.read_csv("data/officers_raw.csv", dtype=str, keep_default_na=False)
    agencies = pd.read_csv("data/agencies.csv", dtype=str, keep_default_na=False)
    aliases = pd.read_csv("data/agency_aliases.csv", dtype=str, keep_default_na=False)
    lookup = {}
    for code, name in zip(agencies["code"], agencies["name"], strict=True):
        lookup[_key(code)] = code
        lookup[_key(name)] = code
    for alias, code in zip(aliases["alias"], aliases["code"], strict=True):
        lookup[_key(alias)] = code
    out = {}
    for row in raw.to_dict("records"):
        name = " ".join(unicodedata.normalize("NFC", row["full_name"]).split()).title()
        out[row["officer_id"]] = {
            "full_name": name,
            "gender": GENDER_MAP.get(_key(row["gender"])),
            "agency_code": lookup.get(_key(row["agency"])),
        }
    return out


def _compare(r, column: str, msg: str, hint: str, exact_text: bool = False):
    df = _frame(r, RESULT, ["officer_id", column])
    got = _by_key(df, "officer_id")
    exp = _expected()
    bad = []
    for oid, e in exp.items():
        if oid not in got:
            bad.append((oid, e[column], "(thiếu dòng)"))
            continue
        v = got[oid][column]
        v = (None if _is_missing(v) else str(v)) if exact_text else _text(v)
        if v != e[column]:
            bad.append((oid, e[column], v))
    if bad:
        _fail_rows(msg, bad, len(exp), hint)


def check_names_nfc(r):
    df = _frame(r, RESULT, ["officer_id", "full_name"])
    bad = []
    for oid, v in zip(df["officer_id"], df["full_name"], strict=True):
        if _is_missing(v):
            bad.append((oid, "họ tên", v))
            continue
        s = str(v)
        if not unicodedata.is_normalized("NFC", s):
            bad.append((oid, "dạng NFC", "dạng tổ hợp (NFD): " + repr(s)))
        elif s != " ".join(s.split()) or "\u00a0" in s:
            bad.append((oid, " ".join(s.split()), s))
    if bad:
        _fail_rows(
            "Họ tên phải ở dạng NFC và không có khoảng trắng thừa (đầu, cuối, hai dấu cách liền nhau, dấu cách không ngắt).",
            bad,
            len(df),
            "Dùng .str.normalize('NFC'), rồi .str.split().str.join(' ') để gom mọi khoảng trắng.",
        )


def check_names_title(r):
    _compare(
        r,
        "full_name",
        "Họ tên phải viết hoa chữ cái đầu mỗi từ (Nguyễn Thị Hòa).",
        "Chuẩn hóa NFC TRƯỚC khi gọi .str.title(): với chuỗi NFD, title() viết hoa cả chữ cái "
        "đứng sau dấu thanh (NguyễN).",
        exact_text=True,
    )


def check_gender_values(r):
    df = _frame(r, RESULT, ["officer_id", "gender"])
    odd = sorted(
        {
            str(v)
            for v in df["gender"].tolist()
            if not _is_missing(v) and str(v) not in ("Nam", "Nữ")
        }
    )
    if odd:
        raise CheckFailed(
            "Cột gender chỉ được có hai giá trị 'Nam', 'Nữ' (hoặc để trống nếu không xác định).",
            expected="Nam, Nữ, trống",
            found=_short(", ".join(repr(x) for x in odd[:6]), 80),
            hint="Chuẩn hóa NFC, bỏ khoảng trắng, chuyển chữ thường rồi ánh xạ bằng một từ điển; giá trị lạ để trống (NaN).",
        )
    _compare(
        r,
        "gender",
        "Giới tính chưa đúng.",
        "Nam: nam, m, male. Nữ: nữ, nu, f, female (sau khi chuẩn hóa NFC và chữ thường). Giá trị khác để trống, không đoán.",
    )


def check_agency_codes(r):
    _compare(
        r,
        "agency_code",
        "Mã cơ quan (agency_code) chưa đúng.",
        "So khớp theo khóa đã chuẩn hóa (NFC, chữ thường, gom khoảng trắng) với mã, tên chính thức "
        "trong agencies.csv và bí danh trong agency_aliases.csv. Không khớp thì để trống.",
    )


def check_all_rows_kept(r):
    df = _frame(r, RESULT, ["officer_id"])
    ids = [_code(v) for v in df["officer_id"].tolist()]
    exp = list(_expected())
    dup = sorted({i for i in ids if ids.count(i) > 1 and i is not None})
    missing = sorted(set(exp) - set(ids))
    extra = sorted({i for i in ids if i not in set(exp)}, key=str)
    if dup or missing or extra or len(ids) != len(exp):
        detail = (
            f"trùng: {', '.join(map(str, dup[:3]))}"
            if dup
            else f"thiếu: {', '.join(missing[:3])}"
            if missing
            else f"lạ: {', '.join(map(str, extra[:3]))}"
        )
        raise CheckFailed(
            f"df_clean phải giữ đủ {len(exp)} cán bộ, mỗi officer_id đúng một dòng ({detail}).",
            expected=len(exp),
            found=len(ids),
            hint="Làm sạch không được làm mất hay nhân bản dòng; kiểm tra lại các phép merge.",
        )
