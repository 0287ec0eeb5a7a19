"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 6: Tỷ lệ hồ sơ thủ tục hành chính giải quyết đúng hạn.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/dossiers_raw.csv.
"""

from __future__ import annotations

import datetime as dt
import numbers
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

DONE = "Đã trả kết quả"
TOL = 5e-4  # chấp nhận làm tròn tới 4 chữ số thập phân

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


def _rows(dedupe: bool = True):
    raw = pd.read_csv("data/dossiers_raw.csv", dtype=str, keep_default_na=False)
    if dedupe:
        raw = raw.drop_duplicates()
    out = []
    for row in raw.to_dict("records"):
        resolved = row["status"].strip() == DONE
        on_time = None
        if resolved:
            finished = dt.datetime.strptime(row["finished_at"], "%Y-%m-%d %H:%M").date()
            on_time = finished <= dt.date.fromisoformat(row["due_date"])
        out.append(
            {
                "agency": row["agency_code"],
                "commune": row["commune_code"] or None,
                "status": row["status"],
                "resolved": resolved,
                "on_time": on_time,
            }
        )
    return out


def _expected(key: str, dedupe: bool = True, naive_deadline: bool = False) -> dict:
    """{mã: (n_resolved, n_on_time)}"""
    out = {}
    raw = pd.read_csv("data/dossiers_raw.csv", dtype=str, keep_default_na=False)
    if dedupe:
        raw = raw.drop_duplicates()
    for row in raw.to_dict("records"):
        k = row[key] or None
        if k is None or row["status"].strip() != DONE:
            continue
        finished = dt.datetime.strptime(row["finished_at"], "%Y-%m-%d %H:%M")
        due = dt.datetime.fromisoformat(row["due_date"])
        ok = finished <= due if naive_deadline else finished.date() <= due.date()
        n, m = out.get(k, (0, 0))
        out[k] = (n + 1, m + int(ok))
    return out


def _table(r, name: str, key: str, width: int | None):
    df = _frame(r, name, [key, "n_resolved", "n_on_time", "on_time_rate"])
    got = {}
    for row in df.to_dict("records"):
        k = _code(row[key], width)
        if k is not None and k not in got:
            got[k] = (
                _num(row["n_resolved"]),
                _num(row["n_on_time"]),
                _num(row["on_time_rate"]),
            )
    return got


def _extra_rows(got: dict, exp: dict):
    """Dòng thừa chỉ chấp nhận nếu n_resolved = 0 (ví dụ khi reindex theo danh mục)."""
    return [k for k, v in got.items() if k not in exp and (v[0] or 0) != 0]


def check_resolved_counts(r):
    exp = _expected("agency_code")
    got = _table(r, "df_agency", "agency_code", None)
    bad = [
        (k, n, got[k][0] if k in got else "(thiếu dòng)")
        for k, (n, _) in exp.items()
        if k not in got or got[k][0] != n
    ]
    bad += [(k, 0, got[k][0]) for k in _extra_rows(got, exp)]
    if bad:
        total_got = sum(v[0] or 0 for v in got.values())
        total_exp = sum(n for n, _ in exp.values())
        total_dup = sum(n for n, _ in _expected("agency_code", dedupe=False).values())
        all_rows = len(_rows(dedupe=True))
        if total_got == total_dup and total_dup != total_exp:
            hint = "Có vẻ chưa bỏ các dòng trùng lặp (cùng một hồ sơ được đồng bộ hai lần): dùng drop_duplicates()."
        elif total_got >= all_rows:
            hint = "n_resolved chỉ đếm hồ sơ có trạng thái 'Đã trả kết quả'; bỏ hồ sơ 'Đang xử lý' và 'Đã rút hồ sơ'."
        else:
            hint = "Bỏ dòng trùng, chỉ giữ hồ sơ 'Đã trả kết quả', rồi groupby('agency_code')."
        _fail_rows(
            f"Số hồ sơ đã giải quyết (n_resolved) theo cơ quan chưa đúng (tổng mong đợi {total_exp}, "
            f"của bạn {total_got:g}).",
            bad,
            len(exp) + len(_extra_rows(got, exp)),
            hint,
        )


def check_on_time_end_of_day(r):
    exp = _expected("agency_code")
    got = _table(r, "df_agency", "agency_code", None)
    bad = [
        (k, m, got[k][1] if k in got else "(thiếu dòng)")
        for k, (_, m) in exp.items()
        if k not in got or got[k][1] != m
    ]
    if bad:
        naive = _expected("agency_code", naive_deadline=True)
        looks_naive = sum(m for _, m in naive.values()) == sum(
            (v[1] or 0) for v in got.values()
        )
        hint = (
            "Hồ sơ trả kết quả trong ngày hẹn (kể cả buổi chiều) vẫn đúng hạn: so sánh NGÀY trả "
            "(finished_at.dt.normalize() hoặc .dt.date) với due_date, không so giờ với 00:00 của ngày hẹn."
            if looks_naive
            else "Đúng hạn khi ngày trả kết quả <= ngày hẹn trả (due_date); chỉ tính trên hồ sơ đã giải quyết, đã bỏ trùng."
        )
        _fail_rows(
            "Số hồ sơ đúng hạn (n_on_time) theo cơ quan chưa đúng.", bad, len(exp), hint
        )


def _rate_bad(exp: dict, got: dict):
    bad = []
    for k, (n, m) in exp.items():
        want = m / n
        g = got[k][2] if k in got else None
        if g is None or abs(g - want) > TOL:
            bad.append((k, round(want, 4), g if k in got else "(thiếu dòng)"))
    return bad


def check_agency_rate(r):
    exp = _expected("agency_code")
    got = _table(r, "df_agency", "agency_code", None)
    bad = _rate_bad(exp, got)
    if bad:
        pct = any((v[2] or 0) > 1.0001 for v in got.values())
        _fail_rows(
            "Tỷ lệ đúng hạn (on_time_rate) theo cơ quan chưa đúng.",
            bad,
            len(exp),
            "on_time_rate là số thập phân 0–1 (0.925), không phải phần trăm (92.5)."
            if pct
            else "on_time_rate = n_on_time / n_resolved, tính trên hồ sơ đã giải quyết (không phải tổng hồ sơ).",
        )


def check_commune_rates(r):
    exp = _expected("commune_code")
    got = _table(r, "df_commune", "commune_code", 5)
    bad = [
        (
            k,
            f"{n}/{m}",
            f"{got[k][0]:g}/{got[k][1]:g}"
            if k in got and None not in got[k][:2]
            else "(thiếu dòng)",
        )
        for k, (n, m) in exp.items()
        if k not in got or got[k][0] != n or got[k][1] != m
    ]
    bad += [(k, "0", got[k][0]) for k in _extra_rows(got, exp)]
    if bad:
        _fail_rows(
            "Số hồ sơ giải quyết/đúng hạn theo xã, phường nơi cư trú (n_resolved/n_on_time) chưa đúng.",
            bad,
            len(exp) + len(_extra_rows(got, exp)),
            "Nhóm theo commune_code của người nộp (không phải cơ quan giải quyết); hồ sơ không có "
            "commune_code (ngoài tỉnh) không tính; cùng quy tắc bỏ trùng và đúng hạn như bảng cơ quan.",
        )
    bad = _rate_bad(exp, got)
    if bad:
        _fail_rows(
            "Tỷ lệ đúng hạn theo xã, phường chưa đúng.",
            bad,
            len(exp),
            "on_time_rate = n_on_time / n_resolved, dạng số thập phân 0–1.",
        )
