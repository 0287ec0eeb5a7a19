"""The public verify pages: what anyone holding a code or serial can see."""

from __future__ import annotations

import re
import uuid

import jwt
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.services import certificate_render, certificate_revoke
from tests.certificates.conftest import issue
from tests.factories import UserFactory


def without_csrf(content: bytes) -> bytes:
    # The header's language form carries a per-request CSRF token and the
    # current path (to come back to): neither is about the certificate.
    content = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]*"', b"", content)
    return re.sub(rb'name="next" value="[^"]*"', b"", content)


@pytest.fixture
def certificate(learner, course_page):
    certificate = issue(learner, course_page)
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    return certificate


def verify_url(certificate) -> str:
    return reverse("certificates:verify", args=[certificate.code])


def test_verify_page_shows_the_certificate_without_login(client, certificate):
    response = client.get(verify_url(certificate))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        certificate.holder_name,
        certificate.agency_name,
        certificate.title,
        certificate.serial,
        certificate.pdf_sha256,
        "Còn hiệu lực",
        "02/03/2026",
    ):
        assert text in body


def test_verify_page_is_not_sent_to_the_consent_notice(client, certificate):
    client.force_login(UserFactory(consent_version=""))
    assert client.get(verify_url(certificate)).status_code == 200


def test_unknown_codes_get_the_same_404_page(client, db):
    first = client.get(f"/verify/{uuid.uuid4()}/")
    second = client.get(f"/verify/{uuid.uuid4().hex}/")
    assert first.status_code == second.status_code == 404
    assert without_csrf(first.content) == without_csrf(second.content)
    assert "Không tìm thấy giấy chứng nhận" in first.content.decode()


@pytest.mark.parametrize(
    "code",
    [
        "x" * 10_240,
        "1' OR '1'='1",
        "1;DROP TABLE certificates_certificate;--",
        "<script>alert(1)",
    ],
)
def test_malformed_codes_get_a_clear_404(client, db, code):
    response = client.get(f"/verify/{code}/")
    assert response.status_code == 404
    assert "Mã xác minh không hợp lệ" in response.content.decode()


def test_a_nul_byte_in_a_code_gets_a_clear_400(client, db):
    response = client.get("/verify/%00/")
    assert response.status_code == 400
    assert "Yêu cầu không hợp lệ" in response.content.decode()


def test_lookup_by_serial_redirects_to_the_certificate(client, certificate):
    response = client.get("/verify/", {"serial": certificate.serial.lower()})
    assert response.status_code == 302
    assert response["Location"] == verify_url(certificate)


def test_unknown_serial_gets_the_unknown_code_page(client, certificate):
    unknown = client.get("/verify/", {"serial": "BN-2026-999999"})
    garbage = client.get("/verify/", {"serial": "' OR 1=1 --" * 500})
    code = client.get(f"/verify/{uuid.uuid4()}/")
    assert unknown.status_code == garbage.status_code == 404
    pages = {without_csrf(r.content) for r in (unknown, garbage, code)}
    assert len(pages) == 1


def test_revoked_certificate_shows_revocation_date_and_reason(
    client, certificate, dost_admin
):
    revoked = certificate_revoke(
        certificate=certificate, reason="Hồ sơ gian lận", by=dost_admin
    )
    body = client.get(verify_url(certificate)).content.decode()
    assert "Đã thu hồi" in body
    assert revoked.status_changed_at.astimezone().strftime("%d/%m/%Y") in body
    assert "Hồ sơ gian lận" in body
    assert "Còn hiệu lực" not in body


def test_issued_pdf_is_reported_as_matching(client, certificate):
    upload = SimpleUploadedFile("gcn.pdf", certificate.pdf.read(), "application/pdf")
    response = client.post(verify_url(certificate), {"file": upload})
    assert "Tệp khớp với giấy chứng nhận đã cấp" in response.content.decode()


def test_edited_pdf_is_reported_as_not_matching(client, certificate):
    content = bytearray(certificate.pdf.read())
    content[len(content) // 2] ^= 0x01  # one bit flipped
    upload = SimpleUploadedFile("gcn.pdf", bytes(content), "application/pdf")
    response = client.post(verify_url(certificate), {"file": upload})
    assert "KHÔNG khớp" in response.content.decode()


def test_oversized_upload_is_refused_without_reading_it(client, certificate):
    upload = SimpleUploadedFile("big.pdf", b"%PDF" + b"0" * (3 * 1024 * 1024))
    response = client.post(verify_url(certificate), {"file": upload})
    assert response.status_code == 200
    assert "lớn hơn 2 MB" in response.content.decode()


def test_pdf_downloads_as_an_attachment(client, certificate):
    response = client.get(reverse("certificates:verify_pdf", args=[certificate.code]))
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == certificate.pdf.read()


def test_open_badge_verifies_with_the_published_key(client, certificate):
    token = client.get(
        reverse("certificates:verify_openbadge", args=[certificate.code])
    ).content.decode()
    jwk = jwt.PyJWK(client.get("/verify/issuer-key.json").json())
    claims = jwt.decode(token, jwk.key, algorithms=["EdDSA"])
    subject = claims["credentialSubject"]
    assert claims["id"].endswith(verify_url(certificate))
    assert subject["identifier"][0]["identityHash"] == certificate.holder_name
    assert claims["credentialStatus"]["id"].endswith("/verify/revocations.json")


def test_published_key_is_public_only(client, db):
    jwk = client.get("/verify/issuer-key.json").json()
    assert "d" not in jwk and jwk["crv"] == "Ed25519"
    assert jwk["kid"] == "https://hocvien.example.vn/verify/issuer-key.json"


def test_revoked_certificate_has_no_badge_and_is_on_the_list(
    client, certificate, dost_admin
):
    certificate_revoke(certificate=certificate, reason="Sai sót", by=dost_admin)
    badge = client.get(
        reverse("certificates:verify_openbadge", args=[certificate.code])
    )
    listing = client.get("/verify/revocations.json").json()
    assert badge.status_code == 404
    assert [item["id"] for item in listing["revokedCredentials"]] == [
        "https://hocvien.example.vn" + verify_url(certificate)
    ]


def test_many_requests_from_one_address_are_throttled(client, certificate, settings):
    settings.CERTIFICATE_VERIFY_RATE_LIMIT = 5
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"
    statuses = [
        client.get(verify_url(certificate), REMOTE_ADDR=address).status_code
        for _ in range(8)
    ]
    throttled = client.get(verify_url(certificate), REMOTE_ADDR=address)
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3
    assert "Quá nhiều yêu cầu" in throttled.content.decode()
    assert throttled["Retry-After"] == "60"


def test_path_traversal_in_a_code_is_a_plain_404(client, db):
    assert client.get("/verify/../../etc/passwd/").status_code == 404


def test_verify_page_costs_few_queries(
    client, certificate, django_assert_max_num_queries
):
    with django_assert_max_num_queries(3):
        client.get(verify_url(certificate))
