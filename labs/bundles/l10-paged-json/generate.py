"""Sinh dữ liệu giả lập cho Bài thực hành 10 (JSON phân trang từ nền tảng tích hợp, chia sẻ dữ liệu).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)
Ghi    data/api/*.json (xóa các tệp .json cũ trong data/api trước), giống hệt nhau từng byte ở mọi lần chạy.

Mô phỏng một API trả danh sách hồ sơ theo trang: mỗi trang có "links.next" trỏ tới trang sau.
Hồ sơ là giả lập.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

SEED = 20261010
N = 250
PAGE_SIZE = 40
DATA = Path(__file__).resolve().parent / "data"
API = DATA / "api"
VN = dt.timezone(dt.timedelta(hours=7))
FIRST = "page_0.json"

COMMUNES = [
    "07210",
    "07228",
    "07246",
    "07288",
    "07339",
    "07444",
    "07537",
    "07682",
    "07735",
    "07798",
    "09169",
    "09187",
    "09208",
    "09253",
    "09301",
    "09319",
    "09367",
    "09409",
    "09433",
    "09475",
]
PROCEDURES = [
    ("P01", "Đăng ký khai sinh", 8000),
    ("P02", "Đăng ký kết hôn", None),
    ("P03", "Chứng thực bản sao từ bản chính", 2000),
    ("P04", "Cấp giấy xác nhận tình trạng hôn nhân", None),
]


def iso(t: dt.datetime, utc: bool) -> str:
    if utc:
        return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return t.astimezone(VN).strftime("%Y-%m-%dT%H:%M:%S+07:00")


def token(rng) -> str:
    return f"{rng.getrandbits(32):08x}"


def record(rng, i):
    code, name, fee = rng.choice(PROCEDURES)
    commune = rng.choice(COMMUNES)
    received = dt.datetime(2026, 3, 2, 7, 30, tzinfo=VN) + dt.timedelta(
        days=rng.randrange(60), minutes=rng.randrange(540)
    )
    r = {
        "id": f"HS-2026-{i:06d}",
        "procedure": {"code": code, "name": name},
        "agency": {
            "code": f"UBND-{commune if rng.random() < 0.9 else rng.choice(COMMUNES)}"
        },
        "applicant": {"type": "cong_dan", "commune": {"code": commune}},
        "status": rng.choice(["Đã trả kết quả", "Đã trả kết quả", "Đang xử lý"]),
        "received_at": iso(received, False),
        "updated_at": iso(
            received + dt.timedelta(hours=rng.randint(1, 90)), rng.random() < 0.3
        ),
        "fee": None if fee is None else fee * rng.choice([1, 1, 2, 3]),
    }
    x = rng.random()
    if x < 0.05:
        r["applicant"] = None  # người nộp không khai địa chỉ
    elif x < 0.10:
        del r["applicant"]["commune"]  # thiếu khóa lồng bên trong
    return r


def newer(rng, r):
    """Phiên bản mới hơn của cùng hồ sơ: trạng thái đổi, updated_at muộn hơn."""
    n = json.loads(json.dumps(r))
    r["status"], n["status"] = (
        "Đang xử lý",
        "Đã trả kết quả",
    )  # bản cũ: đang xử lý; bản mới: đã xong
    old = dt.datetime.fromisoformat(r["updated_at"].replace("Z", "+00:00"))
    new_t = old + dt.timedelta(hours=rng.randint(1, 5))
    # Bẫy: phiên bản cũ ghi +07:00, phiên bản mới ghi Z. So sánh CHUỖI sẽ chọn nhầm bản cũ.
    r["updated_at"] = iso(old, False)
    n["updated_at"] = iso(new_t, True)
    return n


def build():
    rng = random.Random(SEED)
    records = [record(rng, i) for i in range(1, N + 1)]
    latest = {r["id"]: r for r in records}
    # Chia trang; ở ranh giới trang, vài hồ sơ bị lặp lại (phân trang theo offset khi dữ liệu đang thay đổi).
    pages, i = [], 0
    while i < len(records):
        chunk = [json.loads(json.dumps(r)) for r in records[i : i + PAGE_SIZE]]
        pages.append(chunk)
        i += PAGE_SIZE
    for k in range(1, len(pages)):
        prev = pages[k - 1]
        for r in prev[-rng.randint(1, 3) :]:
            kind = rng.random()
            if kind < 0.5:
                pages[k].insert(0, json.loads(json.dumps(r)))  # lặp y hệt
            else:
                n = newer(rng, r)
                latest[r["id"]] = n
                if kind < 0.75:
                    pages[k].insert(0, n)  # trang sau có bản mới hơn
                else:
                    pages[k].insert(0, r)  # trang sau có bản CŨ hơn...
                    prev[prev.index(r)] = n  # ...còn trang trước đã có bản mới
    names = [FIRST] + [f"page_{token(rng)}.json" for _ in pages[1:]]
    generated = "2026-06-30T08:00:00+07:00"
    files = {}
    for k, chunk in enumerate(pages):
        body = {
            "meta": {
                "page": k + 1,
                "page_size": PAGE_SIZE,
                "total": N,
                "generated_at": generated,
            },
            "data": chunk,
            "links": {
                "self": names[k],
                "next": names[k + 1] if k + 1 < len(pages) else None,
            },
        }
        files[f"data/api/{names[k]}"] = (
            json.dumps(body, ensure_ascii=False, indent=1) + "\n"
        )
    # Trang "mồ côi" của một lần xuất cũ: không trang nào trỏ tới, có hồ sơ đã bị xóa/gộp và bản cũ.
    old_ids = [f"HS-2025-{9000 + j:06d}" for j in range(6)]
    orphan = [dict(record(rng, 0), id=x) for x in old_ids]
    orphan += [json.loads(json.dumps(records[j])) for j in rng.sample(range(N), 6)]
    for r in orphan:
        r["updated_at"] = "2026-01-15T09:00:00+07:00"
    orphan_name = f"page_{token(rng)}.json"
    files[f"data/api/{orphan_name}"] = (
        json.dumps(
            {
                "meta": {
                    "page": 3,
                    "page_size": PAGE_SIZE,
                    "total": 180,
                    "generated_at": "2026-01-15T09:00:00+07:00",
                },
                "data": orphan,
                "links": {"self": orphan_name, "next": None},
            },
            ensure_ascii=False,
            indent=1,
        )
        + "\n"
    )
    truth = {"n_pages": len(pages), "latest": latest, "orphan_only": set(old_ids)}
    return files, truth


def main():
    files, _ = build()
    API.mkdir(parents=True, exist_ok=True)
    for old in sorted(API.glob("*.json")):
        old.unlink()
    for rel, text in files.items():
        path = DATA.parent / rel
        path.write_bytes(text.encode("utf-8"))
        print(f"đã ghi {rel} ({len(text.encode('utf-8')):,} byte)")


if __name__ == "__main__":
    main()
