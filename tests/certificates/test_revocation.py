"""Revocation and re-issue: audited, history kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from certificates.models import Certificate, CertificateEvent
from certificates.services import (
    CertificateError,
    certificate_reissue,
    certificate_revoke,
)
from tests.certificates.conftest import issue


def test_revocation_records_who_when_and_why(learner, course_page, dost_admin):
    certificate = issue(learner, course_page)
    certificate_revoke(certificate=certificate, reason="Gian lận", by=dost_admin)
    certificate.refresh_from_db()
    event = certificate.events.get(action=CertificateEvent.Action.REVOKED)
    assert certificate.status == "revoked" and certificate.status_changed_at
    assert (event.by, event.detail["reason"]) == (dost_admin, "Gian lận")


def test_revocation_needs_a_reason(learner, course_page, dost_admin):
    certificate = issue(learner, course_page)
    with pytest.raises(CertificateError, match="lý do"):
        certificate_revoke(certificate=certificate, reason=" \u200b ", by=dost_admin)


def test_a_revoked_certificate_cannot_be_revoked_again(
    learner, course_page, dost_admin
):
    certificate = issue(learner, course_page)
    certificate_revoke(certificate=certificate, reason="Lần 1", by=dost_admin)
    with pytest.raises(CertificateError):
        certificate_revoke(certificate=certificate, reason="Lần 2", by=dost_admin)


def test_reissue_supersedes_with_a_new_serial(learner, course_page, dost_admin):
    old = issue(learner, course_page)
    new = certificate_reissue(
        certificate=old, full_name="Nguyễn Thị Hường", by=dost_admin, render=False
    )
    old.refresh_from_db()
    assert new.serial != old.serial and new.holder_name == "Nguyễn Thị Hường"
    assert (old.status, old.superseded_by) == ("superseded", new)
    assert (new.agency_name, new.title) == (old.agency_name, old.title)
    assert Certificate.objects.filter(user=learner).count() == 2


def test_reissue_keeps_the_history(learner, course_page, dost_admin):
    old = issue(learner, course_page)
    new = certificate_reissue(
        certificate=old, full_name="Tên Mới", by=dost_admin, render=False
    )
    assert list(old.events.values_list("action", flat=True)) == [
        "issued",
        "superseded",
    ]
    assert new.events.get().detail["replaces"] == old.serial


def test_a_revoked_certificate_is_not_reissued(learner, course_page, dost_admin):
    old = issue(learner, course_page)
    certificate_revoke(certificate=old, reason="Sai", by=dost_admin)
    with pytest.raises(CertificateError):
        certificate_reissue(certificate=old, full_name="Tên Mới", by=dost_admin)


def test_superseded_verify_page_links_to_the_new_certificate(
    client, learner, course_page, dost_admin
):
    old = issue(learner, course_page)
    new = certificate_reissue(
        certificate=old, full_name="Tên Mới", by=dost_admin, render=False
    )
    body = client.get(reverse("certificates:verify", args=[old.code])).content.decode()
    assert "Đã được thay thế" in body
    assert reverse("certificates:verify", args=[new.code]) in body


def test_dost_revokes_from_the_manage_page(client, learner, course_page, dost_admin):
    certificate = issue(learner, course_page)
    client.force_login(dost_admin)
    url = reverse("certificates:manage", args=[certificate.code])
    response = client.post(url, {"revoke": "1", "reason": "Trùng hồ sơ"})
    certificate.refresh_from_db()
    assert response.status_code == 302
    assert (certificate.status, certificate.status_reason) == ("revoked", "Trùng hồ sơ")


def test_dost_reissues_from_the_manage_page(client, learner, course_page, dost_admin):
    certificate = issue(learner, course_page)
    client.force_login(dost_admin)
    url = reverse("certificates:manage", args=[certificate.code])
    client.post(url, {"reissue": "1", "full_name": "Nguyễn  Thị Hường"})
    certificate.refresh_from_db()
    assert certificate.superseded_by.holder_name == "Nguyễn Thị Hường"


def test_agency_manager_cannot_open_the_manage_page(
    client, learner, course_page, manager
):
    certificate = issue(learner, course_page)
    client.force_login(manager)
    url = reverse("certificates:manage", args=[certificate.code])
    assert client.post(url, {"revoke": "1", "reason": "x"}).status_code == 403
    certificate.refresh_from_db()
    assert certificate.status == "valid"


def test_a_cached_verify_page_shows_a_revocation_at_once(
    client,
    learner,
    course_page,
    dost_admin,
    settings,
    django_capture_on_commit_callbacks,
):
    from certificates.services import certificate_render
    from lms.pagecache import pages_changed

    settings.PAGE_CACHE_SECONDS = 60
    pages_changed()  # nothing cached by an earlier test answers
    certificate = issue(learner, course_page)
    certificate_render(certificate=certificate)
    url = reverse("certificates:verify", args=[certificate.code])
    client.get(url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    with django_capture_on_commit_callbacks(execute=True):
        certificate_revoke(certificate=certificate, reason="Cấp nhầm", by=dost_admin)
    response = client.get(url)

    assert response["X-Page-Cache"] == "miss"
    assert "Đã thu hồi" in response.content.decode()
    pages_changed()
