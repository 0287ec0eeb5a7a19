"""Sinh dữ liệu giả lập cho Bài thực hành 1 (danh sách cán bộ).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)

- Đọc  data/agencies.csv  (bản sao nguyên văn từ dữ liệu dùng chung của dự án, không sinh lại).
- Ghi  data/officers_raw.csv và data/agency_aliases.csv, giống hệt nhau từng byte ở mọi lần chạy
  (random.Random với hạt giống cố định, không phụ thuộc thời gian hay thứ tự của set).

Mọi họ tên đều là tổ hợp ngẫu nhiên của họ, tên đệm, tên phổ biến: không phải người thật.
"""

from __future__ import annotations

import csv
import io
import random
import unicodedata
from pathlib import Path

SEED = 20260101
N_OFFICERS = 300
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
    "Nam": [
        "Văn",
        "Đức",
        "Minh",
        "Quang",
        "Hữu",
        "Công",
        "Xuân",
        "Thanh",
        "Ngọc",
        "Tiến",
    ],
    "Nữ": [
        "Thị",
        "Thu",
        "Thanh",
        "Ngọc",
        "Minh",
        "Hồng",
        "Bích",
        "Thùy",
        "Kim",
        "Phương",
    ],
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
        "Hoàng",
        "Huy",
        "Khánh",
        "Long",
        "Minh",
        "Nam",
        "Phong",
        "Quân",
        "Sơn",
        "Thắng",
        "Tuấn",
        "Việt",
        "Hòa",
        "Thụy",
        "Toàn",
        "Trung",
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
        "Ngọc",
        "Nhung",
        "Phương",
        "Quỳnh",
        "Thảo",
        "Thủy",
        "Trang",
        "Uyên",
        "Vân",
        "Yến",
        "Thúy",
    ],
}
POSITIONS = [
    "Chuyên viên",
    "Chuyên viên chính",
    "Phó Trưởng phòng",
    "Trưởng phòng",
    "Công chức",
    "Viên chức",
    "Chuyên viên công nghệ thông tin",
]

# Tên gọi khác (bí danh) thường gặp khi các đơn vị tự gõ tên cơ quan.
ALIASES = {
    "VPUBND": [
        "VP UBND tỉnh",
        "Văn phòng UBND tỉnh Bắc Ninh",
        "Văn phòng Ủy ban nhân dân tỉnh",
    ],
    "SNV": ["Sở Nội vụ tỉnh Bắc Ninh"],
    "STP": ["Sở Tư pháp tỉnh Bắc Ninh"],
    "STC": ["Sở Tài chính tỉnh Bắc Ninh"],
    "SCT": ["Sở Công Thương tỉnh Bắc Ninh"],
    "SNNMT": ["Sở NN&MT", "Sở Nông nghiệp & Môi trường"],
    "SXD": ["Sở Xây dựng tỉnh Bắc Ninh"],
    "SKHCN": ["Sở KH&CN", "Sở KHCN", "Sở Khoa học & Công nghệ"],
    "SVHTTDL": ["Sở VHTTDL", "Sở Văn hóa Thể thao và Du lịch"],
    "SGDDT": ["Sở GD&ĐT", "Sở GDĐT", "Sở Giáo dục & Đào tạo"],
    "SYT": ["Sở Y tế tỉnh Bắc Ninh"],
    "TTRA": ["Thanh tra tỉnh Bắc Ninh"],
    "SDTTG": ["Sở DT&TG", "Sở Dân tộc & Tôn giáo"],
    "CAT": ["Công an tỉnh Bắc Ninh", "CA tỉnh"],
    "TTPVHCC": ["Trung tâm Phục vụ Hành chính công tỉnh", "TT PVHCC tỉnh"],
    "TTKHCNCDS": ["TT KHCN&CĐS"],
    "BQLKCN": ["BQL các KCN", "Ban Quản lý các KCN"],
}
# Đơn vị cấp huyện đã chấm dứt hoạt động từ 01/7/2025: không có trong danh mục, phải để trống.
UNKNOWN_AGENCIES = [
    "Phòng Nội vụ huyện Tiên Du",
    "UBND huyện Yên Thế",
    "Phòng Văn hóa và Thông tin TP Bắc Ninh",
]

GENDER_RAW = {
    "Nam": [
        ("Nam", 50),
        ("nam", 10),
        ("NAM", 8),
        (" Nam ", 5),
        ("M", 8),
        ("Male", 5),
        ("male", 3),
    ],
    "Nữ": [
        ("Nữ", 45),
        ("nữ", 10),
        ("NỮ", 6),
        ("Nu", 6),
        ("nu", 5),
        ("F", 6),
        ("Female", 4),
        ("NFD:Nữ", 8),
    ],
}


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def pick_weighted(rng: random.Random, pairs):
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    return rng.choices(values, weights=weights, k=1)[0]


def read_agencies():
    with open(DATA / "agencies.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def mess_name(rng: random.Random, name: str) -> str:
    words = name.split(" ")
    r = rng.random()
    if r < 0.25:
        words = [w.lower() for w in words]
    elif r < 0.40:
        words = [w.upper() for w in words]
    seps = []
    for _ in words[1:]:
        x = rng.random()
        seps.append("  " if x < 0.12 else ("\u00a0" if x < 0.16 else " "))
    s = words[0] + "".join(sep + w for sep, w in zip(seps, words[1:], strict=True))
    x = rng.random()
    if x < 0.10:
        s = " " + s
    elif x < 0.20:
        s = s + "  "
    if rng.random() < 0.30:
        s = nfd(s)
    return s


def mess_agency(rng: random.Random, code: str, name: str) -> str:
    r = rng.random()
    if r < 0.40:
        return name
    if r < 0.50:
        return name.lower() if rng.random() < 0.6 else name.upper()
    if r < 0.58:
        return "  " + name.replace(" ", "  ", 1) + " "
    if r < 0.68:
        return nfd(name)
    if r < 0.80:
        return code if rng.random() < 0.6 else code.lower()
    options = ALIASES.get(code)
    if options is None:  # xã, phường: dùng tên không có chữ "UBND"
        alias = name.removeprefix("UBND ")
    else:
        alias = rng.choice(options)
    return alias if rng.random() < 0.7 else alias.lower()


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    """Trả về (nội dung các tệp, đáp án đúng theo từng officer_id)."""
    rng = random.Random(SEED)
    agencies = read_agencies()
    by_code = {a["code"]: a["name"] for a in agencies}
    top = [
        a["code"] for a in agencies if a["kind"] in ("department", "provincial_unit")
    ]
    communes = [a["code"] for a in agencies if a["kind"] == "commune"]
    used_communes = sorted(rng.sample(communes, 24))
    pool = top + used_communes

    rows, truth = [], {}
    for i in range(1, N_OFFICERS + 1):
        oid = f"CB{i:04d}"
        gender = "Nam" if rng.random() < 0.5 else "Nữ"
        name = " ".join(
            [rng.choice(FAMILY), rng.choice(MIDDLE[gender]), rng.choice(GIVEN[gender])]
        )
        if (
            rng.random() < 0.25
        ):  # tên 4 chữ, ví dụ Nguyễn Thị Thu Hà, Trần Văn Minh Tuấn
            parts = name.split(" ")
            first = "Thị" if gender == "Nữ" else "Văn"
            extra = rng.choice([m for m in MIDDLE[gender] if m != first])
            name = " ".join([parts[0], first, extra, parts[2]])
        raw_gender_choice = pick_weighted(rng, GENDER_RAW[gender])
        if rng.random() < 0.04:
            raw_gender, clean_gender = rng.choice(["", "Không rõ", "?"]), None
        elif raw_gender_choice.startswith("NFD:"):
            raw_gender, clean_gender = nfd(raw_gender_choice[4:]), gender
        else:
            raw_gender, clean_gender = raw_gender_choice, gender
        if i % 97 == 0 or i in (13, 150):
            raw_agency, code = rng.choice(UNKNOWN_AGENCIES), None
        else:
            code = rng.choice(pool)
            raw_agency = mess_agency(rng, code, by_code[code])
        rows.append(
            [oid, mess_name(rng, name), raw_gender, raw_agency, rng.choice(POSITIONS)]
        )
        truth[oid] = {"full_name": name, "gender": clean_gender, "agency_code": code}

    alias_rows = []
    for code, names in ALIASES.items():
        alias_rows += [[a, code] for a in names]
    alias_rows += [[by_code[c].removeprefix("UBND "), c] for c in communes]

    files = {
        "data/officers_raw.csv": to_csv(
            ["officer_id", "full_name", "gender", "agency", "position"], rows
        ),
        "data/agency_aliases.csv": to_csv(["alias", "code"], alias_rows),
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
