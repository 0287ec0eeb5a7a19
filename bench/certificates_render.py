"""Benchmark: certificate PDF rendering, warm process vs. a cold one.

    .venv/bin/python bench/certificates_render.py [--n 200]

Prints a markdown table.  "Cold" is a fresh interpreter rendering one
certificate (importing WeasyPrint and loading the fonts included), measured in
a child process; "warm" is N further renders in this process, each with a
different name and serial, the way a worker issues a batch.

Uses DJANGO_SETTINGS_MODULE when set; otherwise a minimal template-only
configuration, so the benchmark needs no database or environment.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Thị", "Văn", "Đức", "Minh", "Thu", "Quốc", "Ngọc", "Hữu"]
GIVEN = ["Hương", "Dũng", "Hạnh", "Tuấn", "Phương", "Thắng", "Yến", "Khải", "Lộc"]


def setup_django() -> None:
    import django
    from django.conf import settings

    if not os.environ.get("DJANGO_SETTINGS_MODULE"):
        settings.configure(
            TEMPLATES=[
                {
                    "BACKEND": "django.template.backends.django.DjangoTemplates",
                    "DIRS": [ROOT / "templates"],
                }
            ]
        )
    django.setup()


def sample(i: int):  # -> CertificateData; imported lazily to time the import
    from certificates.rendering import CertificateData

    name = " ".join(
        [
            SURNAMES[i % len(SURNAMES)],
            MIDDLE[i % len(MIDDLE)],
            GIVEN[i % len(GIVEN)],
        ]
    )
    serial = f"BN-2026-{i + 1:06d}"
    return CertificateData(
        serial=serial,
        holder_name=name,
        agency_name="UBND phường Kinh Bắc",
        title="Quản trị dữ liệu trong cơ quan nhà nước",
        kind="course",
        hours=40,
        score=Decimal("8.5"),
        issued_on=date(2026, 11, 27),
        signer_name="Trần Văn Bình",
        signer_title="Giám đốc",
        verify_url=f"https://hocviendulieu.bacninh.gov.vn/xac-minh/{serial}",
    )


def cold_child() -> None:
    """Run in a fresh interpreter: time the import and one render, print JSON."""
    started = time.perf_counter()
    setup_django()
    from certificates.rendering import render_certificate_pdf

    data = sample(0)
    imported = time.perf_counter()
    pdf = render_certificate_pdf(data)
    done = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "first_render_s": done - imported,
                "bytes": len(pdf),
            }
        )
    )


def cold_run() -> dict[str, float]:
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--cold-child"],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ.copy(),
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - started
    return result


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def row(label: str, values: list[float]) -> str:
    ms = [v * 1000 for v in values]
    return (
        f"| {label} | {len(ms)} | {statistics.mean(ms):.1f} | "
        f"{statistics.median(ms):.1f} | {percentile(ms, 0.95):.1f} | "
        f"{min(ms):.1f} | {max(ms):.1f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=200, help="warm renders")
    parser.add_argument("--cold-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.cold_child:
        cold_child()
        return

    cold = cold_run()

    setup_django()
    from certificates.rendering import (
        fast_font_subsetting_available,
        render_certificate_html,
        render_certificate_pdf,
    )

    render_certificate_pdf(sample(0))  # warm-up, not counted
    data = [sample(i) for i in range(1, args.n + 1)]
    html_times, pdf_times, sizes = [], [], []
    for item in data:
        t0 = time.perf_counter()
        render_certificate_html(item)
        t1 = time.perf_counter()
        pdf = render_certificate_pdf(item)
        t2 = time.perf_counter()
        html_times.append(t1 - t0)
        pdf_times.append(t2 - t1)
        sizes.append(len(pdf))

    import weasyprint

    median_ms = statistics.median(pdf_times) * 1000
    print(f"## Certificate rendering ({platform.node()}, {os.cpu_count()} CPUs)\n")
    print(
        f"Python {platform.python_version()}, WeasyPrint {weasyprint.__version__}, "
        f"HarfBuzz subsetting: {'yes' if fast_font_subsetting_available() else 'NO'}"
        f", PDF size median {statistics.median(sizes) / 1024:.1f} KiB\n"
    )
    print("| what | n | mean ms | median ms | p95 ms | min ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    print(row("warm: render_certificate_pdf (template + QR + PDF)", pdf_times))
    print(row("warm: render_certificate_html only (template + QR)", html_times))
    print(
        f"| cold process: import + setup | 1 | {cold['import_s'] * 1000:.1f} | | | | |"
    )
    print(
        f"| cold process: first render | 1 | {cold['first_render_s'] * 1000:.1f} "
        "| | | | |"
    )
    print(
        f"| cold process: wall time incl. interpreter | 1 | "
        f"{cold['process_s'] * 1000:.1f} | | | | |"
    )
    print(
        f"\nCold first render / warm median: "
        f"{cold['first_render_s'] * 1000 / median_ms:.1f}x; "
        f"cold process wall / warm median: {cold['process_s'] * 1000 / median_ms:.1f}x. "
        f"Target: warm median <= 60 ms -> "
        f"{'met' if median_ms <= 60 else 'NOT met'}."
    )


if __name__ == "__main__":
    main()
