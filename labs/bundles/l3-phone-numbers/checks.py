"""Tiêu chí kiểm tra (ẩn) — Bài thực hành 3: Chuẩn hóa số điện thoại.

Mỗi hàm check_<tên>(r) nhận r = {tên biến kết quả: giá trị}. Đạt: hàm trả về bình thường.
Chưa đạt: raise CheckFailed(...). Giá trị mong đợi được tính lại từ data/contacts_raw.csv.
"""

from __future__ import annotations

import numbers
import re
import unicodedata

import pandas as pd

from labs.checklib import CheckFailed

RESULT = "df_clean"
TYPES = ("mobile", "landline", "invalid")

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


def _old_map() -> dict:
    t = pd.read_csv("data/prefix_2018.csv", dtype=str)
    return dict(zip(t["old_prefix"], t["new_prefix"], strict=True))


def _expected() -> dict:
    """{contact_id: {phone, phone_type, group}}; group cho biết dạng gốc để chấm từng quy tắc."""
    raw = pd.read_csv("data/contacts_raw.csv", dtype=str, keep_default_na=False)
    old = _old_map()
    out = {}
    for cid, s in zip(raw["contact_id"], raw["phone_raw"], strict=True):
        d = re.sub(r"[^0-9]", "", s)
        groups = set()
        if d.startswith("84") and len(d) >= 11:
            groups.add("country")
            d = d[2:]
            if not d.startswith("0"):
                d = "0" + d
        elif len(d) in (9, 10) and not d.startswith("0"):
            groups.add("nozero")
            if d.startswith(
                "84"
            ):  # 84xxxxxxx: số 084/085 mất số 0, không phải mã quốc gia
                groups.add("country")
            d = "0" + d
        if len(d) == 11 and d[:4] in old:
            groups.add("old")
            d = old[d[:4]] + d[4:]
        if re.fullmatch(r"0[35789][0-9]{8}", d):
            phone, ptype = d, "mobile"
        elif re.fullmatch(r"02[0-9]{9}", d):
            phone, ptype = d, "landline"
            groups.add("landline")
        else:
            phone, ptype = None, "invalid"
        out[cid] = {"phone": phone, "phone_type": ptype, "groups": groups}
    return out


def _phone(v):
    """Số điện thoại của học viên dưới dạng chuỗi. Nếu đã bị đổi thành số khi truyền qua JSON
    (mất số 0 đầu), khôi phục một số 0 — mọi số hợp lệ đều bắt đầu bằng đúng một số 0."""
    if _is_missing(v):
        return None
    if isinstance(v, numbers.Number) and not isinstance(v, bool):
        return "0" + str(int(v))
    return str(v).strip() or None


def _compare(r, group: str | None, msg: str, hint: str, with_type: bool = False):
    exp = _expected()
    df = _frame(r, RESULT, ["contact_id", "phone", "phone_type"])
    got = _by_key(df, "contact_id")
    bad, total = [], 0
    for cid, e in exp.items():
        if group is not None and group not in e["groups"]:
            continue
        total += 1
        if cid not in got:
            bad.append((cid, e["phone"], "(thiếu dòng)"))
            continue
        p = _phone(got[cid]["phone"])
        if p != e["phone"]:
            bad.append((cid, e["phone"], p))
        elif with_type and _text(got[cid]["phone_type"]) != e["phone_type"]:
            bad.append(
                (
                    cid,
                    f"phone_type={e['phone_type']}",
                    f"phone_type={_text(got[cid]['phone_type'])}",
                )
            )
    if bad:
        _fail_rows(msg, bad, total, hint)


def check_digits_only(r):
    df = _frame(r, RESULT, ["contact_id", "phone"])
    bad = []
    for cid, v in zip(df["contact_id"], df["phone"], strict=True):
        if _is_missing(v) or isinstance(v, numbers.Number):
            continue
        s = str(v)
        if not re.fullmatch(r"0[0-9]{9,10}", s):
            bad.append((cid, "chỉ gồm chữ số, bắt đầu bằng 0, dài 10–11", s))
    if bad:
        _fail_rows(
            "Cột phone chỉ được chứa chữ số (không dấu cách, dấu chấm, dấu +), bắt đầu bằng 0.",
            bad,
            len(df),
            "Lấy riêng chữ số bằng .str.replace(r'[^0-9]', '', regex=True); số không hợp lệ để trống (NaN).",
        )


def check_country_code(r):
    _compare(
        r,
        "country",
        "Số có mã quốc gia (+84, 84, (+84), +84 (0)) phải đổi về dạng trong nước bắt đầu bằng 0.",
        "Nếu chuỗi chữ số bắt đầu bằng 84 và dài từ 11 chữ số: bỏ 84; nếu phần còn lại chưa có số 0 đầu thì thêm 0. "
        "Chú ý số 9 chữ số như 84xxxxxxx là số 084… bị mất số 0, không phải mã quốc gia.",
    )


def check_old_prefix_2018(r):
    _compare(
        r,
        "old",
        "Số di động 11 chữ số (đầu 01xx) phải chuyển sang 10 chữ số theo bảng đầu số năm 2018.",
        "Tra 4 chữ số đầu trong data/prefix_2018.csv (0162→032, 0120→070, 0123→083, 0186→056, 0199→059…) "
        "và ghép với 7 chữ số cuối. Làm sau bước bỏ mã quốc gia/bù số 0.",
    )


def check_landlines(r):
    _compare(
        r,
        "landline",
        "Số cố định (đầu 02…, 11 chữ số, ví dụ 0222…, 0204…, 024…) phải giữ nguyên 11 chữ số và có phone_type = 'landline'.",
        "Chỉ các số 11 chữ số bắt đầu bằng 01 mới là di động cũ; số bắt đầu bằng 02 là máy cố định, đừng cắt hay đổi đầu số.",
        with_type=True,
    )


def check_all_rows(r):
    exp = _expected()
    df = _frame(r, RESULT, ["contact_id", "phone", "phone_type"])
    odd = sorted({str(_text(v)) for v in df["phone_type"].tolist()} - set(TYPES))
    if odd:
        raise CheckFailed(
            "phone_type chỉ được là 'mobile', 'landline' hoặc 'invalid'.",
            expected="mobile, landline, invalid",
            found=_short(", ".join(odd[:5]), 80),
        )
    if len(df) != len(exp):
        raise CheckFailed(
            f"df_clean phải có đúng {len(exp)} dòng, mỗi contact_id một dòng.",
            expected=len(exp),
            found=len(df),
        )
    _compare(
        r,
        None,
        "Chưa đúng ở toàn bộ bảng (số và loại số).",
        "Di động hợp lệ: 10 chữ số, đầu 03/05/07/08/09. Cố định: 11 chữ số, đầu 02. "
        "Còn lại là 'invalid' và phone để trống. Số 9–10 chữ số không có số 0 đầu: thêm 0.",
        with_type=True,
    )
