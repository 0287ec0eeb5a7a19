from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from lms.accounts.forms import ConsentForm, ProfileForm
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
