"""Issuing: serials, idempotency, snapshots, signers, concurrency."""

from __future__ import annotations

import threading
import unicodedata
from datetime import date

import pytest
from django.db import IntegrityError, connection, transaction

from certificates.models import Certificate, CertificateEvent, CertificateSigner
from certificates.services import CertificateError, certificate_issue
from lms.accounts.services import officer_move
from tests.certificates.conftest import issue
from tests.factories import AgencyFactory, UserFactory, officer


def test_serial_is_prefix_year_and_six_digits(learner, course_page):
    certificate = issue(learner, course_page)
    assert certificate.serial == f"BN-2026-{certificate.number:06d}"


def test_serials_are_consecutive_within_a_year(course_page, agency):
    users = [officer(agency=agency) for _ in range(3)]
    numbers = [issue(user, course_page).number for user in users]
    assert numbers == list(range(numbers[0], numbers[0] + 3))


def test_each_year_has_its_own_sequence(course_page, agency):
    first = issue(officer(agency=agency), course_page, issued_on=date(2031, 1, 5))
    second = issue(officer(agency=agency), course_page, issued_on=date(2032, 1, 5))
    assert (first.serial, second.serial) == ("BN-2031-000001", "BN-2032-000001")


def test_issuing_twice_returns_the_same_certificate(learner, course_page):
    first = issue(learner, course_page)
    again = issue(learner, course_page, score=9)
    assert again.pk == first.pk
    assert Certificate.objects.filter(user=learner).count() == 1


def test_a_revoked_certificate_is_not_issued_again(learner, course_page, dost_admin):
    from certificates.services import certificate_revoke

    first = issue(learner, course_page)
    certificate_revoke(certificate=first, reason="Gian lận", by=dost_admin)
    assert issue(learner, course_page).pk == first.pk


def test_database_refuses_a_second_live_certificate(learner, course_page):
    first = issue(learner, course_page)
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            serial="BN-2026-999999",
            year=2026,
            number=999999,
            user=learner,
            holder_name="X",
            course=course_page,
            title=first.title,
            issued_on=first.issued_on,
        )


def test_database_refuses_course_and_program_together(learner, course_page):
    with pytest.raises(IntegrityError), transaction.atomic():
        Certificate.objects.create(
            serial="BN-2026-999998",
            year=2026,
            number=999998,
            holder_name="X",
            course=course_page,
            program=course_page.get_parent().specific,
            title="X",
            issued_on=date(2026, 1, 1),
        )


def test_snapshot_keeps_name_agency_title_and_hours(learner, course_page, agency):
    certificate = issue(learner, course_page, score="8.5")
    officer_move(user=learner, agency=AgencyFactory(name="Đơn vị mới"))
    course_page.title = "Tên mới"
    course_page.save()
    certificate.refresh_from_db()
    assert certificate.holder_name == learner.full_name
    assert (certificate.agency_id, certificate.agency_name) == (agency.pk, agency.name)
    assert certificate.title == "Khung pháp lý về dữ liệu"
    assert (str(certificate.hours), str(certificate.score)) == ("8.0", "8.50")


def test_agency_at_completion_wins_over_current_agency(learner, course_page):
    earlier = AgencyFactory(name="UBND xã cũ")
    certificate = issue(learner, course_page, agency=earlier)
    assert certificate.agency_name == "UBND xã cũ"


def test_program_certificate_uses_program_hours(learner, program_page):
    certificate = certificate_issue(user=learner, program=program_page, render=False)
    assert (certificate.kind, certificate.hours) == ("program", 24)


def test_name_is_stored_in_nfc_without_invisible_characters(agency, course_page):
    user = UserFactory(full_name="x")
    typed = unicodedata.normalize("NFD", "Nguyễn\u200b Thị\u202e Hương")
    certificate = issue(user, course_page, holder_name=typed, agency=agency)
    assert certificate.holder_name == "Nguyễn Thị Hương"


def test_a_300_character_name_is_refused_and_nothing_is_issued(learner, course_page):
    with pytest.raises(CertificateError, match="vượt quá"):
        issue(learner, course_page, holder_name="A" * 300)
    assert not Certificate.objects.exists()


def test_person_without_account_needs_a_name(course_page):
    with pytest.raises(CertificateError):
        certificate_issue(course=course_page, render=False)


def test_person_without_account_is_issued_once(course_page, agency):
    first = issue(None, course_page, holder_name="Lê Văn Tám", agency=agency)
    again = issue(None, course_page, holder_name="Lê  Văn Tám", agency=agency)
    assert first.pk == again.pk and first.user is None


def test_issue_is_logged_with_who_issued_it(learner, course_page, dost_admin):
    certificate = issue(learner, course_page, by=dost_admin, source="manual")
    event = CertificateEvent.objects.get(certificate=certificate)
    assert (event.action, event.by) == ("issued", dost_admin)


def test_program_signer_beats_default_signer(learner, course_page, program_page):
    CertificateSigner.objects.create(name="Người Mặc Định", title="Giám đốc")
    CertificateSigner.objects.create(
        program=program_page, name="Trần Thị Ký", title="Phó Giám đốc"
    )
    certificate = issue(learner, course_page)
    assert (certificate.signer_name, certificate.signer_title) == (
        "Trần Thị Ký",
        "Phó Giám đốc",
    )


def test_settings_provide_the_signer_when_none_is_configured(
    learner, course_page, settings
):
    settings.CERTIFICATE_SIGNER_NAME = "Phạm Văn Cấu Hình"
    settings.CERTIFICATE_SIGNER_TITLE = "Giám đốc"
    assert issue(learner, course_page).signer_name == "Phạm Văn Cấu Hình"


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuing_gives_unique_gap_free_serials(course_page, agency):
    users = [officer(agency=agency) for _ in range(8)]
    errors: list[BaseException] = []

    def work(user):
        try:
            issue(user, course_page)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(user,)) for user in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = sorted(Certificate.objects.values_list("number", flat=True))
    assert numbers == list(range(numbers[0], numbers[0] + 8))


@pytest.mark.django_db(transaction=True)
def test_duplicate_concurrent_events_make_one_certificate(learner, course_page):
    def work():
        try:
            issue(learner, course_page)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Certificate.objects.filter(user=learner).count() == 1


def test_issue_task_run_twice_makes_one_certificate(learner, course_page, agency):
    from certificates.tasks import certificate_issue_task

    kwargs = {
        "user_id": learner.pk,
        "course_id": course_page.pk,
        "program_id": None,
        "score": "7.25",
        "issued_on": "2026-04-01",
        "agency_id": agency.pk,
    }
    first, second = certificate_issue_task(**kwargs), certificate_issue_task(**kwargs)
    certificate = Certificate.objects.get()
    assert first == second == certificate.pk
    assert (str(certificate.score), certificate.issued_on) == ("7.25", date(2026, 4, 1))


def test_completion_signal_enqueues_after_commit_only(
    learner, course_page, django_capture_on_commit_callbacks
):
    from courses.signals import course_completed
    from tests.certificates.conftest import Completion

    with django_capture_on_commit_callbacks() as callbacks:
        course_completed.send(
            sender=None, user=learner, course=course_page, completion=Completion()
        )
    # Nothing is issued inside the completing transaction; one task is queued.
    assert not Certificate.objects.exists()
    ours = [
        c
        for c in callbacks
        if c.__code__.co_filename.endswith("certificates/services.py")
    ]
    assert len(ours) == 1
