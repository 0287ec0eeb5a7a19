"""Journey 5, the public verifier: scans the certificate's QR code, reads the
holder, agency, course, date, serial, status and the PDF's fingerprint, checks the
PDF they were given (an edited one is caught), looks a serial up, and sees the
revocation with its date the moment DOST revokes."""

from __future__ import annotations

import datetime
import hashlib
import io

import pytest

from tests.journeys.browsing import XSS, XSS_SVG, path_of

pytestmark = pytest.mark.browser

HOLDER = f"Lê Văn Nam {XSS}"
AGENCY = "UBND Xã Yên Phong " + '<img src=x onerror="window.__xss=1">'


@pytest.fixture
def issued(transactional_db, site_url, settings):
    """A rendered certificate (its PDF in hand) of a holder whose name and agency
    carry script payloads."""
    from certificates.services import certificate_issue, certificate_render
    from courses.models import CoursePage, ProgramPage
    from lms.demo import seed_programs
    from lms.services import home_page_ensure
    from tests.factories import AgencyFactory, officer

    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 0
    seed_programs(home_page_ensure())
    program = ProgramPage.objects.get(code="P1")
    course = program.add_child(
        instance=CoursePage(title="Khung pháp lý về dữ liệu", slug="khung-phap-ly")
    )
    agency = AgencyFactory(code="XA-YP", name=AGENCY, kind="commune")
    holder = officer(agency=agency, username="levannam", full_name=HOLDER)
    certificate = certificate_issue(
        user=holder,
        course=course,
        issued_on=datetime.date(2026, 3, 2),
        render=False,
    )
    certificate_render(certificate=certificate)
    return certificate, certificate.pdf.read()


def qr_url(pdf: bytes) -> str:
    """What a phone reads from the QR code printed on the PDF."""
    import pypdf
    import zxingcpp

    image = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images[0]
    (code,) = zxingcpp.read_barcodes(image.image)
    return code.text


def edited(pdf: bytes) -> bytes:
    import pypdf

    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": "Giấy chứng nhận (đã sửa)"})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_verifier_scans_the_qr_code_checks_the_pdf_and_sees_a_revocation(
    journey, issued, live_server, tmp_path
):
    from django.utils import timezone
    from playwright.sync_api import expect

    from certificates.services import certificate_revoke
    from tests.factories import officer

    certificate, pdf = issued
    scanned = qr_url(pdf)
    assert scanned.startswith(f"{live_server.url}/verify/")
    verifier = journey("verifier", viewport={"width": 390, "height": 844})
    page = verifier.page

    # 1. The QR code opens the public page: every fact, escaped, and the fingerprint.
    page.goto(scanned)
    result = page.locator(".verify-result")
    expect(result).to_contain_text("Xác minh giấy chứng nhận")
    expect(result).to_contain_text("Còn hiệu lực")
    expect(page.locator("dd.holder")).to_have_text(HOLDER)
    expect(result).to_contain_text(AGENCY)
    expect(result).to_contain_text("Khung pháp lý về dữ liệu")
    expect(result).to_contain_text("02/03/2026")
    expect(page.locator("dd.serial")).to_have_text(certificate.serial)
    expect(page.locator("code.sha")).to_have_text(hashlib.sha256(pdf).hexdigest())
    verifier.shot("quet-ma-qr")

    # 2. The PDF offered there is the issued one.
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải tệp PDF").click()
    assert download.value.path().read_bytes() == pdf

    # 3. The PDF a holder sent matches; an edited copy is caught.
    original, forged = tmp_path / "gcn.pdf", tmp_path / "gcn-sua.pdf"
    original.write_bytes(pdf)
    forged.write_bytes(edited(pdf))
    page.set_input_files("input[type=file]", str(original))
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator(".check-match")).to_contain_text(
        "Tệp khớp với giấy chứng nhận đã cấp"
    )
    verifier.shot("tep-khop")
    page.set_input_files("input[type=file]", str(forged))
    page.get_by_role("button", name="Kiểm tra", exact=True).click()
    expect(page.locator(".check-mismatch")).to_contain_text("KHÔNG khớp")
    verifier.shot("tep-bi-sua")

    # 4. Looking a serial up: a hostile query finds nothing, the real serial does.
    verifier.goto("/verify/")
    expect(page.locator("h1")).to_have_text("Xác minh giấy chứng nhận")
    page.get_by_label("Số hiệu giấy chứng nhận").fill(XSS_SVG)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("h1")).to_have_text("Không tìm thấy giấy chứng nhận")
    verifier.shot("tra-cuu-khong-thay")
    verifier.goto("/verify/")
    page.get_by_label("Số hiệu giấy chứng nhận").fill(certificate.serial)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("dd.serial")).to_have_text(certificate.serial)
    assert path_of(page.url) == path_of(scanned)

    # 5. DOST revokes: the same QR code now says so, with the date and reason.
    certificate_revoke(
        certificate=certificate,
        reason=f"Cấp nhầm người {XSS}",
        by=officer(roles=["DOST admin"], username="sokhcn_verify"),
    )
    page.goto(scanned)
    expect(result).to_contain_text("Đã thu hồi")
    today = timezone.localdate().strftime("%d/%m/%Y")
    expect(result).to_contain_text(f"đã bị thu hồi ngày {today}")
    expect(result).to_contain_text(f"Lý do: Cấp nhầm người {XSS}")
    expect(page.get_by_role("link", name="Tải tệp PDF")).to_have_count(0)
    verifier.shot("da-thu-hoi")
    verifier.goto(f"/verify/{certificate.code}/pdf")
    expect(page.locator("h1")).to_have_text("Không tải được tệp")
    verifier.shot("khong-con-tep")
    verifier.close()
