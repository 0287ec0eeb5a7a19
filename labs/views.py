from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from labs import selectors, services
from labs.forms import NotebookUploadForm
from labs.models import Lab, Submission
from lms.accounts.privacy import personal_data_access_record
from lms.security import not_found

# The executed notebook holds the learner's own output (any HTML they printed): it
# is shown only inside a sandboxed frame, with no scripts, no same-origin rights
# and nothing loaded from elsewhere.
NOTEBOOK_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "font-src data:; frame-ancestors 'self'"
)


def _lab_or_404(slug: str) -> Lab:
    lab = selectors.lab_get(slug=slug)
    if lab is None:
        raise Http404
    return lab


def _submission_or_404(request: HttpRequest, pk: int) -> Submission:
    """Someone else's submission is "not found" (logged), not "forbidden"."""
    submission = selectors.submission_for_user(user=request.user, pk=pk)
    if submission is None:
        raise not_found(request, f"submission:{pk}")
    return submission


def _log_staff_read(request: HttpRequest, submission: Submission, action: str) -> None:
    """Staff reading a learner's submission is a read of personal data (Law 91)."""
    if submission.user_id != request.user.pk:
        personal_data_access_record(
            user=request.user,
            action=action,
            description=f"Bài nộp #{submission.pk} ({submission.lab.slug})",
            subjects=[submission.user_id],
        )


def _staff_lab_or_404(request: HttpRequest, slug: str) -> Lab:
    if not selectors.can_see_all_submissions(user=request.user):
        raise PermissionDenied(f"perm:{selectors.SEE_ALL}")
    lab = _lab_or_404(slug)
    if not selectors.can_see_lab_submissions(user=request.user, lab=lab):
        # An instructor of other courses: their permission does not reach this lab.
        raise PermissionDenied(f"lab-not-taught:{lab.slug}")
    return lab


def _require_regrade(request: HttpRequest) -> None:
    if not selectors.can_regrade(user=request.user):
        raise PermissionDenied(f"perm:{selectors.REGRADE}")


@login_required
@require_http_methods(["GET", "POST"])
def lab_detail(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab_or_404(slug)
    form = NotebookUploadForm(request.POST or None, request.FILES or None)
    status = 400 if request.method == "POST" else 200
    if request.method == "POST" and form.is_valid():
        try:
            submission = services.submission_create(
                user=request.user, lab=lab, notebook_bytes=form.cleaned_data["notebook"]
            )
        except services.SubmissionRefused as exc:
            form.add_error("notebook", str(exc))
            if isinstance(exc, services.SubmissionNotStored):
                status = 503  # the server's fault; the same upload can be retried
        else:
            submission_received_message(request, submission)
            return redirect("labs:submission_detail", pk=submission.pk)
    context = {
        "lab": lab,
        "form": form,
        "submissions": selectors.submissions_of_learner(user=request.user, lab=lab)[
            :20
        ],
        "can_see_all": selectors.can_see_lab_submissions(user=request.user, lab=lab),
    }
    return render(request, "labs/lab_detail.html", context, status=status)


def submission_received_message(
    request: HttpRequest, submission: Submission, *, from_hub: bool = False
) -> None:
    """Tell the learner the notebook is saved, and whether grading has started."""
    if submission.published is False:
        # The broker is down: the row is saved and the sweeper publishes it later.
        messages.warning(
            request,
            _(
                "Đã lưu bài nộp. Hệ thống chấm đang tạm gián đoạn nên bài đang chờ "
                "chấm; bài sẽ được chấm tự động khi hệ thống hoạt động trở lại, bạn "
                "không cần nộp lại."
            ),
        )
    elif from_hub:
        messages.success(
            request, _("Đã nhận bài nộp từ JupyterLab. Hệ thống đang chấm.")
        )
    else:
        messages.success(request, _("Đã nhận bài nộp. Hệ thống đang chấm."))


@login_required
@require_GET
def lab_download(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab_or_404(slug)
    if lab.current_version is None:
        raise Http404
    response = HttpResponse(
        services.learner_download(lab=lab), content_type="application/zip"
    )
    response["Content-Disposition"] = f'attachment; filename="{lab.slug}.zip"'
    return response


@login_required
@require_GET
def submission_detail(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    _log_staff_read(request, submission, "submission_view")
    context = {
        "submission": submission,
        "lab": submission.lab,
        "is_owner": submission.user_id == request.user.pk,
        "can_regrade": selectors.can_regrade(user=request.user),
    }
    return render(request, "labs/submission_detail.html", context)


@login_required
@require_GET
@never_cache
def submission_status(request: HttpRequest, pk: int) -> JsonResponse:
    submission = _submission_or_404(request, pk)
    return JsonResponse(
        {
            "status": submission.status,
            "label": submission.get_status_display(),
            "finished": submission.is_finished,
            "score": submission.score,
            "max_score": submission.max_score,
            "notebook_ready": bool(submission.executed_html),
        }
    )


# Shown in the frame for the moment between the grade and its stored notebook (or
# while another request renders it); submission.js reloads the frame when the status
# says the notebook is ready.
NOTEBOOK_PENDING = (
    '<!DOCTYPE html><html lang="vi"><head><meta charset="utf-8">'
    "<title>{title}</title></head>"
    '<body style="font-family: sans-serif"><p>{text}</p></body></html>'
)


@login_required
@require_GET
@xframe_options_sameorigin
def submission_notebook(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    _log_staff_read(request, submission, "submission_notebook_view")
    try:
        html = services.submission_notebook_html(submission=submission)
    except services.NotebookRenderBusy:
        html = _notebook_pending()
    if html is None:
        if not _just_graded(submission):
            raise Http404
        html = _notebook_pending()
    response = HttpResponse(html, content_type="text/html; charset=utf-8")
    response["Content-Security-Policy"] = NOTEBOOK_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, no-store"
    return response


def _notebook_pending() -> bytes:
    return NOTEBOOK_PENDING.format(
        title=_("Đang hiển thị notebook"), text=_("Đang hiển thị notebook đã chạy…")
    ).encode("utf-8")


def _just_graded(submission: Submission) -> bool:
    """Its executed notebook is about to be stored."""
    return submission.status == Submission.Status.GRADED and _recent(submission)


def _recent(submission: Submission) -> bool:
    graded_at = submission.graded_at
    return graded_at is not None and timezone.now() - graded_at < timedelta(minutes=2)


@login_required
@require_GET
def submission_download(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    if not submission.notebook:
        raise Http404  # deleted after LAB_FILE_RETENTION_DAYS; the score stays
    _log_staff_read(request, submission, "submission_download")
    with submission.notebook.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="application/x-ipynb+json")
    response["Content-Disposition"] = (
        f'attachment; filename="{submission.lab.slug}-{submission.pk}.ipynb"'
    )
    return response


@login_required
@require_POST
def submission_regrade(request: HttpRequest, pk: int) -> HttpResponse:
    submission = _submission_or_404(request, pk)
    _require_regrade(request)
    try:
        services.submission_regrade(submission=submission)
    except services.SubmissionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Đã đưa bài nộp vào hàng đợi chấm lại."))
    return redirect("labs:submission_detail", pk=submission.pk)


@login_required
@require_GET
def lab_submissions(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _staff_lab_or_404(request, slug)
    page = Paginator(selectors.submissions_of_lab(lab=lab), 50).get_page(
        request.GET.get("trang")
    )
    personal_data_access_record(
        user=request.user,
        action="lab_submissions_view",
        description=f"Danh sách bài nộp {lab.slug}, trang {page.number}",
        subjects=[submission.user_id for submission in page],
    )
    run = selectors.regrade_latest(lab=lab)
    context = {
        "lab": lab,
        "page": page,
        "distribution": selectors.grade_distribution(lab=lab),
        "counts": selectors.status_counts(lab=lab),
        "run": run,
        "progress": selectors.regrade_progress(run=run) if run else None,
        "can_regrade": selectors.can_regrade(user=request.user),
    }
    return render(request, "labs/lab_submissions.html", context)


@login_required
@require_POST
def lab_regrade(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _staff_lab_or_404(request, slug)
    _require_regrade(request)
    try:
        run = services.submissions_regrade(lab=lab, user=request.user)
    except services.SubmissionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Đã đưa %(n)d bài nộp vào hàng đợi chấm lại theo phiên bản %(v)d.")
            % {"n": run.total, "v": run.bundle_version.version},
        )
    return redirect(reverse("labs:lab_submissions", kwargs={"slug": lab.slug}))


@login_required
@require_GET
@never_cache
def lab_regrade_progress(request: HttpRequest, slug: str) -> JsonResponse:
    lab = _staff_lab_or_404(request, slug)
    run = selectors.regrade_latest(lab=lab)
    if run is None:
        raise Http404
    progress = selectors.regrade_progress(run=run)
    return JsonResponse(
        {
            "total": progress.total,
            "done": progress.done,
            "percent": progress.percent,
            "finished": progress.finished,
        }
    )
