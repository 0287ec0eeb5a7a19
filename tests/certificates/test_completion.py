"""Done when: completing a course issues a certificate that verifies end to end.

A real Celery worker issues and renders; the PDF text, the QR code, the
uploaded-file check, revocation, the export and the OB 3.0 signature are all
checked with libraries independent of ours (pypdf, zxing-cpp, PyJWT).
"""

from __future__ import annotations

import io
import unicodedata
from urllib.parse import urlsplit

import jwt
import pypdf
import pytest
import zxingcpp
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction

from certificates.models import Certificate
from certificates.rendering import normalise_name
from certificates.services import certificate_revoke
from courses.signals import course_completed
from tests.certificates.conftest import Completion, pdf_text
from tests.conftest import wait_for
from tests.factories import AgencyFactory, officer

TYPED_NAME = unicodedata.normalize("NFD", "Nguyễn Thị\u200b Hương")


@pytest.fixture
def worker_site_url(monkeypatch, settings):
    # The worker renders the QR code with its own SITE_URL: make it ours.
    monkeypatch.setenv("SITE_URL", settings.SITE_URL)


def edited(pdf: bytes) -> bytes:
    """The same certificate re-saved with one metadata change, as an editor would."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf)))
    writer.add_metadata({"/Title": "Giấy chứng nhận"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.mark.worker
def test_completing_a_course_issues_a_verifiable_certificate(
    client, course_page, dost_admin, worker_site_url, celery_worker_process
):
    agency = AgencyFactory(code="UBND-HT", name="UBND phường Hòa Bình")
    learner = officer(agency=agency, full_name=TYPED_NAME)
    with transaction.atomic():
        for _ in range(2):  # a duplicate event must not make a second certificate
            course_completed.send(
                sender=None,
                user=learner,
                course=course_page,
                completion=Completion(agency=agency, score=None),
            )
    certificate = wait_for(
        lambda: Certificate.objects.filter(user=learner).exclude(pdf_sha256="").first(),
        timeout=60,
    )
    pdf = certificate.pdf.read()

    # The PDF shows the NFC name; the QR code opens the verify page.
    assert normalise_name(TYPED_NAME) == "Nguyễn Thị Hương"
    assert "Nguyễn Thị Hương" in pdf_text(pdf)
    image = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].images[0]
    (qr,) = zxingcpp.read_barcodes(image.image)
    page = client.get(urlsplit(qr.text).path)
    assert page.status_code == 200 and "Nguyễn Thị Hương" in page.content.decode()

    # The issued PDF matches; an edited one does not.
    def check(content: bytes) -> str:
        upload = SimpleUploadedFile("gcn.pdf", content, "application/pdf")
        return client.post(urlsplit(qr.text).path, {"file": upload}).content.decode()

    assert "Tệp khớp với giấy chứng nhận đã cấp" in check(pdf)
    assert "KHÔNG khớp" in check(edited(pdf))

    # The OB 3.0 credential verifies with PyJWT and the published key.
    token = client.get(f"/verify/{certificate.code}/openbadge.jwt").content.decode()
    jwk = jwt.PyJWK(client.get("/verify/issuer-key.json").json())
    claims = jwt.decode(token, jwk.key, algorithms=["EdDSA"])
    assert claims["credentialSubject"]["achievement"]["name"] == course_page.title

    # Revocation shows on the verify page and in the export.
    certificate_revoke(certificate=certificate, reason="Kiểm thử", by=dost_admin)
    assert "Đã thu hồi" in client.get(urlsplit(qr.text).path).content.decode()
    out = io.StringIO()
    call_command("export_certificates", "--format", "csv", stdout=out)
    assert (
        f"{certificate.serial},Nguyễn Thị Hương,UBND phường Hòa Bình" in out.getvalue()
    )
    assert "Đã thu hồi" in out.getvalue()
    assert Certificate.objects.filter(user=learner).count() == 1
