"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 4: Ngày sinh nhiều định dạng và gộp bản ghi trùng người.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/people_raw.csv.
"""

from __future__ import annotations

import collections
import datetime as dt
import numbers
import re
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

EXCEL_ORIGIN = dt.date(1899, 12, 30)
DMY = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
TEXT = re.compile(r"ngày\s*(\d{1,2})\s*tháng\s*(\d{1,2})\s*năm\s*(\d{4})")

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


def _safe(y, m, d):
    try:
        return dt.date(int(y), int(m), int(d)).isoformat()
    except ValueError:
        return None


def _parse(raw: str):
    """(ngày ISO hoặc None, nhóm định dạng)."""
    s = unicodedata.normalize("NFC", raw).strip()
    if m := ISO.fullmatch(s):
        return _safe(m[1], m[2], m[3]), "other"
    if m := DMY.fullmatch(s):
        return _safe(m[3], m[2], m[1]), "dmy"
    if re.fullmatch(r"\d{5}", s):
        return (EXCEL_ORIGIN + dt.timedelta(days=int(s))).isoformat(), "other"
    if m := TEXT.fullmatch(s.lower()):
        return _safe(m[3], m[2], m[1]), "other"
    return None, "invalid"


def _expected_records() -> dict:
    raw = pd.read_csv("data/people_raw.csv", dtype=str, keep_default_na=False)
    out = {}
    for rid, s in zip(raw["record_id"], raw["birth_date_raw"], strict=True):
        d, group = _parse(s)
        out[rid] = {"birth_date": d, "group": group if d else "invalid"}
    return out


def _expected_people() -> collections.Counter:
    raw = pd.read_csv("data/people_raw.csv", dtype=str, keep_default_na=False)
    rec = _expected_records()
    c = collections.Counter()
    for rid, name in zip(raw["record_id"], raw["full_name"], strict=True):
        d = rec[rid]["birth_date"]
        if d:
            c[(" ".join(unicodedata.normalize("NFC", name).split()).title(), d)] += 1
    return c


def _date(v):
    """Ngày của học viên -> 'YYYY-MM-DD'. Chấp nhận chuỗi ISO, Timestamp, hoặc số mili-giây
    (pandas ghi cột datetime ra JSON dưới dạng epoch ms)."""
    if _is_missing(v):
        return None
    if isinstance(v, (pd.Timestamp, dt.datetime)):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, numbers.Number) and not isinstance(v, bool):
        return pd.Timestamp(int(v), unit="ms").date().isoformat()
    s = str(v).strip()
    if s in ("", "NaT", "nan", "None"):
        return None
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])", s)
    if m:
        return _safe(m[1], m[2], m[3]) or s
    return s  # không phải ISO: sẽ bị tính là sai


def _check_dates(r, group: str, msg: str, hint: str):
    exp = _expected_records()
    df = _frame(r, "df_records", ["record_id", "birth_date"])
    got = _by_key(df, "record_id")
    bad, total = [], 0
    for rid, e in exp.items():
        if e["group"] != group:
            continue
        total += 1
        g = _date(got[rid]["birth_date"]) if rid in got else "(thiếu dòng)"
        if g != e["birth_date"]:
            bad.append((rid, e["birth_date"], g))
    if bad:
        _fail_rows(msg, bad, total, hint)


def check_dates_dayfirst(r):
    _check_dates(
        r,
        "dmy",
        "Ngày dạng ngày/tháng/năm (15/03/1985, 5/3/1985, 15-03-1985, 15.03.1985) phải đọc NGÀY TRƯỚC, THÁNG SAU.",
        "Dùng định dạng tường minh, ví dụ pd.to_datetime(s, format='%d/%m/%Y', errors='coerce') sau khi "
        "đổi '-' và '.' thành '/'. Kết quả ghi dạng 'YYYY-MM-DD'.",
    )


def check_dates_other_formats(r):
    _check_dates(
        r,
        "other",
        "Ngày dạng ISO (1985-03-15), số seri Excel (31121) và dạng chữ ('ngày 15 tháng 3 năm 1985') phải đọc đúng.",
        "Đọc từng định dạng riêng rồi ghép bằng .fillna()/.combine_first(). Cẩn thận: format='mixed' với "
        "dayfirst=True đọc '1985-03-05' thành 3/5! Số seri Excel: pd.to_datetime(n, unit='D', origin='1899-12-30').",
    )


def check_dates_invalid(r):
    exp = _expected_records()
    df = _frame(r, "df_records", ["record_id", "birth_date"])
    if len(df) != len(exp) or set(_by_key(df, "record_id")) != set(exp):
        raise CheckFailed(
            f"df_records phải có đúng {len(exp)} dòng, mỗi record_id một dòng.",
            expected=len(exp),
            found=len(df),
            hint="Không bỏ dòng nào ở df_records; ngày không đọc được thì để trống.",
        )
    _check_dates(
        r,
        "invalid",
        "Ngày không hợp lệ (31/02, tháng 13, chỉ có năm, trống, 'không rõ') phải để trống (NaT/NaN), không đoán.",
        "Dùng errors='coerce' để ngày không tồn tại thành NaT; không điền ngày 01/01.",
    )


def _people(r):
    df = _frame(r, "df_people", ["full_name", "birth_date", "n_records"])
    c = collections.Counter()
    for name, d, n in zip(
        df["full_name"], df["birth_date"], df["n_records"], strict=True
    ):
        c[(_text(name), _date(d), int(_num(n)) if _num(n) is not None else None)] += 1
    return c, len(df)


def check_people_count(r):
    exp = _expected_people()
    _, n = _people(r)
    if n != len(exp):
        raise CheckFailed(
            "Số người sau khi gộp bản ghi trùng chưa đúng.",
            expected=len(exp),
            found=n,
            hint="Khóa gộp = họ tên đã chuẩn hóa (NFC, gom khoảng trắng, viết hoa chữ cái đầu) + ngày sinh đã đọc đúng. "
            "Bỏ các bản ghi không có ngày sinh hợp lệ. Người trùng tên khác ngày sinh là hai người.",
        )


def check_people_keys(r):
    exp = _expected_people()
    want = collections.Counter({(k[0], k[1], n): 1 for k, n in exp.items()})
    got, _ = _people(r)
    missing = list((want - got).elements())
    extra = list((got - want).elements())
    if missing or extra:
        ex_m = missing[0] if missing else None
        ex_e = extra[0] if extra else None
        raise CheckFailed(
            f"df_people chưa đúng: thiếu {len(missing)} người, thừa hoặc sai {len(extra)} dòng "
            "(so theo họ tên, ngày sinh, số bản ghi).",
            expected=_short(
                f"{ex_m[0]} | {ex_m[1]} | {ex_m[2]}" if ex_m else "(không thiếu)", 80
            ),
            found=_short(
                f"{ex_e[0]} | {ex_e[1]} | {ex_e[2]}" if ex_e else "(không thừa)", 80
            ),
            hint="groupby([họ tên chuẩn hóa, birth_date]).size(); họ tên chuẩn hóa NFC trước khi .str.title().",
        )
