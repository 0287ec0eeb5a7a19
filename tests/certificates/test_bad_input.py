"""Hostile names end up escaped and normalised, everywhere a name is shown."""

from __future__ import annotations

import unicodedata

import pytest
from django.urls import reverse

from certificates.services import (
    CertificateError,
    certificate_reissue,
    certificate_render,
)
from tests.certificates.conftest import issue, pdf_text

HOSTILE = {
    "script": ("<script>alert(1)</script> Hòa", "<script>alert(1)</script> Hòa"),
    "rtl": ("Nguyễn \u202eVăn\u202c An", "Nguyễn Văn An"),
    "zero-width": ("Lê\u200b Thị\u200d\ufeff Hằng", "Lê Thị Hằng"),
    "nfd": (unicodedata.normalize("NFD", "Đặng Thùy Dương"), "Đặng Thùy Dương"),
}


@pytest.fixture(params=list(HOSTILE))
def hostile(request, agency, course_page):
    typed, expected = HOSTILE[request.param]
    certificate = issue(None, course_page, holder_name=typed, agency=agency)
    certificate_render(certificate=certificate)
    certificate.refresh_from_db()
    return certificate, expected


def test_stored_name_is_the_clean_nfc_name(hostile):
    certificate, expected = hostile
    assert certificate.holder_name == expected
    assert unicodedata.is_normalized("NFC", certificate.holder_name)


def test_pdf_prints_the_clean_name_as_text(hostile):
    certificate, expected = hostile
    assert expected in pdf_text(certificate.pdf.read())


def test_verify_page_escapes_the_name(client, hostile):
    certificate, _expected = hostile
    body = client.get(reverse("certificates:verify", args=[certificate.code])).content
    assert b"<script>alert" not in body
    assert "\u202e".encode() not in body and "\u200b".encode() not in body


def test_register_escapes_the_name(client, hostile, dost_admin):
    client.force_login(dost_admin)
    body = client.get(reverse("certificates:province")).content
    assert b"<script>alert" not in body


def test_reissue_with_a_300_character_name_changes_nothing(
    learner, course_page, dost_admin
):
    certificate = issue(learner, course_page)
    with pytest.raises(CertificateError):
        certificate_reissue(certificate=certificate, full_name="B" * 300, by=dost_admin)
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_reissue_form_with_a_300_character_name_is_a_clear_error(
    client, learner, course_page, dost_admin
):
    certificate = issue(learner, course_page)
    client.force_login(dost_admin)
    response = client.post(
        reverse("certificates:manage", args=[certificate.code]),
        {"reissue": "1", "full_name": "B" * 300},
    )
    assert response.status_code == 200
    assert "vượt quá" in response.content.decode()


def test_garbage_filters_on_the_register_are_ignored(client, dost_admin, db):
    client.force_login(dost_admin)
    response = client.get(
        reverse("certificates:province"),
        {"agency": "1' OR 1=1", "issued_from": "x" * 5000, "page": "-1", "status": "z"},
    )
    assert response.status_code == 200


def test_garbage_batch_status_id_is_404(client, dost_admin):
    client.force_login(dost_admin)
    assert (
        client.get("/giay-chung-nhan/cap-theo-danh-sach/99999999/").status_code == 404
    )
