"""Certificate PDF rendering: Django template -> HTML -> PDF bytes (WeasyPrint).

Pure module: no models, no database. It needs Django settings only for the
template loader (``TEMPLATES`` must list the project's ``templates/`` folder),
so it runs the same in a web request, a Celery task, a test or a benchmark.

Why WeasyPrint and not ReportLab (3x faster, see stack-notes section 6): the
design lives in an HTML template that DOST staff can edit without code, and
HarfBuzz shapes decomposed (NFD) Vietnamese correctly.  We still normalise
every text to NFC, because the name is also stored, searched and compared.

Fonts are shipped in ``certificates/fonts/`` (DejaVu 2.37, licence alongside),
so the output does not depend on what a machine happens to have installed.
They are declared under private family names ("DA Sans", "DA Serif") so
fontconfig can never substitute a system font of the same name.
"""

from __future__ import annotations

import atexit
import hashlib
import io
import os
import threading
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.template.loader import render_to_string

if TYPE_CHECKING:  # WeasyPrint is imported lazily: see _engine().
    from weasyprint import CSS
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

__all__ = [
    "DEFAULT_TEMPLATE",
    "FONTS_DIR",
    "MAX_NAME_LENGTH",
    "CertificateData",
    "CertificateResourceError",
    "clean_text",
    "fast_font_subsetting_available",
    "format_decimal_vi",
    "format_issue_date_vi",
    "html_to_pdf",
    "normalise_name",
    "pdf_fingerprint",
    "qr_data_uri",
    "render_certificate_html",
    "render_certificate_pdf",
    "warm_up",
]

FONTS_DIR = Path(__file__).resolve().parent / "fonts"
DEFAULT_TEMPLATE = "certificates/certificate_pdf.html"

# A name longer than this is rejected, never truncated: a certificate is a
# legal document and must print the name exactly as registered.  The longest
# real Vietnamese full names are around 50 characters; 120 leaves room for
# compound/foreign names while the template still fits it on one page.
MAX_NAME_LENGTH = 120

CERTIFICATE_KINDS = {"course": "khóa học", "program": "chương trình"}

# Unicode categories dropped from every printed text:
#   Cc control characters (whitespace among them is turned into a space first),
#   Cf format characters: bidi embeddings/overrides U+202A-202E, isolates
#      U+2066-2069, LRM/RLM U+200E/F, zero-width U+200B-200D, BOM U+FEFF,
#      soft hyphen, word joiner, tag characters...  None belongs in a name,
#      and several can make a printed name differ from the stored one
#      (e.g. an RTL override reverses what the reader sees);
#   Co private use, Cs lone surrogates: no meaning in a shared font.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Co", "Cs"})


# --------------------------------------------------------------------------
# Text normalisation
# --------------------------------------------------------------------------


def clean_text(value: str) -> str:
    """Return ``value`` as safe single-line NFC text.

    Drops control, format (bidi, zero-width), private-use and surrogate
    characters, turns any run of whitespace (tabs, newlines, NBSP, ...) into
    one space, trims, then composes to NFC.  Dropping comes before NFC so that
    a zero-width character hidden between a letter and its accent cannot
    prevent composition.
    """
    kept = []
    for char in value:
        if char.isspace():
            kept.append(" ")
        elif unicodedata.category(char) not in _DROPPED_CATEGORIES:
            kept.append(char)
    return unicodedata.normalize("NFC", " ".join("".join(kept).split()))


def normalise_name(name: str) -> str:
    """Canonical form of a holder's full name, as stored and as printed.

    Applies :func:`clean_text`; then the name must contain a letter and be at
    most :data:`MAX_NAME_LENGTH` characters (counted after NFC).  Longer names
    raise ``ValueError`` with a message fit to show to the user: we never
    truncate a name on a certificate.
    """
    cleaned = clean_text(name)
    if not cleaned:
        raise ValueError("Họ và tên không được để trống.")
    if len(cleaned) > MAX_NAME_LENGTH:
        raise ValueError(
            f"Họ và tên dài {len(cleaned)} ký tự, vượt quá giới hạn "
            f"{MAX_NAME_LENGTH} ký tự."
        )
    if not any(unicodedata.category(char).startswith("L") for char in cleaned):
        raise ValueError("Họ và tên phải có ít nhất một chữ cái.")
    return cleaned


# --------------------------------------------------------------------------
# Vietnamese formatting
# --------------------------------------------------------------------------


def format_decimal_vi(value: Decimal | int) -> str:
    """``Decimal("8.50")`` -> ``"8,5"``; ``40`` -> ``"40"`` (decimal comma)."""
    number = Decimal(value).normalize()
    if number == number.to_integral_value():
        # normalize() turns 100 into 1E+2; print integers as integers.
        number = number.quantize(Decimal(1))
    return f"{number:f}".replace(".", ",")


def format_issue_date_vi(day: date) -> str:
    """``date(2026, 2, 5)`` -> ``"ngày 05 tháng 02 năm 2026"``.

    Follows the rule for administrative documents (Nghị định 30/2020/NĐ-CP,
    Phụ lục I): days below 10 and the months 1 and 2 get a leading zero, so a
    digit cannot be added in front of them afterwards; other months do not.
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


# --------------------------------------------------------------------------
# Certificate data
# --------------------------------------------------------------------------


def _to_decimal(value: Decimal | int | None, field_name: str) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        # Floats are refused: 8.1 would print as 8,0999999... or be rounded
        # silently; the models hand us Decimals anyway.
        raise TypeError(f"{field_name} must be Decimal, int or None")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:  # pragma: no cover - Decimal(int) is safe
        raise ValueError(f"{field_name} is not a number") from exc
    if not number.is_finite() or number < 0:
        raise ValueError(f"{field_name} must be a finite, non-negative number")
    return number


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate.

    Construction normalises the texts (see :func:`clean_text`,
    :func:`normalise_name`), so ``data.holder_name`` is exactly what is printed
    and what should be stored.  ``status`` is carried for callers but never
    printed: revocation is shown on the online verify page, not in the PDF.
    """

    serial: str
    holder_name: str
    agency_name: str
    title: str
    kind: str
    hours: Decimal | int | None
    score: Decimal | None
    issued_on: date
    signer_name: str
    signer_title: str
    verify_url: str
    issuer_name: str = "Sở Khoa học và Công nghệ tỉnh Bắc Ninh"
    status: str = field(default="valid", compare=False)

    def __post_init__(self) -> None:
        # object.__setattr__ because the dataclass is frozen: normalising here
        # means no instance can carry an un-normalised name.
        setattr_ = object.__setattr__
        setattr_(self, "holder_name", normalise_name(self.holder_name))
        for name in (
            "serial",
            "agency_name",
            "title",
            "signer_name",
            "signer_title",
            "issuer_name",
        ):
            setattr_(self, name, clean_text(getattr(self, name)))
        if not self.serial:
            raise ValueError("serial must not be empty")
        if self.kind not in CERTIFICATE_KINDS:
            raise ValueError(f"kind must be one of {sorted(CERTIFICATE_KINDS)}")
        if not isinstance(self.issued_on, date):
            raise TypeError("issued_on must be a date")
        setattr_(self, "hours", _to_decimal(self.hours, "hours"))
        setattr_(self, "score", _to_decimal(self.score, "score"))
        _check_verify_url(self.verify_url)


def _check_verify_url(url: str) -> None:
    # The QR code is the certificate's link to the truth: only an absolute
    # http(s) URL may go in it (no javascript:, data: or relative paths).
    parts = urlsplit(url)
    if parts.scheme not in {"https", "http"} or not parts.netloc:
        raise ValueError("verify_url must be an absolute http(s) URL")
    if any(char.isspace() or ord(char) < 0x20 for char in url):
        raise ValueError("verify_url must not contain whitespace")


# --------------------------------------------------------------------------
# QR code
# --------------------------------------------------------------------------


def qr_data_uri(url: str) -> str:
    """PNG ``data:`` URI of a QR code (error correction M) for ``url``.

    One pixel per module, with the standard 4-module quiet zone: the template
    scales it up with ``image-rendering: pixelated`` (WeasyPrint then writes
    ``/Interpolate false``), so edges stay sharp at any size and the PDF stays
    small.  A raster (not SVG) also lets tests pull the image back out of the
    PDF and decode it.
    """
    import base64

    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(url)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


# --------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------


def certificate_context(data: CertificateData) -> dict[str, Any]:
    """Template context: the data plus the strings derived from it.

    Values are plain ``str``: Django's auto-escaping turns any markup in a
    name into literal text.
    """
    return {
        "cert": data,
        "kind_label": CERTIFICATE_KINDS[data.kind],
        "issued_on_text": format_issue_date_vi(data.issued_on),
        "hours_text": None if data.hours is None else format_decimal_vi(data.hours),
        "score_text": None if data.score is None else format_decimal_vi(data.score),
        "name_length": len(data.holder_name),
        "title_length": len(data.title),
        "qr_src": qr_data_uri(data.verify_url),
    }


def render_certificate_html(
    data: CertificateData, *, template_name: str = DEFAULT_TEMPLATE
) -> str:
    """The certificate as HTML (useful for an admin preview, too)."""
    return render_to_string(template_name, certificate_context(data))


# --------------------------------------------------------------------------
# PDF
# --------------------------------------------------------------------------


def _font_face_css() -> str:
    faces = [
        ("DA Sans", "normal", "DejaVuSans.ttf"),
        ("DA Sans", "bold", "DejaVuSans-Bold.ttf"),
        ("DA Serif", "bold", "DejaVuSerif-Bold.ttf"),
    ]
    return "\n".join(
        f'@font-face {{ font-family: "{family}"; font-weight: {weight}; '
        f'src: url("{(FONTS_DIR / filename).as_uri()}"); }}'
        for family, weight, filename in faces
    )


def _is_shipped_font(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in {"", "localhost"}:
        return False
    # Resolve the path the way the file opener will (percent-decoding, "..",
    # symlinks) before comparing, so "fonts/%2e%2e/..." cannot escape.
    path = Path(url2pathname(parts.path)).resolve()
    return path.is_relative_to(FONTS_DIR) and path.is_file()


def _make_fetcher() -> URLFetcher:
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class LocalOnlyFetcher(URLFetcher):
        """Only ``data:`` URIs and the shipped fonts may be loaded.

        A template edit must not make the renderer read other local files or
        call out to the network (SSRF, slow renders); failing loudly is better
        than a certificate silently missing a picture.
        """

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:") or _is_shipped_font(url):
                return super().fetch(url, headers)
            raise FatalURLFetchingError(f"certificate renderer refuses {url!r}")

    return LocalOnlyFetcher(allowed_protocols=("data", "file"))


@dataclass(frozen=True)
class _Engine:
    pid: int
    font_config: FontConfiguration
    font_css: CSS
    fetcher: URLFetcher


_engine_lock = threading.Lock()
_engine_cache: _Engine | None = None
# One render at a time per process: Pango/fontconfig objects behind the
# shared FontConfiguration are not documented as thread-safe, and a render is
# CPU-bound anyway, so threads would not run faster in parallel.
_render_lock = threading.Lock()


def _engine() -> _Engine:
    """The per-process font configuration and @font-face stylesheet.

    Built on first use, not at import: importing WeasyPrint and loading the
    fonts make the first render take ~0.6 s instead of ~50 ms, which a web
    process that never renders should not pay; and a Celery prefork parent
    must not hand Pango state to its children -- hence the PID check, which
    rebuilds after a fork.
    """
    global _engine_cache
    cached = _engine_cache
    if cached is not None and cached.pid == os.getpid():
        return cached
    with _engine_lock:
        if _engine_cache is None or _engine_cache.pid != os.getpid():
            from weasyprint import CSS
            from weasyprint.text.fonts import FontConfiguration

            font_config = FontConfiguration()
            fetcher = _make_fetcher()
            font_css = CSS(
                string=_font_face_css(), font_config=font_config, url_fetcher=fetcher
            )
            _engine_cache = _Engine(os.getpid(), font_config, font_css, fetcher)
        return _engine_cache


class CertificateResourceError(RuntimeError):
    """The template asked for a resource the renderer may not load."""


@atexit.register
def _drop_engine() -> None:
    # FontConfiguration.__del__ removes the temporary folder holding copies of
    # the @font-face files; at interpreter teardown it runs too late (its
    # module globals are gone) and leaves the folder behind.  Drop it first.
    global _engine_cache
    _engine_cache = None


def html_to_pdf(html: str) -> bytes:
    """Render trusted template output to PDF bytes with the shipped fonts.

    Raises :class:`CertificateResourceError` if the HTML refers to anything but
    ``data:`` URIs and the shipped fonts.
    """
    from weasyprint import HTML
    from weasyprint.urls import FatalURLFetchingError

    engine = _engine()
    try:
        with _render_lock:
            document = HTML(
                string=html,
                base_url=FONTS_DIR.as_uri() + "/",
                url_fetcher=engine.fetcher,
            )
            pdf = document.write_pdf(
                stylesheets=[engine.font_css], font_config=engine.font_config
            )
    except FatalURLFetchingError as exc:
        # WeasyPrint's fatal error derives from BaseException (so its own
        # handlers let it through); turn it into an ordinary exception so
        # that callers' and Celery's `except Exception` see it.
        raise CertificateResourceError(str(exc)) from None
    if not isinstance(pdf, bytes):  # pragma: no cover - no target means bytes
        raise TypeError("WeasyPrint returned no PDF bytes")
    return pdf


def render_certificate_pdf(
    data: CertificateData, *, template_name: str = DEFAULT_TEMPLATE
) -> bytes:
    """Render one certificate (A4 landscape, one page) to PDF bytes.

    The output is deterministic (same data and template, same bytes, so a
    re-render matches the stored :func:`pdf_fingerprint`) as long as
    :func:`fast_font_subsetting_available` is true: WeasyPrint's fallback
    subsetter (fontTools) stamps the current time into each embedded font.
    """
    return html_to_pdf(render_certificate_html(data, template_name=template_name))


def pdf_fingerprint(pdf: bytes) -> str:
    """SHA-256 of the PDF bytes, lowercase hex (64 characters)."""
    return hashlib.sha256(pdf).hexdigest()


def fast_font_subsetting_available() -> bool:
    """Whether WeasyPrint found libharfbuzz-subset (Debian: libharfbuzz-subset0).

    Without it WeasyPrint falls back to fontTools: about 7x slower per PDF
    (~340 ms instead of ~50 ms here), not byte-for-byte reproducible, and
    deprecated upstream.
    """
    from weasyprint.text.ffi import harfbuzz, harfbuzz_subset

    return bool(harfbuzz_subset) and bool(harfbuzz.hb_version_atleast(4, 1, 0))


def warm_up() -> None:
    """Load WeasyPrint and the fonts now (e.g. in a worker's ready signal)."""
    _engine()
