"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 9: Che dữ liệu cá nhân và k-ẩn danh.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/beneficiaries_raw.csv.
"""

from __future__ import annotations

import collections
import numbers
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

K = 5
QI = ["birth_decade", "gender", "commune_code"]
RELEASE_COLS = [*QI, "benefit_type"]

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


def _raw() -> pd.DataFrame:
    return pd.read_csv("data/beneficiaries_raw.csv", dtype=str, keep_default_na=False)


def _mask_name(name: str) -> str:
    words = unicodedata.normalize("NFC", name).split()
    return " ".join([words[0]] + [w[0] + "." for w in words[1:]])


def _expected_masked() -> dict:
    out = {}
    for r in _raw().to_dict("records"):
        out[r["record_id"]] = {
            "full_name": _mask_name(r["full_name"]),
            "cccd": r["cccd"][:3] + "*" * 6 + r["cccd"][-3:],
            "phone": r["phone"][:3] + "*" * 4 + r["phone"][-3:],
            "birth_year": int(r["birth_date"][:4]),
        }
    return out


def _decade(birth_date: str) -> str:
    d = int(birth_date[:3]) * 10
    return f"{d}-{d + 9}"


def _expected_release() -> collections.Counter:
    raw = _raw()
    rows = [
        (_decade(b), g, c, t)
        for b, g, c, t in zip(
            raw["birth_date"],
            raw["gender"],
            raw["commune_code"],
            raw["benefit_type"],
            strict=True,
        )
    ]
    size = collections.Counter(r[:3] for r in rows)
    return collections.Counter(r for r in rows if size[r[:3]] >= K)


def _masked(r, cols):
    df = _frame(r, "df_masked", ["record_id", *cols])
    return df, _by_key(df, "record_id")


def _all_cells(df: pd.DataFrame) -> set:
    return {
        str(v).strip()
        for col in df.columns
        for v in df[col].tolist()
        if not _is_missing(v)
    }


def _leaks(df: pd.DataFrame) -> list:
    raw = _raw()
    cells = _all_cells(df)
    secrets = (
        {("cccd", v) for v in raw["cccd"]}
        | {("phone", v) for v in raw["phone"]}
        | {("full_name", v) for v in raw["full_name"]}
        | {("birth_date", v) for v in raw["birth_date"]}
    )
    found = sorted((kind, v) for kind, v in secrets if v in cells)
    # Số bị chuyển thành số nguyên khi truyền (mất số 0 đầu) vẫn là lộ dữ liệu.
    nums = {
        str(int(v))
        for col in df.columns
        for v in df[col].tolist()
        if isinstance(v, numbers.Integral) and not isinstance(v, bool)
    }
    found += sorted(("cccd", v) for v in raw["cccd"] if v.lstrip("0") in nums)
    found += sorted(("phone", v) for v in raw["phone"] if v.lstrip("0") in nums)
    return found


def check_cccd_masked(r):
    exp = _expected_masked()
    df, got = _masked(r, ["cccd"])
    bad = [
        (k, e["cccd"], _text(got[k]["cccd"]) if k in got else "(thiếu dòng)")
        for k, e in exp.items()
        if k not in got or _text(got[k]["cccd"]) != e["cccd"]
    ]
    if bad:
        _fail_rows(
            "Số định danh phải che 6 chữ số giữa, chỉ giữ 3 số đầu và 3 số cuối (027******234).",
            bad,
            len(exp),
            "s.str[:3] + '*' * 6 + s.str[-3:]; nhớ đọc CSV với dtype=str để giữ số 0 đầu.",
        )
    leaks = [v for kind, v in _leaks(df) if kind == "cccd"]
    if leaks:
        raise CheckFailed(
            f"df_masked vẫn còn {len(leaks)} số định danh đầy đủ (ở cột khác hoặc dòng khác).",
            expected=0,
            found=len(leaks),
            hint="Xóa hoặc che mọi cột chứa số định danh gốc.",
        )


def check_phone_name_masked(r):
    exp = _expected_masked()
    _, got = _masked(r, ["full_name", "phone"])
    bad = []
    for k, e in exp.items():
        if k not in got:
            bad.append((k, e["phone"], "(thiếu dòng)"))
            continue
        for c in ("phone", "full_name"):
            g = _text(got[k][c])
            if g != e[c]:
                bad.append((f"{k}.{c}", e[c], g))
                break
    if bad:
        _fail_rows(
            "Số điện thoại giữ 3 số đầu, 3 số cuối (091****678); họ tên giữ nguyên họ, các chữ sau chỉ còn chữ cái đầu và dấu chấm "
            "(Nguyễn T. T. H.).",
            bad,
            len(exp),
            "Họ tên: tách từ bằng .str.split(), giữ từ đầu, các từ sau lấy w[0] + '.'; nối bằng dấu cách.",
        )


def check_no_direct_identifiers(r):
    masked, got = _masked(r, ["birth_year"])
    rel = _frame(r, "df_release", RELEASE_COLS)
    problems = []
    if "birth_date" in masked.columns:
        problems.append("df_masked còn cột birth_date")
    exp = _expected_masked()
    wrong_year = [
        k
        for k, e in exp.items()
        if k in got and _num(got[k]["birth_year"]) != e["birth_year"]
    ]
    if wrong_year:
        problems.append(
            f"birth_year sai ở {len(wrong_year)} dòng (ví dụ {wrong_year[0]})"
        )
    extra_cols = [c for c in rel.columns if c not in RELEASE_COLS]
    if extra_cols:
        problems.append(
            "df_release có cột không được phép: " + ", ".join(extra_cols[:4])
        )
    leaks = _leaks(masked) + _leaks(rel)
    if leaks:
        problems.append(f"còn {len(leaks)} giá trị định danh gốc ({leaks[0][0]})")
    if problems:
        raise CheckFailed(
            "Dữ liệu chia sẻ không được chứa định danh trực tiếp: "
            + "; ".join(problems)
            + ".",
            expected="không còn định danh",
            found=_short(problems[0], 80),
            hint="df_masked: thay birth_date bằng birth_year. df_release: chỉ giữ birth_decade, gender, commune_code, "
            "benefit_type (không record_id, họ tên, số định danh, điện thoại, ngày sinh).",
        )


def _release_rows(r) -> collections.Counter:
    rel = _frame(r, "df_release", RELEASE_COLS)
    return collections.Counter(
        (_text(d), _text(g), _code(c, 5), _text(t))
        for d, g, c, t in zip(
            rel["birth_decade"],
            rel["gender"],
            rel["commune_code"],
            rel["benefit_type"],
            strict=True,
        )
    )


def check_k_anonymity(r):
    rows = _release_rows(r)
    if not rows:
        raise CheckFailed(
            "df_release đang rỗng.",
            expected="> 0 dòng",
            found=0,
            hint="Chỉ loại các dòng thuộc nhóm có ít hơn 5 người, không loại tất cả.",
        )
    size = collections.Counter()
    for key, n in rows.items():
        size[key[:3]] += n
    small = sorted((n, k) for k, n in size.items() if n < K)
    if small:
        n, k = small[0]
        raise CheckFailed(
            f"df_release chưa đạt {K}-ẩn danh: có {len(small)} nhóm (birth_decade, gender, commune_code) dưới {K} người, "
            f"ví dụ {' / '.join(map(str, k))} chỉ có {n} người.",
            expected=f">= {K} mỗi nhóm",
            found=n,
            hint="groupby(['birth_decade', 'gender', 'commune_code'])...transform('size') rồi giữ các dòng có size >= 5.",
        )


def check_release_rows(r):
    want = _expected_release()
    got = _release_rows(r)
    if got != want:
        missing = sum((want - got).values())
        extra = sum((got - want).values())
        ex = next(iter((want - got) or (got - want)))
        raise CheckFailed(
            f"df_release chưa đúng: mong đợi {sum(want.values())} dòng, có {sum(got.values())}; "
            f"thiếu {missing}, thừa hoặc sai {extra} (ví dụ {' / '.join(map(str, ex))}).",
            expected=sum(want.values()),
            found=sum(got.values()),
            hint="birth_decade dạng '1960-1969' tính từ năm sinh; chỉ loại các dòng của nhóm có ít hơn 5 người "
            "(không loại quá tay), giữ nguyên benefit_type.",
        )
