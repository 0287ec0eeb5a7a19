"""Lab buttons that go through JupyterHub: open, warm up, reset, submit from the lab.

All are POST (they start servers and write files). When the hub cannot help, the
learner is sent back with a Vietnamese message and the upload form still works.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from labs import hub, hub_services, selectors
from labs.models import Lab

logger = logging.getLogger(__name__)


def _lab_or_404(slug: str) -> Lab:
    lab = selectors.lab_get(slug=slug)
    if lab is None:
        raise Http404
    return lab


def _back(request: HttpRequest, lab: Lab) -> HttpResponse:
    """Back to the page the button was on (a lesson, or the lab page)."""
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = reverse("labs:lab_detail", args=[lab.slug])
    return redirect(target)


def _hub_failed(request: HttpRequest, lab: Lab, exc: hub.HubUnavailable):
    logger.warning("JupyterHub for %s/%s: %s", request.user, lab.slug, exc.detail)
    messages.error(request, exc.message)
    return _back(request, lab)


@login_required
@require_POST
def lab_open(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab_or_404(slug)
    try:
        url = hub_services.lab_open(user=request.user, lab=lab)
    except hub.HubUnavailable as exc:
        return _hub_failed(request, lab, exc)
    # Remembered so that logging out of the academy also logs out of the hub.
    request.session[hub.SESSION_OPENED_KEY] = True
    return redirect(url)


@login_required
@require_POST
def lab_reset(request: HttpRequest, slug: str) -> HttpResponse:
    lab = _lab_or_404(slug)
    try:
        url, backup = hub_services.lab_reset(user=request.user, lab=lab)
    except hub.HubUnavailable as exc:
        return _hub_failed(request, lab, exc)
    if backup:
        messages.success(
            request,
            _("Đã đặt lại bài gốc. Bài làm cũ được giữ ở tệp %(name)s.")
            % {"name": backup.rsplit("/", 1)[-1]},
        )
    return redirect(url)


@login_required
@require_POST
@never_cache
def lab_warmup(request: HttpRequest, slug: str) -> JsonResponse:
    _lab_or_404(slug)
    try:
        state = hub_services.lab_warmup(user=request.user)
    except hub.HubUnavailable as exc:
        logger.info("JupyterHub warm-up for %s failed: %s", request.user, exc.detail)
        return JsonResponse(
            {"state": "unavailable", "message": exc.message}, status=503
        )
    return JsonResponse({"state": "ready" if state.ready else "starting"})


@login_required
@require_POST
def lab_submit(request: HttpRequest, slug: str) -> HttpResponse:
    from labs.services import SubmissionRefused

    lab = _lab_or_404(slug)
    try:
        submission = hub_services.lab_submit_from_hub(user=request.user, lab=lab)
    except hub.HubUnavailable as exc:
        return _hub_failed(request, lab, exc)
    except SubmissionRefused as exc:
        messages.error(request, str(exc))
        return _back(request, lab)
    from labs.views import submission_received_message

    submission_received_message(request, submission, from_hub=True)
    return redirect("labs:submission_detail", pk=submission.pk)
