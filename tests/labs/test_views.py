# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from labs import grading, services, views
from labs.models import Submission
from labs.services import submissions_regrade
from tests.factories import officer
from tests.labs.lab_fixtures import lab, notebook_bytes, tiny_folder  # noqa: F401


def _submission(lab, user, **kw) -> Submission:
    submission = Submission(
        user=user, lab=lab, bundle_version=lab.current_version, sha256="0" * 64, **kw
    )
    submission.notebook.save(
        "t.ipynb", ContentFile(notebook_bytes("x = 1")), save=False
    )
    submission.save()
    return submission


def _graded(lab, user) -> Submission:
    submission = _submission(
        lab,
        user,
        status=Submission.Status.GRADED,
        score=0,
        max_score=2,
        result={
            "checks": [
                {
                    "name": "total",
                    "title": "Tổng đúng",
                    "passed": False,
                    "points": 0,
                    "max_points": 2,
                    "message": "Tổng chưa đúng.",
                    "expected": "6",
                    "found": "None",
                    "hint": "Cộng các số trong data/numbers.csv.",
                }
            ]
        },
    )
    submission.executed_html.save(
        "x.html", ContentFile(b"<html><body><script>alert(1)</script>out</body></html>")
    )
    return submission


def test_the_lab_page_shows_the_description_download_and_upload_form(
    client, learner, lab
):
    client.force_login(learner)
    response = client.get(reverse("labs:lab_detail", args=[lab.slug]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bài thực hành thử" in body
    assert reverse("labs:lab_download", args=[lab.slug]) in body
    assert 'type="file"' in body
    assert "Bạn chưa nộp bài nào" in body


def test_an_unknown_lab_is_404(client, learner):
    client.force_login(learner)
    assert client.get("/bai-thuc-hanh/khong-co/").status_code == 404


def test_the_lab_page_needs_a_login(client, lab):
    response = client.get(reverse("labs:lab_detail", args=[lab.slug]))
    assert response.status_code == 302


def test_the_download_holds_the_starter_and_data_but_never_checks_or_solution(
    client, learner, lab
):
    client.force_login(learner)
    response = client.get(reverse("labs:lab_download", args=[lab.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(io.BytesIO(response.content)).namelist()
    assert sorted(names) == ["tiny-lab/data/numbers.csv", "tiny-lab/starter.ipynb"]


def test_a_50_mb_upload_is_refused_with_a_clear_message_and_nothing_saved(
    client, learner, lab
):
    client.force_login(learner)
    big = SimpleUploadedFile("lon.ipynb", b" " * (50 * 1024 * 1024))
    response = client.post(
        reverse("labs:lab_detail", args=[lab.slug]), {"notebook": big}
    )
    assert response.status_code == 400
    assert "Tệp quá lớn (50.0 MB). Giới hạn là 5 MB" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_non_json_upload_is_refused_in_vietnamese(client, learner, lab):
    client.force_login(learner)
    upload = SimpleUploadedFile("bai.ipynb", b"print('hello')\n")
    response = client.post(
        reverse("labs:lab_detail", args=[lab.slug]), {"notebook": upload}
    )
    assert response.status_code == 400
    assert "nội dung không phải JSON hợp lệ" in response.content.decode()
    assert not Submission.objects.exists()


def test_a_file_without_the_ipynb_extension_is_refused(client, learner, lab):
    client.force_login(learner)
    upload = SimpleUploadedFile("bai.py", notebook_bytes("x = 1"))
    response = client.post(
        reverse("labs:lab_detail", args=[lab.slug]), {"notebook": upload}
    )
    assert "Chỉ nhận tệp có đuôi .ipynb." in response.content.decode()
    assert not Submission.objects.exists()


def test_an_nbformat_3_notebook_is_upgraded_and_accepted(client, learner, lab):
    client.force_login(learner)
    v3 = json.dumps(
        {
            "nbformat": 3,
            "nbformat_minor": 0,
            "metadata": {},
            "worksheets": [{"cells": []}],
        }
    ).encode()
    upload = SimpleUploadedFile("cu.ipynb", v3)
    response = client.post(
        reverse("labs:lab_detail", args=[lab.slug]), {"notebook": upload}
    )
    assert response.status_code == 302
    assert Submission.objects.get().status == Submission.Status.QUEUED


def test_json_that_is_not_a_notebook_is_refused(client, learner, lab):
    client.force_login(learner)
    upload = SimpleUploadedFile("bai.ipynb", b"[1, 2, 3]")
    response = client.post(
        reverse("labs:lab_detail", args=[lab.slug]), {"notebook": upload}
    )
    assert response.status_code == 400
    assert "Tệp không phải notebook Jupyter (.ipynb)." in response.content.decode()
    assert not Submission.objects.exists()


def test_a_valid_upload_saves_a_queued_submission_and_shows_its_page(
    client,
    learner,
    lab,
    django_capture_on_commit_callbacks,
):
    client.force_login(learner)
    upload = SimpleUploadedFile("bai.ipynb", notebook_bytes("total = 6"))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("labs:lab_detail", args=[lab.slug]), {"notebook": upload}
        )
    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse(
        "labs:submission_detail", args=[submission.pk]
    )
    assert submission.status == Submission.Status.QUEUED
    assert len(callbacks) == 1  # publishing waits for the commit


def test_the_owner_sees_per_check_feedback_and_a_sandboxed_notebook_frame(
    client, learner, lab
):
    submission = _graded(lab, learner)
    client.force_login(learner)
    body = client.get(
        reverse("labs:submission_detail", args=[submission.pk])
    ).content.decode()
    for text in [
        "Tổng đúng",
        "Chưa đạt",
        "Tổng chưa đúng.",
        "Mong đợi",
        "Gợi ý",
        "Cộng các số trong data/numbers.csv.",
    ]:
        assert text in body
    assert '<iframe class="executed-notebook" sandbox ' in body
    assert "alert(1)" not in body


def test_the_executed_notebook_is_served_with_a_sandbox_policy(client, learner, lab):
    submission = _graded(lab, learner)
    client.force_login(learner)
    response = client.get(reverse("labs:submission_notebook", args=[submission.pk]))
    assert response.status_code == 200
    assert response["Content-Security-Policy"].startswith("sandbox;")
    assert "default-src 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


@pytest.mark.parametrize(
    "name",
    [
        "submission_detail",
        "submission_status",
        "submission_notebook",
        "submission_download",
    ],
)
def test_another_learner_gets_404_for_every_submission_url(client, learner, lab, name):
    submission = _graded(lab, learner)
    client.force_login(officer(roles=["Learner"], username="nguoikhac"))
    assert client.get(reverse(f"labs:{name}", args=[submission.pk])).status_code == 404


def test_an_agency_manager_of_the_same_agency_gets_404(client, learner, manager, lab):
    submission = _graded(lab, learner)
    client.force_login(manager)
    assert (
        client.get(reverse("labs:submission_detail", args=[submission.pk])).status_code
        == 404
    )


@pytest.fixture
def lab_teacher(instructor, lab, home_page):
    """An instructor of P1, where a lesson uses `lab`."""
    from courses.models import CoursePage, LessonPage, ProgramPage
    from courses.services import program_instructor_assign
    from lms.demo import seed_programs

    seed_programs(home_page)
    program = ProgramPage.objects.get(code="P1")
    course = program.add_child(instance=CoursePage(title="Khóa có lab", slug="co-lab"))
    lesson = course.add_child(instance=LessonPage(title="Bài có lab", slug="bai-lab"))
    lesson.labs.add(lab)
    program_instructor_assign(program=program, user=instructor)
    return instructor


@pytest.mark.parametrize("who", ["lab_teacher", "dost_admin"])
def test_the_labs_instructors_and_dost_admins_see_any_submission(
    client, learner, lab, who, request
):
    submission = _graded(lab, learner)
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse("labs:submission_detail", args=[submission.pk]))
    assert response.status_code == 200
    assert learner.full_name in response.content.decode()


def test_the_status_endpoint_reports_status_and_score(
    client, learner, lab, django_assert_max_num_queries
):
    submission = _graded(lab, learner)
    client.force_login(learner)
    with django_assert_max_num_queries(6):
        data = client.get(
            reverse("labs:submission_status", args=[submission.pk])
        ).json()
    assert data == {
        "status": "graded",
        "label": "Đã chấm",
        "finished": True,
        "score": 0.0,
        "max_score": 2.0,
        "notebook_ready": True,
    }


def test_a_pending_submission_page_polls_without_inline_script(client, learner, lab):
    submission = _submission(lab, learner)
    client.force_login(learner)
    body = client.get(
        reverse("labs:submission_detail", args=[submission.pk])
    ).content.decode()
    assert (
        f'data-poll-url="{reverse("labs:submission_status", args=[submission.pk])}"'
        in body
    )
    assert "/static/labs/submission.js" in body
    assert "<script>" not in body


def test_a_learner_cannot_open_the_instructor_view(client, learner, lab):
    client.force_login(learner)
    assert (
        client.get(reverse("labs:lab_submissions", args=[lab.slug])).status_code == 403
    )
    assert client.post(reverse("labs:lab_regrade", args=[lab.slug])).status_code == 403


def test_an_instructor_of_other_courses_sees_neither_the_list_nor_a_submission(
    client, learner, instructor, lab
):
    submission = _graded(lab, learner)
    client.force_login(instructor)

    listing = client.get(reverse("labs:lab_submissions", args=[lab.slug]))
    detail = client.get(reverse("labs:submission_detail", args=[submission.pk]))

    assert (listing.status_code, detail.status_code) == (403, 404)


def test_the_instructor_view_lists_submissions_and_the_grade_distribution(
    client, learner, lab_teacher, lab
):
    _graded(lab, learner)
    client.force_login(lab_teacher)
    body = client.get(reverse("labs:lab_submissions", args=[lab.slug])).content.decode()
    assert "Phân bố điểm" in body
    assert learner.full_name in body
    assert "0–19 %" in body


def test_regrade_all_requeues_every_submission_and_reports_progress(
    client,
    learner,
    lab_teacher,
    lab,
    django_capture_on_commit_callbacks,
):
    _graded(lab, learner)
    _submission(lab, learner, status=Submission.Status.ERROR)
    client.force_login(lab_teacher)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("labs:lab_regrade", args=[lab.slug]))
    assert response.status_code == 302
    assert len(callbacks) == 2
    assert set(Submission.objects.values_list("status", flat=True)) == {"queued"}
    progress = client.get(reverse("labs:lab_regrade_progress", args=[lab.slug])).json()
    assert progress == {"total": 2, "done": 0, "percent": 0, "finished": False}


def test_regrade_progress_counts_finished_submissions(learner, lab):
    from labs.selectors import regrade_progress

    first = _graded(lab, learner)
    _graded(lab, learner)
    run = submissions_regrade(lab=lab)
    Submission.objects.filter(pk=first.pk).update(status=Submission.Status.GRADED)
    progress = regrade_progress(run=run)
    assert (progress.done, progress.total, progress.percent) == (1, 2, 50)


def test_the_wagtail_lab_listing_shows_the_current_version_and_validation(
    client, instructor, lab
):
    client.force_login(instructor)
    response = client.get(reverse("wagtailsnippets_labs_lab:list"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Bài thực hành thử" in body
    assert "v1 hợp lệ" in body
    assert reverse("labs_bundle_upload") in body


def test_a_learner_cannot_reach_the_bundle_upload(client, learner):
    client.force_login(learner)
    response = client.get(reverse("labs_bundle_upload"))
    assert response.status_code in (302, 403)


def test_a_zip_without_a_manifest_is_refused_with_the_reason(client, instructor, db):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("starter.ipynb", "{}")
    client.force_login(instructor)
    response = client.post(
        reverse("labs_bundle_upload"),
        {"bundle": SimpleUploadedFile("goi.zip", buffer.getvalue())},
    )
    assert response.status_code == 400
    assert "Không tìm thấy tệp manifest.json" in response.content.decode()


def test_an_instructor_uploads_a_bundle_zip_in_the_admin(
    client, instructor, tiny_folder
):
    from labs.archives import folder_archive

    client.force_login(instructor)
    upload = SimpleUploadedFile("tiny.zip", folder_archive(tiny_folder))
    response = client.post(
        reverse("labs_bundle_upload"), {"bundle": upload}, follow=True
    )
    body = response.content.decode()
    assert "Đã nhận “Bài thực hành thử” phiên bản 1" in body
    assert "lời giải 2/2, notebook khởi đầu 0/2" in body
    assert "v1 hợp lệ" in body


def test_a_just_graded_notebook_frame_waits_for_the_rendered_notebook(
    client, learner, lab
):
    from django.utils import timezone

    submission = _submission(
        lab, learner, status=Submission.Status.GRADED, graded_at=timezone.now()
    )
    client.force_login(learner)
    response = client.get(reverse("labs:submission_notebook", args=[submission.pk]))
    assert response.status_code == 200
    assert "Đang hiển thị notebook đã chạy" in response.content.decode()
    assert response["Content-Security-Policy"].startswith("sandbox;")


def test_a_graded_submission_without_a_notebook_has_no_frame_content(
    client, learner, lab
):
    submission = _submission(lab, learner, status=Submission.Status.GRADED)
    client.force_login(learner)
    response = client.get(reverse("labs:submission_notebook", args=[submission.pk]))
    assert response.status_code == 404


@pytest.fixture
def renders(monkeypatch) -> list[int]:
    """One entry per nbconvert rendering; the real renderer still runs."""
    calls: list[int] = []
    render = grading.notebook_html

    def counted(notebook):
        calls.append(1)
        return render(notebook)

    monkeypatch.setattr(grading, "notebook_html", counted)
    return calls


XSS_CELL = (
    "from IPython.display import HTML, display\n"
    "tag = 'scr' + 'ipt'\n"
    "display(HTML('<b>đậm</b><' + tag + '>alert(2)</' + tag + '>'))"
)


def test_grading_stores_the_notebook_and_only_the_first_view_renders_it(
    client, learner, lab, renders
):
    submission = services.submission_create(
        user=learner, lab=lab, notebook_bytes=notebook_bytes(XSS_CELL, "total = 5")
    )
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    executed = submission.executed_html.name
    assert executed.endswith(".ipynb")
    assert renders == []  # grading renders nothing

    client.force_login(learner)
    url = reverse("labs:submission_notebook", args=[submission.pk])
    first = client.get(url)
    assert renders == [1]
    page = first.content.decode()
    assert '<span class="mi">5</span>' in page and "<b>đậm</b>" in page
    assert "<script" not in page.lower()
    assert first["Content-Security-Policy"] == views.NOTEBOOK_CSP
    submission.refresh_from_db()
    assert submission.executed_html.name.endswith(".html")
    assert not submission.executed_html.storage.exists(executed)

    second = client.get(url)
    assert renders == [1]
    assert second.content == first.content
    assert second["Content-Security-Policy"] == views.NOTEBOOK_CSP


def test_a_notebook_rendered_before_lazy_rendering_is_served_as_stored(
    client, learner, lab, renders
):
    submission = _graded(lab, learner)  # its HTML was stored at grading
    client.force_login(learner)
    response = client.get(reverse("labs:submission_notebook", args=[submission.pk]))
    assert response.status_code == 200
    assert response.content.endswith(b"out</body></html>")
    assert renders == []


def test_a_notebook_being_rendered_by_another_request_shows_the_waiting_page(
    client, learner, lab, renders
):
    from django.core.cache import cache

    submission = services.submission_create(
        user=learner, lab=lab, notebook_bytes=notebook_bytes("total = 5")
    )
    services.submission_grade(submission_id=submission.pk)
    submission.refresh_from_db()
    lock = services.notebook_render_lock_key(submission)
    assert cache.add(lock, 1, timeout=60)
    try:
        client.force_login(learner)
        response = client.get(reverse("labs:submission_notebook", args=[submission.pk]))
    finally:
        cache.delete(lock)
    assert response.status_code == 200
    assert "Đang hiển thị notebook đã chạy" in response.content.decode()
    assert response["Content-Security-Policy"] == views.NOTEBOOK_CSP
    assert renders == []
