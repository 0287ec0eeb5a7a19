"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 7: Báo cáo định kỳ của cán bộ đầu mối dữ liệu.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/reports_raw.csv và
data/required_agencies.csv.
"""

from __future__ import annotations

import datetime as dt
import numbers
import re
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

VN = dt.timezone(dt.timedelta(hours=7))
MONTHS = [f"2026-{m:02d}" for m in range(1, 7)]
STATUSES = ("Đúng hạn", "Trễ hạn", "Chưa nộp")

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


def _period(s: str):
    s = s.strip()
    if m := re.fullmatch(r"(\d{4})-(\d{1,2})", s):
        return f"{int(m[1])}-{int(m[2]):02d}"
    if m := re.fullmatch(r"(\d{1,2})/(\d{4})", s):
        return f"{int(m[2])}-{int(m[1]):02d}"
    return None


def _expected():
    """({(agency, 'YYYY-MM'): trạng thái}, {(agency, period): thông tin nhóm})."""
    req = pd.read_csv("data/required_agencies.csv", dtype=str)["code"].tolist()
    raw = pd.read_csv("data/reports_raw.csv", dtype=str, keep_default_na=False)
    first, count, utc = {}, {}, {}
    for row in raw.to_dict("records"):
        code = row["agency_code"].strip().upper()
        period = _period(row["period"])
        t = dt.datetime.fromisoformat(
            row["submitted_at"].strip().replace("Z", "+00:00")
        ).astimezone(VN)
        key = (code, period)
        count[key] = count.get(key, 0) + 1
        if key not in first or t < first[key]:
            first[key] = t
            utc[key] = row["submitted_at"].strip().endswith("Z")
    grid, info = {}, {}
    for code in req:
        for p in MONTHS:
            key = (code, p)
            if key not in first:
                grid[key] = "Chưa nộp"
                info[key] = set()
                continue
            y, m = map(int, p.split("-"))
            deadline = dt.datetime(y, m, 25, tzinfo=VN)
            grid[key] = "Đúng hạn" if first[key] < deadline else "Trễ hạn"
            groups = set()
            if count[key] > 1:
                groups.add("multi")
            if utc[key] or first[key].date() in (dt.date(y, m, 24), dt.date(y, m, 25)):
                groups.add("edge")
            info[key] = groups
    return grid, info, req


def _grid(r):
    df = _frame(r, "df_grid", ["agency_code"])
    missing = [m for m in MONTHS if m not in df.columns]
    if missing:
        raise CheckFailed(
            "df_grid phải có một cột cho mỗi tháng, đặt tên dạng 'YYYY-MM' (2026-01 … 2026-06).",
            expected=", ".join(MONTHS),
            found=_short(
                ", ".join(str(c) for c in df.columns if c != "agency_code"), 80
            ),
            hint="Sau pivot, đổi nhãn cột kỳ báo cáo thành chuỗi 'YYYY-MM' và reset_index().",
        )
    got = {}
    for row in df.to_dict("records"):
        code = _text(row["agency_code"])
        for m in MONTHS:
            got.setdefault((code, m), _text(row[m]))
    return df, got


def _compare(r, group: str | None, msg: str, hint: str):
    exp, info, _ = _expected()
    _, got = _grid(r)
    bad, total = [], 0
    for key, status in exp.items():
        if group is not None and group not in info[key]:
            continue
        total += 1
        g = got.get(key, "(thiếu dòng)")
        if g != status:
            bad.append((f"{key[0]} {key[1]}", status, g))
    if bad:
        _fail_rows(msg, bad, total, hint)


def check_grid_complete(r):
    _, _, req = _expected()
    df, _ = _grid(r)
    codes = [_text(c) for c in df["agency_code"].tolist()]
    extra = sorted({c for c in codes if c not in set(req)}, key=str)
    missing = sorted(set(req) - set(codes))
    if extra or missing or len(codes) != len(req):
        raise CheckFailed(
            f"df_grid phải có đúng {len(req)} dòng: mỗi cơ quan trong required_agencies.csv một dòng, "
            f"kể cả cơ quan chưa nộp tháng nào"
            + (f"; thiếu {len(missing)} (ví dụ {missing[0]})" if missing else "")
            + (f"; thừa {len(extra)} (ví dụ {extra[0]})" if extra else "")
            + ".",
            expected=len(req),
            found=len(codes),
            hint="Chuẩn hóa mã (strip, upper), bỏ đơn vị không thuộc diện báo cáo, rồi reindex theo danh sách "
            "required_agencies để không sót đơn vị nào.",
        )
    odd = sorted({str(v) for m in MONTHS for v in df[m].tolist()} - set(STATUSES))
    if odd:
        raise CheckFailed(
            "Mỗi ô của df_grid chỉ được là 'Đúng hạn', 'Trễ hạn' hoặc 'Chưa nộp'.",
            expected=", ".join(STATUSES),
            found=_short(", ".join(odd[:4]), 80),
            hint="Ô không có báo cáo điền 'Chưa nộp' (fillna), không để trống.",
        )


def check_first_submission(r):
    _compare(
        r,
        "multi",
        "Khi một cơ quan gửi nhiều lần cho cùng một kỳ, hạn được xét theo LẦN GỬI ĐẦU TIÊN.",
        "Lấy thời điểm gửi sớm nhất cho mỗi (cơ quan, kỳ): groupby([...])['submitted_at'].min(). "
        "Dữ liệu không sắp xếp theo thời gian; lần gửi bổ sung sau không làm báo cáo thành trễ.",
    )


def check_deadline_timezone(r):
    _compare(
        r,
        "edge",
        "Báo cáo phải gửi TRƯỚC ngày 25 (giờ Việt Nam): gửi trong ngày 25 là trễ hạn.",
        "Đọc submitted_at với utc=True rồi .dt.tz_convert('+07:00'): '…T18:30:00Z' ngày 24 là 01:30 ngày 25 giờ "
        "Việt Nam. Đúng hạn khi thời điểm gửi < 00:00 ngày 25 của tháng báo cáo.",
    )


def check_all_cells(r):
    _compare(
        r,
        None,
        "Bảng cơ quan × tháng chưa đúng.",
        "Kỳ báo cáo lấy từ cột period (dạng '2026-01', '01/2026', '1/2026'), không phải từ tháng gửi. "
        "Báo cáo tháng 1 gửi ngày 03/02 là trễ hạn của kỳ 2026-01.",
    )


def check_month_summary(r):
    exp, _, _ = _expected()
    df = _frame(r, "df_month", ["period", "n_on_time", "n_late", "n_missing"])
    got = {}
    for row in df.to_dict("records"):
        p = row["period"]
        p = _label(p) if isinstance(p, pd.Timestamp) else _period(str(p)) or _text(p)
        got.setdefault(
            p, (_num(row["n_on_time"]), _num(row["n_late"]), _num(row["n_missing"]))
        )
    bad = []
    for m in MONTHS:
        want = tuple(
            float(sum(1 for (c, p), s in exp.items() if p == m and s == st))
            for st in STATUSES
        )
        g = got.get(m)
        if g != want:
            bad.append(
                (
                    m,
                    "/".join(f"{x:g}" for x in want),
                    "/".join("?" if x is None else f"{x:g}" for x in g)
                    if g
                    else "(thiếu dòng)",
                )
            )
    if bad or len(df) != len(MONTHS):
        if not bad:
            bad = [("số dòng", len(MONTHS), len(df))]
        _fail_rows(
            "df_month (đúng hạn/trễ hạn/chưa nộp theo tháng) chưa đúng.",
            bad,
            len(MONTHS),
            "Đếm từ df_grid đã đúng: mỗi tháng một dòng, cột period dạng 'YYYY-MM'.",
        )
