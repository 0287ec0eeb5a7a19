"""Sinh dữ liệu giả lập cho Bài thực hành 9 (che dữ liệu cá nhân và k-ẩn danh).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)
Ghi    data/beneficiaries_raw.csv, giống hệt nhau từng byte ở mọi lần chạy.

Toàn bộ là dữ liệu giả lập: họ tên ghép ngẫu nhiên, số định danh và số điện thoại ngẫu nhiên
(đúng cấu trúc nhưng không nhằm trùng với người thật).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

SEED = 20260909
N = 700
DATA = Path(__file__).resolve().parent / "data"
# Tám phường của khu vực Thành phố Bắc Ninh cũ và lân cận (mã mới, Công văn 1027/CTK-CSCL).
COMMUNES = [
    ("09169", 14),
    ("09187", 18),
    ("09325", 10),
    ("09367", 14),
    ("09370", 9),
    ("09379", 7),
    ("09385", 8),
    ("09253", 20),
]
BENEFITS = [
    ("Trợ cấp xã hội hằng tháng", 45),
    ("Hỗ trợ hộ nghèo", 25),
    ("Hỗ trợ học phí", 15),
    ("Hỗ trợ nhà ở", 15),
]
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
    "Đào",
    "Đinh",
    "Dương",
]
MIDDLE = {
    "Nam": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công"],
    "Nữ": ["Thị", "Thu", "Ngọc", "Thanh", "Hồng", "Kim"],
}
GIVEN = {
    "Nam": [
        "Anh",
        "Bình",
        "Dũng",
        "Hùng",
        "Hải",
        "Hòa",
        "Long",
        "Nam",
        "Sơn",
        "Tuấn",
        "Thắng",
        "Việt",
    ],
    "Nữ": [
        "Anh",
        "Hà",
        "Hòa",
        "Hương",
        "Lan",
        "Linh",
        "Mai",
        "Phương",
        "Thảo",
        "Thủy",
        "Trang",
        "Yến",
    ],
}
MOBILE = [
    "032",
    "033",
    "035",
    "038",
    "086",
    "096",
    "097",
    "098",
    "070",
    "077",
    "079",
    "090",
    "093",
    "081",
    "083",
    "085",
    "088",
    "091",
    "094",
]


def pick(rng, pairs):
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    rng = random.Random(SEED)
    rows, seen_ids, seen_phones = [], set(), set()
    for i in range(1, N + 1):
        g = rng.choice(["Nam", "Nữ"])
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[g])} {rng.choice(GIVEN[g])}"
        if rng.random() < 0.2:
            first = "Thị" if g == "Nữ" else "Văn"
            other = rng.choice([m for m in MIDDLE[g] if m != first])
            name = name.split(" ")[0] + f" {first} {other} " + name.split(" ")[-1]
        benefit = pick(rng, BENEFITS)
        if benefit == "Hỗ trợ học phí":
            year = rng.randint(1998, 2007)
        elif benefit == "Trợ cấp xã hội hằng tháng":
            year = rng.randint(1938, 1965)
        else:
            year = rng.randint(1950, 1995)
        born = dt.date(year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        digit = str((year // 100 - 19) * 2 + (1 if g == "Nữ" else 0))
        while True:
            cccd = "027" + digit + f"{year % 100:02d}" + f"{rng.randrange(10**6):06d}"
            if cccd not in seen_ids:
                seen_ids.add(cccd)
                break
        while True:
            phone = rng.choice(MOBILE) + f"{rng.randrange(10**7):07d}"
            if phone not in seen_phones:
                seen_phones.add(phone)
                break
        rows.append(
            [
                f"DT{i:04d}",
                name,
                cccd,
                phone,
                born.isoformat(),
                g,
                pick(rng, COMMUNES),
                benefit,
            ]
        )
    files = {
        "data/beneficiaries_raw.csv": to_csv(
            [
                "record_id",
                "full_name",
                "cccd",
                "phone",
                "birth_date",
                "gender",
                "commune_code",
                "benefit_type",
            ],
            rows,
        )
    }
    return files, rows


def main():
    files, _ = build()
    for rel, text in files.items():
        path = DATA.parent / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        print(f"đã ghi {rel} ({len(text.encode('utf-8')):,} byte)")


if __name__ == "__main__":
    main()
