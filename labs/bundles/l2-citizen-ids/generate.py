"""Sinh dữ liệu giả lập cho Bài thực hành 2 (số định danh cá nhân / CCCD).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)
Ghi    data/citizens_raw.csv, giống hệt nhau từng byte ở mọi lần chạy.

Họ tên và số định danh đều là ngẫu nhiên (giả lập), không phải của người thật. Số định danh được
tạo đúng cấu trúc 12 chữ số: 3 số mã tỉnh nơi đăng ký khai sinh + 1 số mã thế kỷ và giới tính
+ 2 số cuối năm sinh + 6 số ngẫu nhiên.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

SEED = 20260202
N_PEOPLE = 380
DATA = Path(__file__).resolve().parent / "data"

FAMILY = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Vũ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Ngô",
    "Dương",
    "Đào",
    "Đinh",
    "Trịnh",
    "Đoàn",
    "Phan",
    "Lương",
    "Tạ",
    "Cao",
    "Chu",
]
MIDDLE = {
    "Nam": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân", "Thanh"],
    "Nữ": ["Thị", "Thu", "Thanh", "Ngọc", "Minh", "Hồng", "Bích", "Thùy"],
}
GIVEN = {
    "Nam": [
        "Anh",
        "Bình",
        "Cường",
        "Dũng",
        "Đạt",
        "Hùng",
        "Hải",
        "Hiếu",
        "Huy",
        "Khánh",
        "Long",
        "Nam",
        "Phong",
        "Quân",
        "Sơn",
        "Thắng",
        "Tuấn",
        "Việt",
        "Hòa",
        "Vinh",
    ],
    "Nữ": [
        "Anh",
        "Chi",
        "Dung",
        "Giang",
        "Hà",
        "Hạnh",
        "Hằng",
        "Hoa",
        "Hòa",
        "Hương",
        "Huyền",
        "Lan",
        "Linh",
        "Mai",
        "Nhung",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Thủy",
        "Yến",
    ],
}
# Mã tỉnh (3 chữ số) nơi đăng ký khai sinh: 027 Bắc Ninh cũ, 024 Bắc Giang cũ, 001 Hà Nội, ...
PROVINCES = [
    ("027", 44),
    ("024", 36),
    ("001", 8),
    ("019", 3),
    ("020", 3),
    ("026", 2),
    ("030", 2),
    ("033", 2),
]


def century_gender_digit(year: int, gender: str) -> str:
    """Thế kỷ 20 (1900–1999): nam 0, nữ 1; thế kỷ 21 (2000–2099): nam 2, nữ 3."""
    base = (year // 100 - 19) * 2
    return str(base + (1 if gender == "Nữ" else 0))


def make_cccd(rng: random.Random, year: int, gender: str) -> str:
    prov = rng.choices([p for p, _ in PROVINCES], weights=[w for _, w in PROVINCES])[0]
    return (
        prov
        + century_gender_digit(year, gender)
        + f"{year % 100:02d}"
        + f"{rng.randrange(10**6):06d}"
    )


def is_mismatch(cccd: str, year: int, gender: str) -> bool:
    return (
        cccd[3] != century_gender_digit(year, gender)
        or cccd[4:6] != f"{year % 100:02d}"
    )


def fmt(rng: random.Random, cccd: str, style: str) -> str:
    if style == "clean":
        return cccd
    if style == "no_zero":  # Excel đã biến thành số: mất các số 0 ở đầu
        return cccd.lstrip("0")
    if style == "spaces":
        return (
            f"{cccd[:3]} {cccd[3:6]} {cccd[6:]}"
            if rng.random() < 0.5
            else f"{cccd[:4]} {cccd[4:8]} {cccd[8:]}"
        )
    if style == "dots":
        return f"{cccd[:3]}.{cccd[3:6]}.{cccd[6:9]}.{cccd[9:]}"
    if style == "dashes":
        return f"{cccd[:3]}-{cccd[3:6]}-{cccd[6:]}"
    if style == "padded":
        return rng.choice([" ", "  "]) + cccd + rng.choice(["", " "])
    if style == "no_zero_spaces":
        s = cccd.lstrip("0")
        return s + " "
    raise ValueError(style)


STYLES = [
    ("clean", 52),
    ("no_zero", 20),
    ("spaces", 8),
    ("dots", 4),
    ("dashes", 3),
    ("padded", 5),
    ("no_zero_spaces", 2),
]


def pick_style(rng):
    return rng.choices([s for s, _ in STYLES], weights=[w for _, w in STYLES])[0]


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    rng = random.Random(SEED)
    people, seen = [], set()
    for _ in range(N_PEOPLE):
        gender = rng.choice(["Nam", "Nữ"])
        year = rng.randint(1962, 2006)
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[gender])} {rng.choice(GIVEN[gender])}"
        kind = rng.choices(
            ["cccd", "cmnd", "invalid", "mismatch"], weights=[85, 8, 4, 3]
        )[0]
        if kind == "cmnd" and year > 1995:  # CMND 9 số: chỉ gặp ở người lớn tuổi hơn
            kind = "cccd"
        cccd = make_cccd(rng, year, gender)
        while cccd in seen:
            cccd = make_cccd(rng, year, gender)
        seen.add(cccd)
        people.append(
            {"name": name, "gender": gender, "year": year, "kind": kind, "cccd": cccd}
        )

    records = []  # (person, id_raw, reason, cccd_clean)
    for p in people:
        if p["kind"] == "cmnd":
            raw = "1" + str(rng.choice([2, 2, 2, 3, 0])) + f"{rng.randrange(10**7):07d}"
            records.append((p, raw, "OLD_CMND", None))
        elif p["kind"] == "invalid":
            bad = rng.choice(["", "chưa có", "excel", "13", "letter"])
            if (
                bad == "excel"
            ):  # Excel hiển thị dạng khoa học: đã mất chữ số, không khôi phục được
                raw = f"{int(p['cccd']):.5E}"
            elif bad == "13":
                raw = p["cccd"] + str(rng.randrange(10))
            elif bad == "letter":
                i = rng.randrange(6, 12)
                raw = p["cccd"][:i] + "O" + p["cccd"][i + 1 :]
            else:
                raw = bad
            records.append((p, raw, "INVALID", None))
        elif p["kind"] == "mismatch":
            c = p["cccd"]
            # Lỗi gõ: đảo hai chữ số của phần năm sinh / giới tính.
            for i, j in ((3, 4), (4, 5), (3, 5)):
                wrong = c[:i] + c[j] + c[i + 1 : j] + c[i] + c[j + 1 :]
                if wrong not in seen and is_mismatch(wrong, p["year"], p["gender"]):
                    break
            else:
                wrong = c[:4] + f"{(p['year'] + 1) % 100:02d}" + c[6:]
            assert is_mismatch(wrong, p["year"], p["gender"]) and wrong not in seen
            seen.add(wrong)
            style = rng.choice(["clean", "clean", "spaces"])
            records.append((p, fmt(rng, wrong, style), "MISMATCH", wrong))
        else:
            style = pick_style(rng)
            records.append((p, fmt(rng, p["cccd"], style), None, p["cccd"]))
            r = rng.random()
            n_dup = 2 if r < 0.015 else (1 if r < 0.10 else 0)
            for _ in range(
                n_dup
            ):  # cùng người, nộp lại ở hệ thống khác, định dạng khác
                records.append(
                    (p, fmt(rng, p["cccd"], pick_style(rng)), None, p["cccd"])
                )
    rng.shuffle(records)

    rows, truth, first_seen = [], {}, set()
    for k, (p, raw, reason, cccd) in enumerate(records, start=1):
        rid = f"HS{k:05d}"
        cleaned = "".join(ch for ch in raw if ch not in " .-")
        if reason is None:
            if cccd in first_seen:
                reason = "DUPLICATE"
            elif len(cleaned) in (10, 11):
                reason = "FIXED_LEADING_ZERO"
            elif raw != cleaned:
                reason = "FIXED_FORMAT"
            else:
                reason = "OK"
            first_seen.add(cccd)
        # id_raw không để ở cuối dòng: công cụ xóa khoảng trắng cuối dòng sẽ làm mất "bẫy".
        rows.append([rid, raw, p["name"], p["gender"], str(p["year"])])
        truth[rid] = {"cccd": cccd, "reason_code": reason}
    files = {
        "data/citizens_raw.csv": to_csv(
            ["record_id", "id_raw", "full_name", "gender", "birth_year"], rows
        )
    }
    return files, truth


def main():
    files, _ = build()
    for rel, text in files.items():
        path = DATA.parent / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        print(f"đã ghi {rel} ({len(text.encode('utf-8')):,} byte)")


if __name__ == "__main__":
    main()
