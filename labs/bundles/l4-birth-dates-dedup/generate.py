"""Sinh dữ liệu giả lập cho Bài thực hành 4 (ngày sinh nhiều định dạng, gộp bản ghi trùng người).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)
Ghi    data/people_raw.csv, giống hệt nhau từng byte ở mọi lần chạy.

Họ tên là tổ hợp ngẫu nhiên của họ, tên đệm, tên phổ biến; ngày sinh ngẫu nhiên: không phải người thật.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
import unicodedata
from pathlib import Path

SEED = 20260404
N_PEOPLE = 300
DATA = Path(__file__).resolve().parent / "data"
EXCEL_ORIGIN = dt.date(
    1899, 12, 30
)  # hệ ngày 1900 của Excel (đã tính lỗi năm nhuận 1900)

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
]
MIDDLE = {
    "Nam": ["Văn", "Đức", "Minh", "Quang", "Hữu"],
    "Nữ": ["Thị", "Thu", "Ngọc", "Thanh", "Hồng"],
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
SOURCES = ["qlcb", "excel_xa", "dvc"]


def fmt_date(rng: random.Random, d: dt.date, source: str) -> str:
    if source == "qlcb":
        style = rng.choices(["iso", "dmy"], weights=[85, 15])[0]
    elif source == "excel_xa":
        style = rng.choices(
            ["dmy", "dmy_short", "excel", "dmy_dash"], weights=[40, 20, 25, 15]
        )[0]
    else:
        style = rng.choices(["dmy_dot", "text", "dmy"], weights=[45, 30, 25])[0]
    if style == "iso":
        return d.isoformat()
    if style == "dmy":
        return f"{d.day:02d}/{d.month:02d}/{d.year}"
    if style == "dmy_short":
        return f"{d.day}/{d.month}/{d.year}"
    if style == "dmy_dash":
        return f"{d.day:02d}-{d.month:02d}-{d.year}"
    if style == "dmy_dot":
        return f"{d.day:02d}.{d.month:02d}.{d.year}"
    if style == "excel":
        return str((d - EXCEL_ORIGIN).days)
    return f"ngày {d.day:02d} tháng {d.month} năm {d.year}"


def mess_name(rng: random.Random, name: str) -> str:
    r = rng.random()
    if r < 0.2:
        name = name.lower()
    elif r < 0.3:
        name = name.upper()
    if rng.random() < 0.2:
        name = name.replace(" ", "  ", 1)
    if rng.random() < 0.15:
        name = name + " "
    if rng.random() < 0.25:
        name = unicodedata.normalize("NFD", name)
    return name


def rand_date(rng: random.Random) -> dt.date:
    return dt.date(1962, 1, 1) + dt.timedelta(
        days=rng.randrange((dt.date(2004, 12, 31) - dt.date(1962, 1, 1)).days)
    )


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    rng = random.Random(SEED)
    people = []
    for _ in range(N_PEOPLE):
        g = rng.choice(["Nam", "Nữ"])
        people.append(
            {
                "name": f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[g])} {rng.choice(GIVEN[g])}",
                "gender": g,
                "date": rand_date(rng),
            }
        )
    # Người trùng tên nhưng khác ngày sinh (là hai người khác nhau).
    for i in range(12):
        src = people[i * 7]
        people.append(
            {"name": src["name"], "gender": src["gender"], "date": rand_date(rng)}
        )
    # Trùng tên, ngày và tháng đảo nhau (05/03 và 03/05): chỉ tách đúng nếu đọc ngày đúng định dạng.
    trap = set(range(N_PEOPLE, len(people) + 4))
    for i in range(4):
        trap.add(i * 11 + 3)
        src = people[i * 11 + 3]
        d = src["date"]
        day, month = rng.randint(1, 12), rng.randint(1, 12)
        while day == month:
            month = rng.randint(1, 12)
        src["date"] = dt.date(d.year, month, day)
        people.append(
            {
                "name": src["name"],
                "gender": src["gender"],
                "date": dt.date(d.year, day, month),
            }
        )
    # Tránh trường hợp mơ hồ: hai "người" trùng cả tên lẫn ngày sinh.
    keys = [(p["name"], p["date"]) for p in people]
    assert len(set(keys)) == len(keys)

    records = []
    for k, p in enumerate(people):
        n = rng.choices([1, 2, 3], weights=[50, 38, 12])[0]
        if (
            k in trap
        ):  # người trong các cặp bẫy luôn có bản ghi ở hệ thống qlcb (ngày ISO)
            srcs = ["qlcb"] + rng.sample(SOURCES[1:], n - 1)
        else:
            srcs = rng.sample(SOURCES, n)
        for s in srcs:
            raw, valid = fmt_date(rng, p["date"], s), True
            if rng.random() < 0.04:
                raw = rng.choice(
                    [
                        f"31/02/{p['date'].year}",
                        str(p["date"].year),
                        "",
                        f"{p['date'].day:02d}/13/{p['date'].year}",
                        "không rõ",
                    ]
                )
                valid = False
            records.append((s, mess_name(rng, p["name"]), p["gender"], raw, p, valid))
    rng.shuffle(records)

    rows, truth_records = [], {}
    counts = {}
    for i, (s, name, g, raw, p, valid) in enumerate(records, start=1):
        rid = f"R{i:04d}"
        rows.append([rid, s, name, g, raw])
        truth_records[rid] = p["date"].isoformat() if valid else None
        if valid:
            key = (p["name"], p["date"].isoformat())
            counts[key] = counts.get(key, 0) + 1
    truth = {"records": truth_records, "people": counts}
    files = {
        "data/people_raw.csv": to_csv(
            ["record_id", "source", "full_name", "gender", "birth_date_raw"], rows
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
