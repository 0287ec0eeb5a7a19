"""Sinh dữ liệu giả lập cho Bài thực hành 7 (báo cáo định kỳ của cán bộ đầu mối dữ liệu).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)

- Đọc  data/agencies.csv (bản sao nguyên văn danh mục cơ quan dùng chung của dự án; không sinh lại).
- Ghi  data/required_agencies.csv (các cơ quan phải báo cáo) và data/reports_raw.csv,
  giống hệt nhau từng byte ở mọi lần chạy.

Thời điểm gửi báo cáo là giả lập.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from pathlib import Path

SEED = 20260707
MONTHS = [(2026, m) for m in range(1, 7)]
DATA = Path(__file__).resolve().parent / "data"
VN = dt.timezone(dt.timedelta(hours=7))
NOT_REQUIRED_SENDERS = ["TTKHCNCDS", "TTPVHCC", "DEMO-DN-CAPNUOC", "DEMO-DN-THUYLOI"]


def read_agencies():
    with open(DATA / "agencies.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def required(agencies):
    """Các sở, ban, ngành (trừ Sở KH&CN là nơi nhận) và UBND các xã, phường."""
    out = []
    for a in agencies:
        if a["code"] == "SKHCN":
            continue
        if a["kind"] in ("department", "commune") or (
            a["kind"] == "provincial_unit" and not a["parent_code"]
        ):
            out.append(a)
    return out


def fmt_period(rng, y, m):
    return rng.choices(
        [f"{y}-{m:02d}", f"{m:02d}/{y}", f"{m}/{y}"], weights=[60, 25, 15]
    )[0]


def fmt_time(rng, local: dt.datetime, force_utc: bool = False) -> str:
    if force_utc or rng.random() < 0.25:  # hệ thống tích hợp ghi giờ UTC
        return local.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return local.strftime("%Y-%m-%dT%H:%M:%S+07:00")


def fmt_code(rng, code):
    r = rng.random()
    if r < 0.08:
        return code.lower()
    if r < 0.14:
        return " " + code + " "
    return code


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def local(y, m, d, minutes):
    return dt.datetime(y, m, 1, tzinfo=VN) + dt.timedelta(days=d - 1, minutes=minutes)


def build():
    rng = random.Random(SEED)
    agencies = read_agencies()
    req = required(agencies)
    subs, truth = [], {}  # subs: (agency_code, period_raw, submitted_at_raw, sort_key)
    never = {
        a["code"] for a in rng.sample([a for a in req if a["kind"] == "commune"], 2)
    }  # chưa từng báo cáo
    for a in req:
        for y, m in MONTHS:
            key = (a["code"], f"{y}-{m:02d}")
            r = rng.random()
            if r < 0.08 or a["code"] in never:
                truth[key] = "Chưa nộp"
                continue
            kind = rng.choices(
                [
                    "early",
                    "late",
                    "day25",
                    "utc_edge_late",
                    "utc_edge_ok",
                    "next_month",
                ],
                weights=[70, 9, 5, 5, 5, 6],
            )[0]
            force_utc = False
            if kind == "early":
                t = local(y, m, rng.randint(8, 24), rng.randrange(7 * 60, 17 * 60))
                status = "Đúng hạn"
            elif kind == "late":
                t = local(y, m, rng.randint(26, 28), rng.randrange(7 * 60, 17 * 60))
                status = "Trễ hạn"
            elif kind == "day25":  # đúng ngày 25: đã là trễ ("trước ngày 25")
                t = local(y, m, 25, rng.randrange(7 * 60, 11 * 60))
                status = "Trễ hạn"
            elif kind == "utc_edge_late":  # 24/… 18:xx UTC = 25/… 01:xx giờ Việt Nam
                t = local(y, m, 25, rng.randrange(0, 6 * 60))
                status, force_utc = "Trễ hạn", True
            elif kind == "utc_edge_ok":  # 24/… 09:xx UTC = 24/… 16:xx giờ Việt Nam
                t = local(y, m, 24, rng.randrange(13 * 60, 17 * 60))
                status, force_utc = "Đúng hạn", True
            else:  # gửi sang tháng sau cho kỳ báo cáo tháng trước
                t = local(y, m, 28, 0) + dt.timedelta(
                    days=rng.randint(4, 12), minutes=rng.randrange(7 * 60, 17 * 60)
                )
                status = "Trễ hạn"
            truth[key] = status
            subs.append(
                (
                    fmt_code(rng, a["code"]),
                    fmt_period(rng, y, m),
                    fmt_time(rng, t, force_utc),
                    t,
                )
            )
            if (
                rng.random() < 0.12
            ):  # gửi bổ sung/cập nhật sau: không làm thay đổi kết quả
                t2 = t + dt.timedelta(
                    days=rng.randint(1, 9), minutes=rng.randrange(600)
                )
                subs.append(
                    (
                        fmt_code(rng, a["code"]),
                        fmt_period(rng, y, m),
                        fmt_time(rng, t2),
                        t2,
                    )
                )
    # Đơn vị không thuộc diện phải báo cáo cũng gửi: không đưa vào bảng.
    for code in NOT_REQUIRED_SENDERS:
        for y, m in MONTHS[:4]:
            t = local(y, m, rng.randint(10, 22), rng.randrange(8 * 60, 16 * 60))
            subs.append((code, fmt_period(rng, y, m), fmt_time(rng, t), t))
    # Báo cáo của kỳ ngoài phạm vi (tháng 12/2025) gửi muộn vào tháng 1/2026.
    for a in rng.sample(req, 6):
        t = local(2026, 1, rng.randint(2, 9), rng.randrange(8 * 60, 16 * 60))
        subs.append((a["code"], "12/2025", fmt_time(rng, t), t))
    rng.shuffle(subs)  # bản trích xuất không sắp xếp theo thời gian
    rows = [[f"BC{i:05d}", c, p, ts] for i, (c, p, ts, _) in enumerate(subs, start=1)]
    files = {
        "data/required_agencies.csv": to_csv(
            ["code", "name"], [[a["code"], a["name"]] for a in req]
        ),
        "data/reports_raw.csv": to_csv(
            ["report_id", "agency_code", "period", "submitted_at"], rows
        ),
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
