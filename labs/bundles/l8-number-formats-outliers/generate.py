"""Sinh dữ liệu giả lập cho Bài thực hành 8 (định dạng số kiểu Việt Nam, giá trị ngoại lai).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)
Ghi    data/schools_raw.csv (phân cách bằng dấu chấm phẩy), giống hệt nhau từng byte ở mọi lần chạy.

Số liệu trường học là giả lập; mã trường không tương ứng với trường có thật.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

SEED = 20260808
DATA = Path(__file__).resolve().parent / "data"
# Một số mã xã, phường mới (Công văn 1027/CTK-CSCL) để gắn địa bàn.
COMMUNES = [
    "07210",
    "07228",
    "07246",
    "07288",
    "07339",
    "07375",
    "07444",
    "07489",
    "07537",
    "07573",
    "07682",
    "07735",
    "07798",
    "07822",
    "07864",
    "09169",
    "09187",
    "09208",
    "09253",
    "09301",
    "09319",
    "09325",
    "09367",
    "09409",
    "09433",
    "09475",
    "09499",
    "09529",
]
# cấp học: (tiền tố mã, số trường, học sinh min–max, học sinh/giáo viên trung bình, độ lệch)
LEVELS = {
    "Mầm non": ("MN", 110, 120, 520, 13.0, 1.6),
    "Tiểu học": ("TH", 120, 250, 1400, 22.0, 2.2),
    "THCS": ("THCS", 100, 200, 1200, 17.0, 1.8),
}


def vn_int(rng, n: int) -> str:
    s = f"{n:,}".replace(",", ".")
    if n >= 1000 and rng.random() < 0.15:
        s = s.replace(".", " ")  # nhóm nghìn bằng dấu cách
    return s


def vn_dec(x: float, digits: int) -> str:
    s = f"{x:,.{digits}f}"  # 1,234.50
    s = s.replace(",", "X").replace(".", ",").replace("X", ".")  # 1.234,50
    if "," in s:
        s = s.rstrip("0").rstrip(",")
    return s


def quantile(values, q):
    """Nội suy tuyến tính, giống pandas Series.quantile mặc định."""
    v = sorted(values)
    pos = (len(v) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def fences(values):
    q1, q3 = quantile(values, 0.25), quantile(values, 0.75)
    iqr = q3 - q1
    return q1 - 1.5 * iqr, q3 + 1.5 * iqr


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";", lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    rng = random.Random(SEED)
    schools = []
    for level, (prefix, n, lo, hi, ratio, sd) in LEVELS.items():
        for i in range(1, n + 1):
            students = rng.randint(lo, hi)
            r = max(6.0, rng.gauss(ratio, sd))
            teachers = max(3, round(students / r))
            schools.append(
                {
                    "id": f"{prefix}-{i:03d}",
                    "level": level,
                    "commune": rng.choice(COMMUNES),
                    "students": students,
                    "teachers": teachers,
                    "classrooms": max(4, round(students / rng.uniform(25, 35))),
                    "budget": round(
                        students * rng.uniform(2.5, 4.5) + rng.uniform(0, 99), 2
                    ),
                    "rate": round(min(100.0, rng.gauss(97.0, 2.0)), 1),
                }
            )
        # Ngoại lai cố ý: gõ thừa một số 0 (x10), hoặc khai thiếu giáo viên / thừa giáo viên.
        group = [s for s in schools if s["level"] == level]
        for s in rng.sample(group, 5):
            kind = rng.choice(["x10", "few_teachers", "many_teachers"])
            if kind == "x10":
                s["students"] *= 10
            elif kind == "few_teachers":
                s["teachers"] = max(2, s["teachers"] // 4)
            else:
                s["teachers"] = s["teachers"] * 3
    # Giá trị thiếu, không hợp lệ.
    for s in rng.sample(schools, 10):
        s["students"] = None
    for s in rng.sample([s for s in schools if s["students"] is not None], 6):
        s["teachers"] = rng.choice([None, 0])
    for s in rng.sample(schools, 8):
        s["rate"] = rng.choice([None, round(rng.uniform(100.5, 112.0), 1)])
    for s in rng.sample(schools, 6):
        s["budget"] = None

    # Tránh giá trị nằm sát ngưỡng IQR (để kết quả không phụ thuộc sai số làm tròn).
    for _ in range(50):
        moved = False
        for level in LEVELS:
            g = [
                s
                for s in schools
                if s["level"] == level and s["students"] and s["teachers"]
            ]
            lo_f, hi_f = fences([s["students"] / s["teachers"] for s in g])
            for s in g:
                x = s["students"] / s["teachers"]
                if abs(x - lo_f) < 0.25 or abs(x - hi_f) < 0.25:
                    s["students"] += s[
                        "teachers"
                    ]  # dịch tỷ lệ thêm 1 học sinh/giáo viên
                    moved = True
        if not moved:
            break
    else:
        raise RuntimeError("không tách được khỏi ngưỡng")

    rows, truth = [], {}
    for s in schools:
        st = "" if s["students"] is None else vn_int(rng, s["students"])
        if st == "" and rng.random() < 0.6:
            st = rng.choice(["N/A", "-"])
        te = "" if s["teachers"] is None else str(s["teachers"])
        bu = "" if s["budget"] is None else vn_dec(s["budget"], 2)
        if s["rate"] is None:
            ra = rng.choice(["", "N/A"])
        else:
            ra = vn_dec(s["rate"], 1) + ("%" if rng.random() < 0.5 else "")
        rows.append(
            [s["id"], s["level"], s["commune"], st, te, str(s["classrooms"]), bu, ra]
        )
        valid_rate = s["rate"] if s["rate"] is not None and s["rate"] <= 100 else None
        ratio = (
            s["students"] / s["teachers"] if s["students"] and s["teachers"] else None
        )
        truth[s["id"]] = {
            "students": s["students"],
            "teachers": s["teachers"],
            "budget_mil": s["budget"],
            "completion_rate": valid_rate,
            "students_per_teacher": ratio,
            "level": s["level"],
        }
    outliers = set()
    for level in LEVELS:
        vals = {
            k: t["students_per_teacher"]
            for k, t in truth.items()
            if t["level"] == level and t["students_per_teacher"] is not None
        }
        lo_f, hi_f = fences(list(vals.values()))
        outliers |= {k for k, v in vals.items() if v < lo_f or v > hi_f}
    files = {
        "data/schools_raw.csv": to_csv(
            [
                "school_id",
                "level",
                "commune_code",
                "students",
                "teachers",
                "classrooms",
                "budget_mil",
                "completion_rate",
            ],
            rows,
        )
    }
    return files, {"schools": truth, "outliers": outliers}


def main():
    files, _ = build()
    for rel, text in files.items():
        path = DATA.parent / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8"))
        print(f"đã ghi {rel} ({len(text.encode('utf-8')):,} byte)")


if __name__ == "__main__":
    main()
