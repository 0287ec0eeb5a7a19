from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from lms.accounts import privacy
from lms.accounts.adapters import SIGNUP_PENDING_SESSION_KEY
from lms.accounts.forms import ConsentForm, CorrectionRequestForm, ProfileForm
from lms.accounts.models import OfficerProfile
from lms.accounts.services import consent_record, profile_update


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else "/"


@login_required
def consent(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        consent_record(user=request.user)
        messages.success(request, _("Cảm ơn bạn. Sự đồng ý của bạn đã được ghi nhận."))
        return redirect(_safe_next(request))
    return render(
        request,
        "accounts/consent.html",
        {
            "form": form,
            "next": _safe_next(request),
            "version": settings.PERSONAL_DATA_CONSENT_VERSION,
        },
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    officer = (
        OfficerProfile.objects.select_related("agency")
        .filter(user=request.user)
        .first()
    )
    initial = {
        "full_name": request.user.get_full_name(),
        "position": officer.position if officer else "",
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        profile_update(user=request.user, **form.cleaned_data)
        messages.success(request, _("Đã lưu hồ sơ."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form, "officer": officer})


def signup_pending(request: HttpRequest) -> HttpResponse:
    """Where a self-registered account lands, after signing up or trying to sign in,
    until its agency's manager approves it (AccountAdapter.respond_user_inactive)."""
    if request.user.is_authenticated:
        return redirect("/")
    facts = request.session.get(SIGNUP_PENDING_SESSION_KEY) or {}
    return render(request, "accounts/signup_pending.html", {"facts": facts})


# --- Personal data (Law 91/2025) -----------------------------------------------------
MY_DATA_LOG_ROWS = 50


@login_required
def my_data(request: HttpRequest) -> HttpResponse:
    """What the academy holds about the officer, who saw it, and their requests."""
    user = request.user
    logs = privacy.access_logs_about(user=user)
    context = {
        "officer": OfficerProfile.objects.select_related("agency")
        .filter(user=user)
        .first(),
        "summary": privacy.personal_data_summary(user=user),
        "corrections": user.correction_requests.all(),
        "access_rows": [
            (log, privacy.viewer_label(log, user), privacy.action_label(log.action))
            for log in logs[:MY_DATA_LOG_ROWS]
        ],
        "access_total": logs.count(),
    }
    return render(request, "accounts/my_data.html", context)


@login_required
@require_POST
def my_data_download(request: HttpRequest) -> HttpResponse:
    user = request.user
    privacy.personal_data_access_record(
        user=user,
        action="my_data_download",
        description=f"Tải dữ liệu cá nhân của tài khoản #{user.pk}",
        subjects=[user],
    )
    data = privacy.personal_data_export(user=user)
    body = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="du-lieu-ca-nhan-{user.pk}-{stamp}.json"'
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def correction_request(request: HttpRequest) -> HttpResponse:
    form = CorrectionRequestForm(
        request.POST or None,
        user=request.user,
        initial={"field": request.GET.get("field", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            privacy.correction_request_create(user=request.user, **form.cleaned_data)
        except privacy.CorrectionRefused as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request,
                _("Đã gửi đề nghị đính chính. Sở KH&CN sẽ xử lý và trả lời tại đây."),
            )
            return redirect("accounts:my_data")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "accounts/correction_request.html", {"form": form}, status=status
    )
