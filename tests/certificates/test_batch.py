"""Batch issue from XLSX: row-level validation, all or nothing, progress."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from certificates.imports import BatchInvalid, batch_create, batch_parse, batch_run
from certificates.models import Certificate, CertificateBatch

HEADER = ["Tên đăng nhập", "Họ và tên", "Mã đơn vị", "Mã khóa học", "Ngày cấp", "Điểm"]


def xlsx(*rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture
def good_list(learner, agency, program_page, course_page):
    return xlsx(
        [learner.username, None, None, "PT1", date(2026, 2, 3), 9],
        [None, "Lê Thị Mai", agency.code, course_page.slug, "05/02/2026", None],
    )


def test_valid_list_issues_and_renders_everything(good_list, dost_admin, learner):
    batch = batch_create(content=good_list, filename="ds.xlsx", by=dost_admin)
    batch = batch_run(batch_id=batch.pk)
    assert (batch.status, batch.total, batch.issued, batch.rendered) == (
        "done",
        2,
        2,
        2,
    )
    assert batch.percent == 100
    certificates = Certificate.objects.filter(batch=batch)
    assert {c.holder_name for c in certificates} == {"Lê Thị Mai", learner.full_name}
    assert all(c.pdf_sha256 for c in certificates)


def test_running_a_batch_twice_issues_nothing_new(good_list, dost_admin):
    batch = batch_create(content=good_list, filename="ds.xlsx", by=dost_admin)
    batch_run(batch_id=batch.pk)
    batch_run(batch_id=batch.pk)
    assert Certificate.objects.count() == 2


def test_every_bad_row_is_reported_and_nothing_is_issued(learner, agency, program_page):
    content = xlsx(
        [learner.username, None, None, "PT1", "03/02/2026", None],
        ["khong-co-ai", None, None, "PT1", "03/02/2026", None],
        [None, "Trần Văn B", "MA-SAI", "PT1", "03/02/2026", None],
        [None, "Trần Văn C", agency.code, "P99", "03/02/2026", None],
        [None, "Trần Văn D", agency.code, "PT1", "31/02/2026", None],
        [None, "Trần Văn E", agency.code, "PT1", "03/02/2026", "mười"],
        [learner.username, None, None, "PT1", "03/02/2026", None],
    )
    with pytest.raises(BatchInvalid) as caught:
        batch_parse(content)
    lines = [error.split(":")[0] for error in caught.value.errors]
    assert lines == ["Dòng 3", "Dòng 4", "Dòng 5", "Dòng 6", "Dòng 7", "Dòng 8"]
    assert not Certificate.objects.exists()


def test_not_an_excel_file_gets_a_clear_message(db):
    with pytest.raises(BatchInvalid) as caught:
        batch_parse(b"<html>not a workbook</html>")
    assert "Không đọc được tệp" in caught.value.errors[0]


def test_a_row_failing_at_issue_time_rolls_back_the_whole_batch(
    good_list, dost_admin, learner
):
    batch = batch_create(content=good_list, filename="ds.xlsx", by=dost_admin)
    learner.full_name = "!!!"  # no letter: refused when the batch runs
    learner.save()
    batch = batch_run(batch_id=batch.pk)
    assert batch.status == "failed" and batch.errors
    assert not Certificate.objects.exists()


def test_upload_page_shows_row_errors_and_creates_nothing(client, dost_admin, db):
    client.force_login(dost_admin)
    upload = io.BytesIO(xlsx(["khong-co-ai", None, None, "PT1", "03/02/2026", None]))
    upload.name = "ds.xlsx"
    response = client.post(reverse("certificates:batch_upload"), {"file": upload})
    assert "Dòng 2" in response.content.decode()
    assert not CertificateBatch.objects.exists()


def test_upload_page_redirects_to_the_progress_page(client, dost_admin, good_list):
    client.force_login(dost_admin)
    upload = io.BytesIO(good_list)
    upload.name = "ds.xlsx"
    response = client.post(reverse("certificates:batch_upload"), {"file": upload})
    batch = CertificateBatch.objects.get()
    assert response["Location"] == reverse("certificates:batch", args=[batch.pk])
    status = client.get(reverse("certificates:batch_status", args=[batch.pk])).json()
    assert (status["status"], status["total"]) == ("pending", 2)


def test_manager_cannot_upload_a_list(client, manager):
    client.force_login(manager)
    assert client.get(reverse("certificates:batch_upload")).status_code == 403


def test_manual_issue_by_dost(client, dost_admin, agency, program_page):
    client.force_login(dost_admin)
    response = client.post(
        reverse("certificates:issue"),
        {
            "full_name": "Đỗ Thị Lan",
            "agency": agency.pk,
            "achievement": f"program:{program_page.pk}",
            "issued_on": "2026-03-01",
        },
    )
    certificate = Certificate.objects.get()
    assert response.status_code == 302
    assert (certificate.holder_name, certificate.source, certificate.issued_by) == (
        "Đỗ Thị Lan",
        "manual",
        dost_admin,
    )


def test_manual_issue_of_a_300_character_name_is_a_form_error(
    client, dost_admin, agency, program_page
):
    client.force_login(dost_admin)
    response = client.post(
        reverse("certificates:issue"),
        {
            "full_name": "Nguyễn " * 43,
            "agency": agency.pk,
            "achievement": f"program:{program_page.pk}",
            "issued_on": "2026-03-01",
        },
    )
    assert response.status_code == 200
    assert "vượt quá" in response.content.decode()
    assert not Certificate.objects.exists()


def test_agency_manager_cannot_issue(client, manager, program_page):
    client.force_login(manager)
    assert client.get(reverse("certificates:issue")).status_code == 403


def test_a_fanned_out_batch_is_done_when_its_last_chunk_is_rendered(
    good_list, dost_admin, django_capture_on_commit_callbacks, monkeypatch
):
    from certificates import imports
    from certificates.imports import batch_render_chunk
    from certificates.tasks import certificate_batch_render_task

    chunks: list[list[int]] = []
    monkeypatch.setattr(imports, "RENDER_CHUNK", 1)
    monkeypatch.setattr(
        certificate_batch_render_task, "delay", lambda _pk, ids: chunks.append(ids)
    )
    batch = batch_create(content=good_list, filename="ds.xlsx", by=dost_admin)

    batch = batch_run(batch_id=batch.pk, fan_out=True)
    assert (batch.status, batch.issued, len(chunks)) == ("running", 2, 2)
    batch_render_chunk(batch_id=batch.pk, certificate_ids=chunks[0])
    batch.refresh_from_db()
    assert (batch.status, batch.rendered) == ("running", 1)
    batch_render_chunk(batch_id=batch.pk, certificate_ids=chunks[1])
    batch_render_chunk(batch_id=batch.pk, certificate_ids=chunks[1])  # redelivered

    batch.refresh_from_db()
    assert (batch.status, batch.rendered) == ("done", 2)
    assert not Certificate.objects.filter(batch=batch, pdf="").exists()


@pytest.mark.worker
def test_an_uploaded_list_is_issued_and_rendered_by_the_workers(
    good_list, dost_admin, celery_worker_process
):
    from tests.conftest import wait_for

    batch = batch_create(content=good_list, filename="ds.xlsx", by=dost_admin)

    done = wait_for(
        lambda: CertificateBatch.objects.filter(pk=batch.pk, status="done").first(),
        timeout=90,
    )

    assert (done.issued, done.rendered) == (2, 2)
    assert not Certificate.objects.filter(batch=batch, pdf="").exists()
