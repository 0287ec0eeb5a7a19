"""Sinh dữ liệu giả lập cho Bài thực hành 6 (hồ sơ thủ tục hành chính, tỷ lệ đúng hạn).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)

- Đọc  data/agencies.csv (bản sao nguyên văn danh mục cơ quan dùng chung của dự án; không sinh lại).
- Ghi  data/dossiers_raw.csv, giống hệt nhau từng byte ở mọi lần chạy.

Hồ sơ là giả lập, không phải số liệu thật của tỉnh.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

SEED = 20260606
N = 1500
DATA = Path(__file__).resolve().parent / "data"

DEPT_PROCEDURES = {
    "STP": ["Cấp Phiếu lý lịch tư pháp"],
    "SXD": ["Cấp giấy phép xây dựng"],
    "SYT": ["Cấp giấy phép hành nghề khám bệnh, chữa bệnh"],
    "SNNMT": ["Đăng ký đất đai, tài sản gắn liền với đất"],
    "STC": ["Đăng ký thành lập doanh nghiệp"],
    "SGDDT": ["Cấp bản sao văn bằng, chứng chỉ"],
}
COMMUNE_PROCEDURES = [
    "Đăng ký khai sinh",
    "Đăng ký kết hôn",
    "Chứng thực bản sao từ bản chính",
    "Cấp giấy xác nhận tình trạng hôn nhân",
]
STATUS_DONE, STATUS_OPEN, STATUS_WITHDRAWN = (
    "Đã trả kết quả",
    "Đang xử lý",
    "Đã rút hồ sơ",
)


def read_agencies():
    with open(DATA / "agencies.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def at(d: dt.date, minutes: int) -> dt.datetime:
    return dt.datetime.combine(d, dt.time()) + dt.timedelta(minutes=minutes)


def build():
    rng = random.Random(SEED)
    agencies = read_agencies()
    communes = [
        a["code"].removeprefix("UBND-") for a in agencies if a["kind"] == "commune"
    ]
    handlers = list(DEPT_PROCEDURES) + [f"UBND-{c}" for c in communes]
    # Mỗi đơn vị ít nhất 4 hồ sơ; phần còn lại: sở nhận nhiều hơn.
    plan = [h for h in handlers for _ in range(4)]
    weights = [12 if h in DEPT_PROCEDURES else 1 for h in handlers]
    plan += rng.choices(handlers, weights=weights, k=N - len(plan))
    rng.shuffle(plan)

    rows, truth = [], []
    for i, agency in enumerate(plan, start=1):
        if agency in DEPT_PROCEDURES:
            proc = rng.choice(DEPT_PROCEDURES[agency])
            commune = rng.choice(communes)
            days = rng.choice([5, 7, 10, 15])
        else:
            proc = rng.choice(COMMUNE_PROCEDURES)
            home = agency.removeprefix("UBND-")
            commune = home if rng.random() < 0.85 else rng.choice(communes)
            days = rng.choice([1, 3, 5])
        if rng.random() < 0.03:
            commune = ""  # người nộp ở ngoài tỉnh: không có mã xã trong tỉnh
        received = at(
            dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(110)),
            rng.randrange(7 * 60 + 30, 17 * 60),
        )
        due = received.date() + dt.timedelta(days=days)
        r = rng.random()
        if r < 0.06:
            status, finished, on_time = STATUS_OPEN, None, None
        elif r < 0.10:
            status, finished, on_time = STATUS_WITHDRAWN, None, None
        else:
            status = STATUS_DONE
            x = rng.random()
            if x < 0.20:  # trả đúng ngày hẹn, buổi chiều: vẫn ĐÚNG HẠN
                finished, on_time = at(due, rng.randrange(13 * 60, 17 * 60 + 30)), True
            elif x < 0.86:  # trả trước hạn
                span = max(1, (due - received.date()).days)
                d = received.date() + dt.timedelta(days=rng.randrange(span))
                finished = max(
                    received + dt.timedelta(minutes=30),
                    at(d, rng.randrange(8 * 60, 17 * 60)),
                )
                on_time = True
            else:  # trễ hạn 1–10 ngày
                finished, on_time = (
                    at(
                        due + dt.timedelta(days=rng.randint(1, 10)),
                        rng.randrange(8 * 60, 17 * 60),
                    ),
                    False,
                )
        row = [
            f"HS-2026-{i:06d}",
            agency,
            commune,
            proc,
            received.strftime("%Y-%m-%d %H:%M"),
            due.isoformat(),
            finished.strftime("%Y-%m-%d %H:%M") if finished else "",
            status,
        ]
        rows.append(row)
        truth.append(
            {
                "dossier_id": row[0],
                "agency_code": agency,
                "commune_code": commune or None,
                "resolved": status == STATUS_DONE,
                "on_time": on_time,
            }
        )
        if rng.random() < 0.03:  # đồng bộ hai lần: dòng trùng y hệt
            rows.append(list(row))
    files = {
        "data/dossiers_raw.csv": to_csv(
            [
                "dossier_id",
                "agency_code",
                "commune_code",
                "procedure",
                "received_at",
                "due_date",
                "finished_at",
                "status",
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
