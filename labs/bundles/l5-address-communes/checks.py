"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 5: Địa chỉ cũ → 99 xã, phường mới.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/households_raw.csv và
bảng sáp nhập data/commune_merges_2025.csv.
"""

from __future__ import annotations

import numbers
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

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


def _key(s: str) -> str:
    return " ".join(unicodedata.normalize("NFC", s).casefold().split())


def _expected() -> dict:
    raw = pd.read_csv("data/households_raw.csv", dtype=str, keep_default_na=False)
    merges = pd.read_csv(
        "data/commune_merges_2025.csv", dtype=str, keep_default_na=False
    )
    by_code = {m["old_code"]: m for m in merges.to_dict("records")}
    by_name = {
        (_key(m["old_full_name"]), _key(m["old_district"])): m
        for m in merges.to_dict("records")
    }
    assert len(by_name) == len(merges)
    out = {}
    for row in raw.to_dict("records"):
        code = row["old_commune_code"].strip()
        if code:
            m, how = by_code[code.zfill(5)], "code"
        else:
            m, how = (
                by_name[(_key(row["old_commune"]), _key(row["old_district"]))],
                "name",
            )
        old_kind = m["old_full_name"].split(" ")[0]
        new_kind = m["new_full_name"].split(" ")[0]
        out[row["record_id"]] = {
            "new_code": m["new_code"],
            "needs_review": m["resolution_article"] == "",
            "how": how,
            "trap": (old_kind != new_kind)
            or (m["old_code"] in ("07243", "07816", "07682", "07693")),
        }
    return out


def _mapped(r):
    df = _frame(r, "df_mapped", ["record_id", "new_code"])
    return df, _by_key(df, "record_id")


def _compare(r, how: str, msg: str, hint: str):
    exp = _expected()
    _, got = _mapped(r)
    bad, total = [], 0
    for rid, e in exp.items():
        if e["how"] != how:
            continue
        total += 1
        g = _code(got[rid]["new_code"], 5) if rid in got else "(thiếu dòng)"
        if g != e["new_code"]:
            bad.append((rid, e["new_code"], g))
    if bad:
        traps = sum(1 for k, *_ in bad if exp[k]["trap"])
        extra = (
            f" Trong đó {traps} bản ghi thuộc các trường hợp bẫy (đổi loại đơn vị, trùng tên)."
            if traps
            else ""
        )
        _fail_rows(msg + extra, bad, total, hint)


def check_code_join(r):
    _compare(
        r,
        "code",
        "Bản ghi có mã xã cũ phải được ánh xạ qua cột old_code của bảng sáp nhập.",
        "Bù số 0 cho mã (.str.zfill(5)) rồi merge với commune_merges_2025 theo old_code. Không nối mã cũ "
        "thẳng vào communes_2025: ví dụ Xã Xuân Lương cũ mã 07249, nay Xã Xuân Lương mã 07246.",
    )


def check_name_district_join(r):
    _compare(
        r,
        "name",
        "Bản ghi không có mã phải được ánh xạ theo (tên đơn vị cũ, huyện cũ) trong bảng sáp nhập.",
        "Chuẩn hóa cả hai phía (NFC, chữ thường, gom khoảng trắng) rồi merge trên HAI cột old_full_name và "
        "old_district. Có hai 'Xã Đồng Tiến' ở hai huyện; giữ nguyên chữ Xã/Phường/Thị trấn vì "
        "'Phường Tân An' và 'Xã Tân An' là hai đơn vị khác nhau.",
    )


def check_one_row_per_record(r):
    exp = _expected()
    df, _ = _mapped(r)
    ids = [_code(v) for v in df["record_id"].tolist()]
    if len(ids) != len(exp) or set(ids) != set(exp):
        dup = len(ids) - len(set(ids))
        raise CheckFailed(
            f"df_mapped phải có đúng {len(exp)} dòng, mỗi hộ một dòng"
            + (f" ({dup} dòng bị nhân bản)." if dup > 0 else "."),
            expected=len(exp),
            found=len(ids),
            hint="Phép merge nhân bản dòng khi khóa nối không duy nhất (ví dụ chỉ nối theo tên xã). "
            "Kiểm tra bằng merge(..., validate='many_to_one').",
        )


def check_needs_review(r):
    exp = _expected()
    df = _frame(r, "df_mapped", ["record_id", "needs_review"])
    got = _by_key(df, "record_id")

    def truthy(v):
        if _is_missing(v):
            return False
        if isinstance(v, str):
            return v.strip().lower() in ("true", "1", "yes", "có")
        return bool(v)

    want = {k for k, e in exp.items() if e["needs_review"]}
    have = {k for k, row in got.items() if truthy(row["needs_review"])}
    if want != have:
        raise CheckFailed(
            f"needs_review phải là True đúng ở {len(want)} hộ thuộc các đơn vị cũ mà Nghị quyết 1658 "
            f"không nêu tên (resolution_article trống); bạn đánh dấu {len(have)} hộ, đúng {len(want & have)}.",
            expected=len(want),
            found=len(have),
            hint="needs_review = (resolution_article == '') sau khi merge; đọc CSV với keep_default_na=False "
            "hoặc dùng .isna() nếu ô trống thành NaN.",
        )


def check_counts_99(r):
    exp = _expected()
    communes = pd.read_csv("data/communes_2025.csv", dtype=str)
    want = dict.fromkeys(communes["code"], 0)
    for e in exp.values():
        want[e["new_code"]] += 1
    df = _frame(r, "df_counts", ["new_code", "n_records"])
    got = {}
    for code, n in zip(df["new_code"], df["n_records"], strict=True):
        got[_code(code, 5)] = _num(n)
    if len(df) != 99 or set(got) != set(want):
        zero = sorted(c for c, n in want.items() if n == 0)
        raise CheckFailed(
            "df_counts phải có đủ 99 xã, phường mới (mỗi đơn vị một dòng), kể cả đơn vị không có hộ nào (0).",
            expected=99,
            found=len(df),
            hint=f"Bắt đầu từ communes_2025 rồi merge/reindex; các đơn vị 0 hộ như {', '.join(zero[:3])} vẫn phải có.",
        )
    bad = [(c, n, got[c]) for c, n in want.items() if got[c] != n]
    if bad:
        _fail_rows(
            "Số hộ theo xã, phường mới chưa đúng.",
            bad,
            99,
            "Đếm trên df_mapped đã đúng (mỗi hộ một dòng); đơn vị không có hộ điền 0 (fillna(0)).",
        )
