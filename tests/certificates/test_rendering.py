"""Certificate PDF rendering: what a holder, a verifier and an attacker see.

No database: these tests only need Django's template settings.  PDFs are read
back with pypdf and the QR code is decoded with zxing-cpp, neither of which
the renderer itself uses.
"""

from __future__ import annotations

import hashlib
import io
import unicodedata
from dataclasses import replace
from datetime import date
from decimal import Decimal
from typing import Any

import pypdf
import pytest

from certificates.rendering import (
    FONTS_DIR,
    MAX_NAME_LENGTH,
    CertificateData,
    CertificateResourceError,
    fast_font_subsetting_available,
    format_decimal_vi,
    format_issue_date_vi,
    html_to_pdf,
    normalise_name,
    pdf_fingerprint,
    render_certificate_html,
    render_certificate_pdf,
)

NAME_NFC = "Nguyễn Thị Hương"
NAME_NFD = unicodedata.normalize("NFD", NAME_NFC)
VERIFY_URL = "https://hocviendulieu.bacninh.gov.vn/xac-minh/BN-2026-000123"


def make_data(**changes: Any) -> CertificateData:
    values: dict[str, Any] = {
        "serial": "BN-2026-000123",
        "holder_name": NAME_NFD,
        "agency_name": "UBND phường Kinh Bắc",
        "title": "Quản trị dữ liệu trong cơ quan nhà nước",
        "kind": "course",
        "hours": 40,
        "score": Decimal("8.50"),
        "issued_on": date(2026, 11, 27),
        "signer_name": "Trần Văn Bình",
        "signer_title": "Giám đốc",
        "verify_url": VERIFY_URL,
    }
    values.update(changes)
    return CertificateData(**values)


def text_of(pdf: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


def all_dict_keys(pdf: bytes) -> set[str]:
    """Every dictionary key reachable from the PDF trailer."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    keys: set[str] = set()
    seen: set[int] = set()
    stack: list[Any] = [reader.trailer]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pypdf.generic.IndirectObject):
            if obj.idnum in seen:
                continue
            seen.add(obj.idnum)
            obj = obj.get_object()
        if isinstance(obj, pypdf.generic.DictionaryObject):
            keys.update(obj.keys())
            stack.extend(obj.values())
        elif isinstance(obj, pypdf.generic.ArrayObject):
            stack.extend(obj)
    return keys


@pytest.fixture(scope="module")
def pdf() -> bytes:
    return render_certificate_pdf(make_data())


# --- text and layout -------------------------------------------------------


def test_name_typed_in_nfd_prints_in_nfc(pdf: bytes) -> None:
    assert NAME_NFD != NAME_NFC
    assert NAME_NFC in text_of(pdf)


def test_page_is_one_a4_landscape_page(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert float(box.width) == pytest.approx(841.89, abs=1)
    assert float(box.height) == pytest.approx(595.28, abs=1)


def test_every_font_is_an_embedded_shipped_font(pdf: bytes) -> None:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = set()
    for ref in fonts.values():
        font = ref.get_object()
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object(), font["/BaseFont"]
        # "ABCDEF+DA-Sans-Bold": a subset of our @font-face family, so no
        # glyph fell back to whatever fonts the machine has.
        names.add(str(font["/BaseFont"]).split("+", 1)[1])
    assert names == {"DA-Sans", "DA-Sans-Bold", "DA-Serif-Bold"}


def test_prints_the_fixed_wording_and_every_field(pdf: bytes) -> None:
    text = text_of(pdf)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH BẮC NINH",
        "GIẤY CHỨNG NHẬN",
        "Số: BN-2026-000123",
        "UBND phường Kinh Bắc",
        "Đã hoàn thành khóa học",
        "Quản trị dữ liệu trong cơ quan nhà nước",
        "Thời lượng: 40 giờ",
        "Điểm đánh giá: 8,5",
        "Bắc Ninh, ngày 27 tháng 11 năm 2026",
        "GIÁM ĐỐC",
        "Trần Văn Bình",
        "Quét mã để xác minh",
    ]:
        assert expected in text


def test_program_certificate_says_program() -> None:
    text = text_of(render_certificate_pdf(make_data(kind="program")))
    assert "Đã hoàn thành chương trình" in text


def test_missing_hours_and_score_are_left_out() -> None:
    text = text_of(render_certificate_pdf(make_data(hours=None, score=None)))
    assert "Thời lượng" not in text
    assert "Điểm" not in text


def test_longest_allowed_name_and_a_long_title_fit_on_one_page() -> None:
    name = ("Tôn Nữ Hoàng Nguyễn Phước Thị Minh Khai " * 4)[:MAX_NAME_LENGTH]
    title = ("Bồi dưỡng kỹ năng phân tích và khai thác dữ liệu số " * 6)[:255]
    pdf = render_certificate_pdf(make_data(holder_name=name, title=title))
    assert len(pypdf.PdfReader(io.BytesIO(pdf)).pages) == 1


# --- hostile input ---------------------------------------------------------


def test_markup_in_name_is_escaped_in_the_html() -> None:
    html = render_certificate_html(make_data(holder_name="<script>alert(1)</script>"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>" not in html


def test_markup_in_name_prints_literally() -> None:
    pdf = render_certificate_pdf(make_data(holder_name="<script>alert(1)</script>"))
    assert "<script>alert(1)</script>" in text_of(pdf)


def test_pdf_has_no_javascript_actions_links_or_attachments(pdf: bytes) -> None:
    forbidden = {
        "/JavaScript",
        "/JS",
        "/OpenAction",
        "/AA",
        "/Annots",
        "/URI",
        "/Launch",
        "/EmbeddedFiles",
        "/AcroForm",
    }
    assert all_dict_keys(pdf) & forbidden == set()


def test_bidi_override_and_zero_width_characters_do_not_reach_the_pdf() -> None:
    spoofed = "\u202eNguyễn\u202c Thị\u200b Hư\ufeffơng\u2066"
    pdf = render_certificate_pdf(make_data(holder_name=spoofed))
    text = text_of(pdf)
    assert NAME_NFC in text
    assert not any(ch in text for ch in "\u202a\u202b\u202c\u202d\u202e\u200b\ufeff")


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/hostname",
        "http://127.0.0.1:9/logo.png",
        FONTS_DIR.as_uri() + "/%2e%2e/rendering.py",
        FONTS_DIR.as_uri() + "/LICENSE/../../rendering.py",
    ],
)
def test_template_may_not_load_files_or_urls(url: str) -> None:
    with pytest.raises(CertificateResourceError):
        html_to_pdf(f'<img src="{url}">')


# --- QR code and fingerprint -----------------------------------------------


def test_qr_code_decodes_to_the_verify_url(pdf: bytes) -> None:
    import zxingcpp

    images = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images
    assert len(images) == 1
    results = zxingcpp.read_barcodes(images[0].image)
    assert [(r.format, r.text) for r in results] == [
        (zxingcpp.BarcodeFormat.QRCode, VERIFY_URL)
    ]


def test_same_data_renders_identical_bytes(pdf: bytes) -> None:
    assert render_certificate_pdf(make_data()) == pdf


def test_status_is_not_printed(pdf: bytes) -> None:
    assert render_certificate_pdf(make_data(status="revoked")) == pdf


def test_fingerprint_is_sha256_hex(pdf: bytes) -> None:
    assert pdf_fingerprint(pdf) == hashlib.sha256(pdf).hexdigest()
    assert len(pdf_fingerprint(pdf)) == 64


def test_fast_reproducible_font_subsetting_is_installed() -> None:
    # Without Debian's libharfbuzz-subset0 WeasyPrint falls back to fontTools:
    # ~7x slower and a timestamp in every PDF.  Fail loudly instead.
    assert fast_font_subsetting_available()


# --- normalisation and formatting ------------------------------------------


def test_normalise_name_composes_to_nfc_and_collapses_whitespace() -> None:
    assert normalise_name(f"  {NAME_NFD.replace(' ', chr(9) + ' ')}\n") == NAME_NFC


def test_normalise_name_drops_zero_width_between_letter_and_accent() -> None:
    assert normalise_name("Nguye\u0302\u200b\u0303n") == "Nguyễn"


def test_name_of_exactly_the_limit_is_accepted() -> None:
    assert len(normalise_name("A" * MAX_NAME_LENGTH)) == MAX_NAME_LENGTH


def test_longer_name_is_rejected_not_truncated() -> None:
    with pytest.raises(ValueError, match="vượt quá giới hạn 120 ký tự"):
        normalise_name("A" * (MAX_NAME_LENGTH + 1))


@pytest.mark.parametrize("name", ["", " \u200b\u202e ", "12345", "<>"])
def test_name_without_letters_is_rejected(name: str) -> None:
    with pytest.raises(ValueError):
        normalise_name(name)


def test_certificate_data_stores_the_normalised_name() -> None:
    assert make_data().holder_name == NAME_NFC


def test_float_score_is_refused() -> None:
    with pytest.raises(TypeError):
        make_data(score=8.1)


@pytest.mark.parametrize(
    "url", ["javascript:alert(1)", "/xac-minh/1", "https://", "https://a b/"]
)
def test_verify_url_must_be_absolute_http(url: str) -> None:
    with pytest.raises(ValueError):
        make_data(verify_url=url)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError):
        make_data(kind="webinar")


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 5), "ngày 05 tháng 02 năm 2026"),
        (date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
        (date(2026, 11, 27), "ngày 27 tháng 11 năm 2026"),
    ],
)
def test_issue_date_follows_administrative_style(day: date, expected: str) -> None:
    assert format_issue_date_vi(day) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(Decimal("8.50"), "8,5"), (40, "40"), (Decimal("100"), "100"), (Decimal(0), "0")],
)
def test_numbers_use_a_decimal_comma(value: Decimal | int, expected: str) -> None:
    assert format_decimal_vi(value) == expected


def test_certificate_data_is_immutable() -> None:
    with pytest.raises(AttributeError):
        make_data().holder_name = "x"  # type: ignore[misc]


def test_replace_renormalises() -> None:
    assert replace(make_data(), holder_name=NAME_NFD).holder_name == NAME_NFC
