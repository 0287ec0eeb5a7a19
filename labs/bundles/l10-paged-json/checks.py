"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 10: JSON phân trang từ nền tảng tích hợp, chia sẻ dữ liệu.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại bằng cách đi theo links.next
từ data/api/page_0.json.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import numbers
import unicodedata
from pathlib import Path

import pandas as pd

from labs.checklib import CheckFailed

API = Path("data/api")
FIRST = "page_0.json"
COLS = ["id", "procedure_code", "agency_code", "commune_code", "status", "fee"]

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


def _walk():
    """(danh sách trang theo thứ tự liên kết, danh sách bản ghi theo thứ tự đọc)."""
    names, records, name = [], [], FIRST
    while name:
        if name in names:
            raise RuntimeError("vòng lặp liên kết")
        names.append(name)
        page = json.loads((API / name).read_text(encoding="utf-8"))
        records += page["data"]
        name = page["links"]["next"]
    return names, records


def _flat(rec: dict) -> dict:
    applicant = rec.get("applicant") or {}
    commune = (applicant.get("commune") or {}).get("code")
    return {
        "id": rec["id"],
        "procedure_code": rec["procedure"]["code"],
        "agency_code": rec["agency"]["code"],
        "commune_code": commune,
        "status": rec["status"],
        "fee": rec.get("fee"),
        "updated": dt.datetime.fromisoformat(rec["updated_at"].replace("Z", "+00:00")),
    }


def _expected():
    names, records = _walk()
    best, count = {}, collections.Counter()
    for rec in records:
        f = _flat(rec)
        count[f["id"]] += 1
        if f["id"] not in best or f["updated"] > best[f["id"]]["updated"]:
            best[f["id"]] = f
    linked = set(names)
    orphan_ids = set()
    for p in sorted(API.glob("*.json")):
        if p.name not in linked:
            orphan_ids |= {
                r["id"] for r in json.loads(p.read_text(encoding="utf-8"))["data"]
            }
    last_page = json.loads((API / names[-1]).read_text(encoding="utf-8"))
    return {
        "n_pages": len(names),
        "rows": best,
        "multi": {k for k, n in count.items() if n > 1},
        "changed": {
            k
            for k in count
            if count[k] > 1
            and len({_flat(r)["status"] for r in records if r["id"] == k}) > 1
        },
        "orphan_only": orphan_ids - set(best),
        "last_page_ids": {r["id"] for r in last_page["data"]},
    }


def _flat_df(r, cols):
    return _frame(r, "df_flat", cols)


def check_pages_followed(r):
    exp = _expected()
    n = _num(r.get("n_pages"))
    if n != exp["n_pages"]:
        raise CheckFailed(
            "n_pages phải là số trang đọc được khi đi theo links.next từ page_0.json cho tới khi next = null.",
            expected=exp["n_pages"],
            found=_short(r.get("n_pages")),
            hint="Dùng vòng lặp while: đọc trang, lưu data, gán ten_trang = trang['links']['next'].",
        )
    df = _flat_df(r, ["id"])
    ids = {_text(v) for v in df["id"].tolist()}
    missing = sorted(exp["last_page_ids"] - ids)
    if missing:
        raise CheckFailed(
            f"Thiếu {len(missing)} hồ sơ của trang cuối (ví dụ {missing[0]}): chưa đọc hết chuỗi trang.",
            expected=0,
            found=len(missing),
            hint="Đọc cho tới khi links.next là null (None trong Python).",
        )


def check_no_orphan_page(r):
    exp = _expected()
    df = _flat_df(r, ["id"])
    ids = {_text(v) for v in df["id"].tolist()}
    bad = sorted(ids & exp["orphan_only"])
    if bad:
        raise CheckFailed(
            f"df_flat có {len(bad)} hồ sơ chỉ nằm trong một tệp trang không được liên kết (bản xuất cũ), ví dụ {bad[0]}.",
            expected=0,
            found=len(bad),
            hint="Không dùng glob('*.json') để đọc mọi tệp; chỉ đọc các trang theo links.next bắt đầu từ page_0.json.",
        )


def check_flattened_fields(r):
    exp = _expected()
    df = _flat_df(r, ["id", "procedure_code", "agency_code", "commune_code"])
    got = _by_key(df, "id")
    bad = []
    for k, e in exp["rows"].items():
        if k not in got:
            bad.append((k, "(có dòng)", "(thiếu dòng)"))
            continue
        for c, w in (
            ("procedure_code", None),
            ("agency_code", None),
            ("commune_code", 5),
        ):
            g = _code(got[k][c], w)
            if g != e[c]:
                bad.append((f"{k}.{c}", e[c], g))
                break
    if bad:
        _fail_rows(
            "Các trường lồng nhau phải được làm phẳng đúng: procedure.code → procedure_code, agency.code → agency_code, "
            "applicant.commune.code → commune_code (chuỗi 5 chữ số; để trống khi thiếu applicant hoặc commune).",
            bad,
            len(exp["rows"]),
            "pd.json_normalize(ban_ghi) rồi đổi tên cột 'procedure.code', 'agency.code', 'applicant.commune.code'; "
            "giữ mã dạng chuỗi.",
        )


def check_dedup_latest(r):
    exp = _expected()
    df = _flat_df(r, ["id", "status"])
    ids = [_text(v) for v in df["id"].tolist()]
    dup = sorted({i for i, n in collections.Counter(ids).items() if n > 1})
    if dup:
        raise CheckFailed(
            f"Mỗi hồ sơ chỉ được một dòng; có {len(dup)} id bị lặp (ví dụ {dup[0]}). Các trang chồng lấn nhau ở ranh giới.",
            expected=0,
            found=len(dup),
            hint="Sắp xếp theo updated_at (đã đổi sang datetime, utc=True) rồi drop_duplicates('id', keep='last').",
        )
    got = _by_key(df, "id")
    bad = [
        (
            k,
            exp["rows"][k]["status"],
            _text(got[k]["status"]) if k in got else "(thiếu dòng)",
        )
        for k in sorted(exp["changed"])
        if k not in got or _text(got[k]["status"]) != exp["rows"][k]["status"]
    ]
    if bad:
        _fail_rows(
            "Với hồ sơ xuất hiện nhiều phiên bản, phải giữ phiên bản có updated_at MUỘN NHẤT.",
            bad,
            len(exp["changed"]),
            "updated_at có hai kiểu múi giờ (+07:00 và Z): so sánh CHUỖI sẽ sai. Đổi sang thời điểm bằng "
            "pd.to_datetime(..., utc=True) rồi mới sắp xếp; không dựa vào thứ tự trang.",
        )


def check_all_rows(r):
    exp = _expected()
    df = _flat_df(r, COLS)
    got = _by_key(df, "id")
    want = set(exp["rows"])
    if set(got) != want or len(df) != len(want):
        missing, extra = sorted(want - set(got)), sorted(set(got) - want)
        n_dup = len(df) - len(got)
        raise CheckFailed(
            f"df_flat phải có đúng {len(want)} hồ sơ (mỗi id một dòng); thiếu {len(missing)}, thừa {len(extra)}"
            + (
                f" (ví dụ thiếu {missing[0]})"
                if missing
                else f" (ví dụ thừa {extra[0]})"
                if extra
                else ""
            )
            + (f", {n_dup} dòng lặp id" if n_dup > 0 else "")
            + ".",
            expected=len(want),
            found=len(df),
            hint="Đọc đủ các trang theo links.next, bỏ trùng theo id, không đọc trang không được liên kết.",
        )
    bad = []
    for k, e in exp["rows"].items():
        g = got[k]
        if _text(g["status"]) != e["status"]:
            bad.append((f"{k}.status", e["status"], _text(g["status"])))
        elif _num(g["fee"]) != (None if e["fee"] is None else float(e["fee"])):
            bad.append((f"{k}.fee", e["fee"], _num(g["fee"])))
    if bad:
        _fail_rows(
            "Giá trị status/fee chưa đúng.",
            bad,
            len(want),
            "fee giữ dạng số (null → NaN); status lấy từ phiên bản mới nhất.",
        )
