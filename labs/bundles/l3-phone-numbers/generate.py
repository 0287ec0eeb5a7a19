"""Sinh dữ liệu giả lập cho Bài thực hành 3 (số điện thoại).

Chạy:  python generate.py   (thư mục hiện tại = thư mục bài thực hành)
Ghi    data/contacts_raw.csv và data/prefix_2018.csv, giống hệt nhau từng byte ở mọi lần chạy.

Số điện thoại được sinh ngẫu nhiên theo đúng đầu số: không nhằm trùng với thuê bao có thật.
Họ tên là tổ hợp ngẫu nhiên, không phải người thật.
"""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

SEED = 20260303
N = 420
DATA = Path(__file__).resolve().parent / "data"

# Bảng chuyển đổi đầu số di động 11 số sang 10 số (năm 2018).
PREFIX_2018 = [
    ("0162", "032", "Viettel"),
    ("0163", "033", "Viettel"),
    ("0164", "034", "Viettel"),
    ("0165", "035", "Viettel"),
    ("0166", "036", "Viettel"),
    ("0167", "037", "Viettel"),
    ("0168", "038", "Viettel"),
    ("0169", "039", "Viettel"),
    ("0120", "070", "MobiFone"),
    ("0121", "079", "MobiFone"),
    ("0122", "077", "MobiFone"),
    ("0126", "076", "MobiFone"),
    ("0128", "078", "MobiFone"),
    ("0123", "083", "VinaPhone"),
    ("0124", "084", "VinaPhone"),
    ("0125", "085", "VinaPhone"),
    ("0127", "081", "VinaPhone"),
    ("0129", "082", "VinaPhone"),
    ("0186", "056", "Vietnamobile"),
    ("0188", "058", "Vietnamobile"),
    ("0199", "059", "Gmobile"),
]
# Đầu số 10 số vốn có từ trước (không đổi).
NEW_PREFIXES = [
    "086",
    "096",
    "097",
    "098",
    "089",
    "090",
    "093",
    "088",
    "091",
    "094",
    "092",
    "099",
]
LANDLINE_AREAS = [
    ("0222", 7, 55),
    ("0204", 7, 35),
    ("024", 8, 10),
]  # mã vùng, số chữ số thuê bao, tỷ trọng

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
    "Nam": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Thanh"],
    "Nữ": ["Thị", "Thu", "Minh", "Ngọc", "Thanh", "Hồng"],
}
GIVEN = {
    "Nam": [
        "Anh",
        "Bình",
        "Dũng",
        "Hải",
        "Hòa",
        "Long",
        "Nam",
        "Quân",
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


def spaced(d: str, groups) -> str:
    out, i = [], 0
    for g in groups:
        out.append(d[i : i + g])
        i += g
    return out


def fmt_mobile10(rng, p: str) -> tuple[str, str]:
    """p = '09xxxxxxxx'. Trả về (chuỗi thô, loại định dạng)."""
    style = rng.choices(
        [
            "plain",
            "spaces",
            "dots",
            "dashes",
            "plus84",
            "plus84sp",
            "84",
            "paren84",
            "plus84zero",
            "nozero",
            "ws",
        ],
        weights=[30, 8, 5, 3, 7, 5, 8, 3, 3, 9, 4],
    )[0]
    body = p[1:]
    if style == "plain":
        return p, style
    if style == "spaces":
        return " ".join(spaced(p, [4, 3, 3])), style
    if style == "dots":
        return ".".join(spaced(p, [4, 3, 3])), style
    if style == "dashes":
        return "-".join(spaced(p, [4, 3, 3])), style
    if style == "plus84":
        return "+84" + body, style
    if style == "plus84sp":
        return "+84 " + " ".join(spaced(body, [3, 3, 3])), style
    if style == "84":
        return "84" + body, style
    if style == "paren84":
        return "(+84) " + body, style
    if style == "plus84zero":
        return "+84 (0)" + " ".join(spaced(body, [3, 3, 3])), style
    if style == "nozero":
        return body, style
    return " " + p + " ", style


def fmt_old11(rng, p: str) -> tuple[str, str]:
    style = rng.choices(
        ["plain", "spaces", "plus84", "84", "nozero"], weights=[40, 20, 15, 10, 15]
    )[0]
    body = p[1:]
    if style == "plain":
        return p, style
    if style == "spaces":
        return " ".join(spaced(p, [4, 3, 4])), style
    if style == "plus84":
        return "+84 " + " ".join(spaced(body, [3, 3, 4])), style
    if style == "84":
        return "84" + body, style
    return body, style


def fmt_landline(rng, p: str, area: str) -> tuple[str, str]:
    style = rng.choices(
        ["plain", "dots", "paren", "plus84", "nozero"], weights=[30, 25, 20, 10, 15]
    )[0]
    sub = p[len(area) :]
    if style == "plain":
        return p, style
    if style == "dots":
        return f"{area}.{sub[:4]}.{sub[4:]}", style
    if style == "paren":
        return f"({area}) {sub}", style
    if style == "plus84":
        return f"+84 {area[1:]} {sub[:4]} {sub[4:]}", style
    return p[1:], style


def to_csv(header, rows) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue()


def build():
    rng = random.Random(SEED)
    old_map = {o: n for o, n, _ in PREFIX_2018}
    rows, truth, used = [], {}, set()

    def fresh(make):
        while True:
            v = make()
            if v not in used:
                used.add(v)
                return v

    for i in range(1, N + 1):
        cid = f"LH{i:04d}"
        g = rng.choice(["Nam", "Nữ"])
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE[g])} {rng.choice(GIVEN[g])}"
        kind = rng.choices(
            ["mobile", "old", "landline", "invalid"], weights=[58, 24, 12, 6]
        )[0]
        if kind == "mobile":
            pref = rng.choice(
                NEW_PREFIXES
                + [
                    "032",
                    "035",
                    "038",
                    "070",
                    "077",
                    "081",
                    "083",
                    "084",
                    "085",
                    "056",
                    "059",
                ]
            )
            trap_84 = (
                rng.random() < 0.06
            )  # số 084/085 bị mất số 0: "84xxxxxxx" KHÔNG có mã quốc gia
            if trap_84:
                pref = rng.choice(["084", "085"])
            phone = fresh(lambda pref=pref: pref + f"{rng.randrange(10**7):07d}")
            raw = phone[1:] if trap_84 else fmt_mobile10(rng, phone)[0]
            ptype = "mobile"
        elif kind == "old":
            old = rng.choice(list(old_map))
            tail = f"{rng.randrange(10**7):07d}"
            phone = old_map[old] + tail
            while phone in used:
                tail = f"{rng.randrange(10**7):07d}"
                phone = old_map[old] + tail
            used.add(phone)
            raw, _ = fmt_old11(rng, old + tail)
            ptype = "mobile"
        elif kind == "landline":
            area, n_sub, _ = rng.choices(
                LANDLINE_AREAS, weights=[w for *_, w in LANDLINE_AREAS]
            )[0]
            phone = fresh(
                lambda area=area, n_sub=n_sub: (
                    area + "3" + f"{rng.randrange(10 ** (n_sub - 1)):0{n_sub - 1}d}"
                )
            )
            raw, _ = fmt_landline(rng, phone, area)
            ptype = "landline"
        else:
            choice = rng.choice(
                ["empty", "text", "short", "eleven09", "two", "old_unknown"]
            )
            a = rng.choice(NEW_PREFIXES) + f"{rng.randrange(10**7):07d}"
            raw = {
                "empty": "",
                "text": rng.choice(["không có", "chưa cập nhật", "x"]),
                "short": a[:7],
                "eleven09": a + str(rng.randrange(10)),
                "two": a
                + " / "
                + rng.choice(NEW_PREFIXES)
                + f"{rng.randrange(10**7):07d}",
                "old_unknown": "0190" + f"{rng.randrange(10**7):07d}",
            }[choice]
            phone, ptype = None, "invalid"
        # phone_raw không để ở cuối dòng: công cụ xóa khoảng trắng cuối dòng sẽ làm mất "bẫy".
        rows.append([cid, raw, name])
        truth[cid] = {"phone": phone, "phone_type": ptype}
    files = {
        "data/contacts_raw.csv": to_csv(["contact_id", "phone_raw", "full_name"], rows),
        "data/prefix_2018.csv": to_csv(
            ["old_prefix", "new_prefix", "network"], PREFIX_2018
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
