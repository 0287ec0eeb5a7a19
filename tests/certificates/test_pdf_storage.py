"""Rendering a certificate into storage: fingerprint, skip when unchanged, QR."""

from __future__ import annotations

import hashlib
import io

import pypdf

from certificates.models import CertificateEvent
from certificates.services import (
    certificate_pdf_matches,
    certificate_render,
    certificate_verify_url,
)
from tests.certificates.conftest import issue, pdf_text


def test_render_stores_the_pdf_and_its_sha256(learner, course_page):
    certificate = issue(learner, course_page)
    assert certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    content = certificate.pdf.read()
    assert hashlib.sha256(content).hexdigest() == certificate.pdf_sha256
    assert certificate.pdf.name.endswith(f"{certificate.code}.pdf")
    assert learner.full_name in pdf_text(content)


def test_render_is_skipped_when_nothing_printed_changed(learner, course_page):
    certificate = issue(learner, course_page)
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    assert certificate_render(certificate=certificate) is False
    assert certificate.events.filter(action="rendered").count() == 1


def test_changed_print_is_rendered_again_and_old_file_removed(learner, course_page):
    certificate = issue(learner, course_page)
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    old_name, storage = certificate.pdf.name, certificate.pdf.storage
    certificate.agency_name = "Tên đơn vị đã sửa"
    assert certificate_render(certificate=certificate) is True
    assert not storage.exists(old_name)
    assert "Tên đơn vị đã sửa" in pdf_text(certificate.pdf.read())


def test_earlier_rendering_still_matches(learner, course_page):
    certificate = issue(learner, course_page)
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    first = certificate.pdf.read()
    certificate.agency_name = "Tên đơn vị đã sửa"
    certificate_render(certificate=certificate)
    assert certificate_pdf_matches(certificate=certificate, content=first)
    assert CertificateEvent.objects.filter(action="rendered").count() == 2


def test_qr_in_stored_pdf_opens_the_verify_url(learner, course_page):
    import zxingcpp

    certificate = issue(learner, course_page)
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    image = pypdf.PdfReader(io.BytesIO(certificate.pdf.read())).pages[0].images[0]
    (result,) = zxingcpp.read_barcodes(image.image)
    assert result.text == certificate_verify_url(certificate)
    assert result.text.endswith(f"/verify/{certificate.code}/")
