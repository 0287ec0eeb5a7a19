"""Sinh dữ liệu giả lập cho Bài thực hành 5 (địa chỉ cũ → 99 xã, phường mới).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)

- Đọc  data/commune_merges_2025.csv và data/communes_2025.csv: bản sao nguyên văn dữ liệu dùng chung
  của dự án (nguồn dvhcvn, giấy phép MIT: xem data/LICENSE-dvhcvn.txt). Hai tệp này không được sinh lại.
- Ghi  data/households_raw.csv, giống hệt nhau từng byte ở mọi lần chạy.

Các hộ kinh doanh là giả lập; chỉ có địa giới hành chính là dữ liệu thật.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

SEED = 20260505
N = 460
DATA = Path(__file__).resolve().parent / "data"

# Bẫy: đơn vị cũ được lấy mẫu nhiều hơn (mã cũ -> trọng số).
TRAP_WEIGHTS = {
    "07243": 8,
    "07816": 8,  # hai "Xã Đồng Tiến" ở hai huyện khác nhau
    "07682": 5,
    "07693": 5,  # "Phường Tân An" và "Xã Tân An" cùng ở TP Bắc Giang
    "07249": 5,
    "07252": 4,
    "09172": 4,  # cùng tên, mã mới khác mã cũ (Xuân Lương, Tam Tiến, Kinh Bắc)
    "07294": 4,
    "07306": 4,
    "07804": 4,
    "09301": 4,
    "09451": 4,
    "09481": 4,  # đổi loại: thị trấn→xã, xã→phường
    "07732": 3,
    "07744": 3,  # dòng ánh xạ chưa được nghị quyết xác nhận
}
# Vài xã, phường mới không có hộ nào: bảng đếm vẫn phải có đủ 99 dòng (giá trị 0).
EMPTY_NEW = {"07375", "07537", "09205", "09247", "09349"}


def read_csv(name):
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def vary(rng: random.Random, s: str) -> str:
    r = rng.random()
    if r < 0.15:
        s = s.lower()
    elif r < 0.22:
        s = s.upper()
    elif r < 0.45:
        kind, _, rest = s.partition(" ")
        if kind == "Thị":  # "Thị trấn" / "Thị xã"
            k2, _, rest = rest.partition(" ")
            s = f"thị {k2} {rest}"
        else:
            s = f"{kind.lower()} {rest}"
    if rng.random() < 0.12:
        s = s.replace(" ", "  ", 1)
    if rng.random() < 0.10:
        s = " " + s + " "
    return s


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    rng = random.Random(SEED)
    merges = read_csv("commune_merges_2025.csv")
    pool = [m for m in merges if m["new_code"] not in EMPTY_NEW]
    weights = [TRAP_WEIGHTS.get(m["old_code"], 1) for m in pool]
    rows, truth = [], {}
    for i in range(1, N + 1):
        m = rng.choices(pool, weights=weights)[0]
        trap = m["old_code"] in TRAP_WEIGHTS
        # Các bẫy về tên chỉ có tác dụng khi không có mã: phần lớn bản ghi bẫy không ghi mã.
        r = rng.random()
        if m["old_code"] in ("07243", "07816", "07682", "07693"):
            code_style = "none" if r < 0.8 else "code"
        elif trap:
            code_style = "code" if r < 0.5 else "none"
        else:
            code_style = "code" if r < 0.45 else "none"
        if code_style == "code":
            code = (
                m["old_code"].lstrip("0") if rng.random() < 0.35 else m["old_code"]
            )  # Excel làm mất số 0
        else:
            code = ""
        rows.append(
            [
                f"HKD{i:04d}",
                code,
                vary(rng, m["old_full_name"]),
                vary(rng, m["old_district"]),
                m["old_province"],
            ]
        )
        truth[f"HKD{i:04d}"] = {
            "new_code": m["new_code"],
            "needs_review": m["resolution_article"] == "",
            "by_code": code != "",
        }
    files = {
        "data/households_raw.csv": to_csv(
            [
                "record_id",
                "old_commune_code",
                "old_commune",
                "old_district",
                "old_province",
            ],
            rows,
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
