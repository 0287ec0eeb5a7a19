"""Law 91/2025: an officer downloads their data, asks for a correction, sees who
read it; the retention job removes what is past its period."""

from __future__ import annotations

import json
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from courses.models import (
    CourseCompletion,
    CoursePage,
    Enrolment,
    LessonPage,
    LessonProgress,
    ProgramIndexPage,
    ProgramPage,
    QuizAttempt,
)
from labs.models import Lab, LabBundleVersion, Submission
from lms.accounts import privacy
from lms.accounts.models import (
    AccessLogSubject,
    AgencyMembership,
    ConsentRecord,
    CorrectionRequest,
)
from lms.accounts.retention import expired_data_purge, purge_schedule_ensure
from lms.tracking.models import AccessLog
from tests.factories import officer

pytestmark = pytest.mark.django_db

MY_DATA = reverse("accounts:my_data")
DOWNLOAD = reverse("accounts:my_data_download")
CORRECTION = reverse("accounts:correction_request")


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MFA_REQUIRED_ROLES = []  # the admin steps here are not about MFA
    return tmp_path / "media"


@pytest.fixture
def course(home_page) -> CoursePage:
    index = ProgramIndexPage.objects.first() or home_page.add_child(
        instance=ProgramIndexPage(title="Chương trình đào tạo", slug="ct-privacy")
    )
    program = index.add_child(
        instance=ProgramPage(
            title="An toàn thông tin", slug="p-privacy", code="PV7", audience="B"
        )
    )
    return program.add_child(
        instance=CoursePage(title="Luật 91/2025", slug="luat-91", hours=Decimal("4"))
    )


@pytest.fixture
def lab(db) -> Lab:
    lab = Lab.objects.create(slug="privacy-lab", title="Ẩn danh hóa dữ liệu")
    lab.current_version = LabBundleVersion.objects.create(
        lab=lab,
        version=1,
        archive="labs/bundles/privacy-lab.zip",
        sha256="0" * 64,
        status=LabBundleVersion.Status.VALID,
    )
    lab.save(update_fields=["current_version"])
    return lab


def _submission(user, lab, *, days_ago: int = 0) -> Submission:
    submission = Submission(
        user=user,
        lab=lab,
        bundle_version=lab.versions.get(),
        sha256="a" * 64,
        status=Submission.Status.GRADED,
        score=2.0,
        max_score=2.0,
        result={
            "checks": [{"name": "total", "title": "Tổng", "passed": True, "points": 2}]
        },
    )
    submission.notebook.save("n.ipynb", ContentFile(b'{"cells": []}'), save=False)
    submission.executed_html.save("n.html", ContentFile(b"<p>ok</p>"), save=False)
    submission.save()
    Submission.objects.filter(pk=submission.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago)
    )
    submission.refresh_from_db()
    return submission


def _learning_history(user, course, lab) -> None:
    lesson = LessonPage.objects.child_of(course).first() or course.add_child(
        instance=LessonPage(title="Bài 1: Khái niệm", slug="b1")
    )
    ConsentRecord.objects.create(user=user, version="2026-01")
    AgencyMembership.objects.create(
        user=user, agency=user.profile.agency, started_at=timezone.now()
    )
    Enrolment.objects.create(user=user, course=course, progress=50)
    LessonProgress.objects.create(user=user, lesson=lesson, course=course)
    QuizAttempt.objects.create(user=user, course=course, number=1, score=80)
    _submission(user, lab)
    CourseCompletion.objects.create(user=user, course=course, score=80)
    from certificates.services import certificate_issue

    certificate_issue(user=user, course=course, render=False, issued_on=date.today())


# --- Download ----------------------------------------------------------------------
def test_the_download_holds_the_officers_own_data_and_nothing_of_another(
    client, learner, agency, course, lab
):
    other = officer(
        agency=agency, username="nguoi_khac", full_name="Trần Thị Khác", email="k@x.vn"
    )
    _learning_history(learner, course, lab)
    _learning_history(other, course, lab)
    client.force_login(learner)

    response = client.post(DOWNLOAD)

    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    data = json.loads(response.content)
    assert data["account"]["username"] == learner.username
    assert data["account"]["email"] == learner.email
    assert data["officer_profile"]["agency"]["code"] == agency.code
    assert [e["course"] for e in data["enrolments"]] == ["Luật 91/2025"]
    assert len(data["lesson_progress"]) == len(data["quiz_attempts"]) == 1
    assert data["lab_submissions"][0]["score"] == 2.0
    assert "notebook" not in data["lab_submissions"][0]
    assert data["certificates"][0]["holder_name"] == learner.full_name
    assert [c["version"] for c in data["consents"]] == ["2026-01"]
    text = response.content.decode()
    for secret in ("nguoi_khac", "Trần Thị Khác", "k@x.vn"):
        assert secret not in text


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    for response in (client.get(MY_DATA), client.post(DOWNLOAD)):
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_the_download_is_access_logged_as_the_officers_own(client, learner):
    client.force_login(learner)
    client.post(DOWNLOAD)
    log = AccessLog.objects.get()
    assert (log.user, log.action) == (learner, "my_data_download")
    assert list(log.subjects.values_list("user", flat=True)) == [learner.pk]


def test_the_data_page_links_the_download_and_the_correction_form(client, learner):
    client.force_login(learner)
    page = client.get(MY_DATA).content.decode()
    assert DOWNLOAD in page and CORRECTION in page
    assert MY_DATA in client.get(reverse("accounts:profile")).content.decode()


# --- Who saw my data ---------------------------------------------------------------
def test_a_managers_drill_down_shows_on_the_officers_page_only(
    client, learner, manager, agency
):
    other = officer(agency=agency, username="canbo_khac")
    client.force_login(manager)
    url = reverse("tracking:officer_detail", args=[agency.pk, learner.pk])
    assert client.get(url).status_code == 200

    assert [log.user for log in privacy.access_logs_about(user=learner)] == [manager]
    assert not privacy.access_logs_about(user=other).exists()
    client.force_login(learner)
    page = client.get(MY_DATA).content.decode()
    assert manager.get_full_name() in page
    assert "Xem tiến độ học tập của cán bộ" in page


def test_an_agency_export_reaches_its_officers_and_no_one_else(
    client, learner, manager, agency
):
    outsider = officer(username="don_vi_khac")
    client.force_login(manager)
    assert (
        client.get(f"/tong-quan/xuat/can-bo.csv?agency={agency.pk}").status_code == 200
    )
    log = AccessLog.objects.get(action="export_csv")
    assert AccessLogSubject.objects.get(log=log).agency == agency
    assert privacy.access_logs_about(user=learner).filter(pk=log.pk).exists()
    assert not privacy.access_logs_about(user=outsider).exists()


def test_a_province_register_export_reaches_every_officer(client, learner, dost_admin):
    client.force_login(dost_admin)
    response = client.get(reverse("certificates:province"), {"export": "csv"})
    assert response.status_code == 200
    log = privacy.access_logs_about(user=learner).get()
    assert log.action == "certificate_register_export_csv"


def test_staff_reading_a_submission_is_logged_for_its_learner(
    client, learner, dost_admin, lab
):
    submission = _submission(learner, lab)
    client.force_login(dost_admin)
    url = reverse("labs:submission_detail", args=[submission.pk])
    assert client.get(url).status_code == 200
    assert [log.action for log in privacy.access_logs_about(user=learner)] == [
        "submission_view"
    ]


def test_opening_an_account_in_the_wagtail_admin_is_logged(client, learner):
    from tests.factories import UserFactory

    admin = UserFactory(username="quantri", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("wagtailusers_users:edit", args=[learner.pk])
    assert client.get(url).status_code == 200
    log = privacy.access_logs_about(user=learner).get()
    assert (log.user, log.action) == (admin, "admin_user_view")


def test_learners_reading_their_own_submission_are_not_logged(client, learner, lab):
    submission = _submission(learner, lab)
    client.force_login(learner)
    client.get(reverse("labs:submission_detail", args=[submission.pk]))
    assert not AccessLog.objects.exists()


# --- Correction requests -----------------------------------------------------------
def test_an_officer_asks_for_a_correction_with_the_current_value_kept(client, learner):
    client.force_login(learner)
    response = client.post(
        CORRECTION,
        {
            "field": "full_name",
            "requested_value": "  Nguyễn  Thị Đúng ",
            "note": "CCCD",
        },
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get(user=learner)
    assert request.status == CorrectionRequest.Status.OPEN
    assert request.current_value == learner.full_name
    assert request.requested_value == "Nguyễn Thị Đúng"


def test_a_bad_email_in_a_correction_gets_a_vietnamese_message(client, learner):
    client.force_login(learner)
    response = client.post(
        CORRECTION, {"field": "email", "requested_value": "khong-phai-email"}
    )
    assert response.status_code == 400
    assert "Địa chỉ thư điện tử không hợp lệ" in response.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_a_second_open_request_for_the_same_field_is_refused(client, learner):
    client.force_login(learner)
    data = {"field": "position", "requested_value": "Chuyên viên chính"}
    client.post(CORRECTION, data)
    response = client.post(CORRECTION, {**data, "requested_value": "Phó phòng"})
    assert response.status_code == 400
    assert "đang chờ xử lý" in response.content.decode()
    assert CorrectionRequest.objects.count() == 1


def test_dost_marks_a_request_done_in_the_admin_and_the_change_is_applied(
    client, learner, dost_admin
):
    request = privacy.correction_request_create(
        user=learner, field="email", requested_value="Dung@BacNinh.gov.vn"
    )
    client.force_login(dost_admin)
    url = reverse("admin:accounts_correctionrequest_change", args=[request.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"status": "done", "response": "Đã cập nhật."})
    assert response.status_code == 302
    viewed = privacy.access_logs_about(user=learner).get()
    assert (viewed.user, viewed.action) == (dost_admin, "correction_request_view")

    learner.refresh_from_db()
    request.refresh_from_db()
    assert learner.email == "dung@bacninh.gov.vn"
    assert (request.status, request.handled_by) == ("done", dost_admin)
    assert request.handled_at is not None
    client.force_login(learner)
    page = client.get(MY_DATA).content.decode()
    assert "Đã đính chính" in page and "Đã cập nhật." in page


def test_an_email_already_used_by_another_account_is_not_applied(
    client, learner, dost_admin, agency
):
    officer(agency=agency, username="da_dung", email="trung@bacninh.gov.vn")
    request = privacy.correction_request_create(
        user=learner, field="email", requested_value="trung@bacninh.gov.vn"
    )
    client.force_login(dost_admin)
    url = reverse("admin:accounts_correctionrequest_change", args=[request.pk])
    response = client.post(url, {"status": "done", "response": ""})
    assert response.status_code == 200
    assert "đã được một tài khoản khác sử dụng" in response.content.decode()
    request.refresh_from_db()
    assert request.is_open


def test_a_position_correction_is_applied_and_a_rejection_changes_nothing(
    learner, dost_admin
):
    position = privacy.correction_request_create(
        user=learner, field="position", requested_value="Trưởng phòng"
    )
    name = privacy.correction_request_create(
        user=learner, field="full_name", requested_value="Tên Khác"
    )
    privacy.correction_request_handle(correction=position, status="done", by=dost_admin)
    privacy.correction_request_handle(
        correction=name, status="rejected", by=dost_admin, response="Sai giấy tờ."
    )
    learner.refresh_from_db()
    assert learner.profile.position == "Trưởng phòng"
    assert learner.full_name != "Tên Khác"
    with pytest.raises(privacy.CorrectionRefused):
        privacy.correction_request_handle(correction=name, status="done", by=dost_admin)


def test_dost_finds_open_requests_from_the_wagtail_menu(client, dost_admin):
    client.force_login(dost_admin)
    page = client.get("/admin/").content.decode()
    assert reverse("admin:accounts_correctionrequest_changelist") in page


def test_a_learner_cannot_open_the_correction_admin(client, learner):
    client.force_login(learner)
    response = client.get(reverse("admin:accounts_correctionrequest_changelist"))
    assert response.status_code == 302


# --- Retention ---------------------------------------------------------------------
def _age(model, pk, field: str, days: int) -> None:
    model.objects.filter(pk=pk).update(**{field: timezone.now() - timedelta(days=days)})


@pytest.fixture
def expired(settings, learner, dost_admin, agency, course, lab):
    """One old and one fresh row of every kind the retention job handles."""
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    settings.CORRECTION_REQUEST_RETENTION_DAYS = 30
    settings.LAB_FILE_RETENTION_DAYS = 30
    settings.DEACTIVATED_ACCOUNT_RETENTION_DAYS = 30
    rows: dict = {}
    for age in ("old", "fresh"):
        log = privacy.personal_data_access_record(
            user=dost_admin, action="officer_view", description=age, subjects=[learner]
        )
        correction = privacy.correction_request_create(
            user=learner, field="other", requested_value=age
        )
        privacy.correction_request_handle(
            correction=correction, status="rejected", by=dost_admin
        )
        rows[age] = {
            "log": log,
            "correction": correction,
            "submission": _submission(learner, lab, days_ago=40 if age == "old" else 1),
        }
    _age(AccessLog, rows["old"]["log"].pk, "created_at", 40)
    _age(CorrectionRequest, rows["old"]["correction"].pk, "handled_at", 40)
    gone = officer(agency=agency, username="da_nghi", email="nghi@bacninh.gov.vn")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    _age(type(gone), gone.pk, "deactivated_at", 40)
    CourseCompletion.objects.create(user=gone, course=course, agency=agency)
    rows["gone"] = gone
    session = SessionStore()
    session.create()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() - timedelta(days=1)
    )
    return rows


def test_deactivation_is_dated_and_reactivation_clears_the_date(learner):
    learner.is_active = False
    learner.save(update_fields=["is_active"])
    learner.refresh_from_db()
    assert learner.deactivated_at is not None
    learner.is_active = True
    learner.save()
    learner.refresh_from_db()
    assert learner.deactivated_at is None


def test_the_purge_removes_old_rows_and_keeps_fresh_ones(expired, media):
    counts = expired_data_purge()

    assert counts["access_logs"] == 1 and counts["correction_requests"] == 1
    assert counts["lab_files"] == 1 and counts["accounts_anonymised"] == 1
    assert counts["sessions"] >= 1
    assert list(AccessLog.objects.values_list("object_description", flat=True)) == [
        "fresh"
    ]
    assert list(
        CorrectionRequest.objects.values_list("requested_value", flat=True)
    ) == ["fresh"]
    old, fresh = expired["old"]["submission"], expired["fresh"]["submission"]
    old_files = [media / old.notebook.name, media / old.executed_html.name]
    old.refresh_from_db()
    assert (old.notebook.name, old.executed_html.name, old.score) == ("", "", 2.0)
    assert not any(path.exists() for path in old_files)
    assert (media / fresh.notebook.name).exists()


def test_a_purged_submission_keeps_its_score_and_is_not_regraded(
    expired, client, learner, lab
):
    from labs.services import SubmissionRefused, submission_regrade, submissions_regrade

    expired_data_purge()
    old = expired["old"]["submission"]
    old.refresh_from_db()
    assert submissions_regrade(lab=lab).total == 1  # only the fresh one
    with pytest.raises(SubmissionRefused):
        submission_regrade(submission=old)
    client.force_login(learner)
    assert (
        client.get(reverse("labs:submission_download", args=[old.pk])).status_code
        == 404
    )
    page = client.get(reverse("labs:submission_detail", args=[old.pk])).content.decode()
    assert "hết thời hạn lưu trữ" in page


def test_a_dry_run_counts_and_changes_nothing(expired, media):
    before = (
        AccessLog.objects.count(),
        CorrectionRequest.objects.count(),
        sorted(str(p) for p in media.rglob("*") if p.is_file()),
    )
    counts = expired_data_purge(dry_run=True)
    assert counts["access_logs"] == counts["accounts_anonymised"] == 1
    assert before == (
        AccessLog.objects.count(),
        CorrectionRequest.objects.count(),
        sorted(str(p) for p in media.rglob("*") if p.is_file()),
    )
    expired["gone"].refresh_from_db()
    assert expired["gone"].anonymised_at is None


def test_the_command_prints_counts_and_a_second_run_removes_nothing(expired, capsys):
    call_command("purge_expired_data", "--dry-run")
    assert "access_logs: 1" in capsys.readouterr().out
    call_command("purge_expired_data")
    call_command("purge_expired_data")
    out = capsys.readouterr().out.splitlines()
    second = out[len(out) // 2 :]
    assert all(line.split(":")[1].strip().startswith("0") for line in second)


def test_an_anonymised_account_keeps_its_completions(expired, agency):
    gone = expired["gone"]
    expired_data_purge()
    gone.refresh_from_db()
    assert gone.username.startswith("~an-danh-")
    assert (gone.email, gone.is_active, gone.has_usable_password()) == (
        "",
        False,
        False,
    )
    assert gone.full_name == f"Cán bộ ẩn danh {gone.pk}"
    assert not gone.emailaddress_set.exists()
    assert CourseCompletion.objects.filter(user=gone, agency=agency).count() == 1


def test_the_nightly_purge_is_scheduled_once(settings):
    from django_celery_beat.models import PeriodicTask

    purge_schedule_ensure()
    purge_schedule_ensure()
    task = PeriodicTask.objects.get(task="accounts.expired_data_purge")
    assert task.crontab.hour == str(settings.DATA_RETENTION_HOUR)
