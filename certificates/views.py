"""Certificate views: the public verify pages, the holder's list, the registers, and
DOST's issue / revoke / re-issue pages.

Public views are rate-limited per IP (the cache is shared by every process).
Another agency's register is "not found" (404); a page of a function the role does
not have answers 403. Both refusals are logged (lms/security.py).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from certificates import exports, selectors, services
from certificates.forms import (
    MAX_CHECK_BYTES,
    BatchUploadForm,
    ManualIssueForm,
    PdfCheckForm,
    RegisterFilterForm,
    ReissueForm,
    RevokeForm,
    SerialLookupForm,
    achievement_parse,
)
from certificates.imports import BatchInvalid, batch_create
from certificates.models import Certificate, CertificateBatch
from certificates.openbadges import REVOCATION_LIST_TYPE, public_jwk
from lms.accounts.privacy import personal_data_access_record
from lms.agencies.models import Agency
from lms.pagecache import anonymous_cacheable
from lms.security import not_found

# --------------------------------------------------------------------------
# Public verification
# --------------------------------------------------------------------------


def _client_key(request: HttpRequest) -> str:
    # REMOTE_ADDR only: X-Forwarded-For is forgeable unless a trusted proxy sets
    # it (production: let nginx put the client address in REMOTE_ADDR).
    address = request.META.get("REMOTE_ADDR", "")
    return hashlib.sha256(address.encode()).hexdigest()[:32]


def verify_throttled(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """At most CERTIFICATE_VERIFY_RATE_LIMIT requests per minute per IP (0: off)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = getattr(settings, "CERTIFICATE_VERIFY_RATE_LIMIT", 60)
        if limit:
            key = f"cert-verify:{_client_key(request)}:{int(time.time() // 60)}"
            cache.add(key, 0, timeout=90)
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.set(key, 1, timeout=90)
                count = 1
            if count > limit:
                response = render(
                    request, "certificates/verify_throttled.html", status=429
                )
                response["Retry-After"] = "60"
                return response
        return view(request, *args, **kwargs)

    return wrapper


def _not_found(request: HttpRequest) -> HttpResponse:
    # The same page whatever was asked for: it must not hint whether a similar
    # code or serial exists.
    return render(request, "certificates/verify_not_found.html", status=404)


def _certificate_or_response(
    request: HttpRequest, code: str
) -> Certificate | HttpResponse:
    try:
        certificate = selectors.certificate_by_code(code=code)
    except selectors.MalformedCode:
        return render(request, "certificates/verify_invalid.html", status=404)
    return certificate if certificate is not None else _not_found(request)


@require_GET
@verify_throttled
def verify_lookup(request: HttpRequest) -> HttpResponse:
    """`/verify/?serial=BN-2026-000123` -> that certificate's page."""
    if "serial" not in request.GET:
        return render(
            request, "certificates/verify_lookup.html", {"form": SerialLookupForm()}
        )
    certificate = selectors.certificate_by_serial(serial=request.GET["serial"][:64])
    if certificate is None:
        return _not_found(request)
    return redirect("certificates:verify", code=certificate.code)


def _verify_page(
    request: HttpRequest, certificate: Certificate, **extra: Any
) -> HttpResponse:
    context = {
        "certificate": certificate,
        "verify_url": services.certificate_verify_url(certificate),
        "form": extra.pop("form", None) or PdfCheckForm(),
        "max_check_mb": MAX_CHECK_BYTES // (1024 * 1024),
        **extra,
    }
    response = render(request, "certificates/verify.html", context, status=200)
    response["X-Robots-Tag"] = "noindex"
    return response


@csrf_exempt  # an anonymous, read-only check: nothing to forge
@require_http_methods(["GET", "POST"])
@verify_throttled
def verify(request: HttpRequest, code: str) -> HttpResponse:
    found = _certificate_or_response(request, code)
    if isinstance(found, HttpResponse):
        return found
    if request.method != "POST":
        response = _verify_page(request, found)
        if not request.user.is_authenticated and found.pdf:
            # The same page for every anonymous verifier (employers scanning QR
            # codes): served from the page cache until a revocation or re-issue
            # retires it. Unknown codes still go through the view and its throttle.
            anonymous_cacheable(response)
        return response
    return _verify_check(request, found)


def _verify_check(request: HttpRequest, certificate: Certificate) -> HttpResponse:
    """Compare an uploaded PDF with the issued one; the upload is never stored."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_CHECK_BYTES + 64 * 1024:
        return _verify_page(
            request,
            certificate,
            upload_error=_("Tệp lớn hơn 2 MB, không thể là giấy chứng nhận."),
        )
    # Memory only: no temporary file on disk for an upload we do not keep.
    request.upload_handlers = [MemoryFileUploadHandler(request)]
    form = PdfCheckForm(request.POST, request.FILES)
    if not form.is_valid():
        return _verify_page(request, certificate, form=form)
    content = form.cleaned_data["file"].read()
    return _verify_page(
        request,
        certificate,
        form=form,
        checked=True,
        matches=services.certificate_pdf_matches(
            certificate=certificate, content=content
        ),
        uploaded_sha256=hashlib.sha256(content).hexdigest(),
    )


@require_GET
@verify_throttled
def verify_pdf(request: HttpRequest, code: str) -> HttpResponse:
    found = _certificate_or_response(request, code)
    if isinstance(found, HttpResponse):
        return found
    if not found.is_valid or not found.pdf:
        return render(
            request,
            "certificates/verify_no_pdf.html",
            {"certificate": found},
            status=404,
        )
    return FileResponse(
        found.pdf.open("rb"),
        as_attachment=True,
        filename=f"{found.serial}.pdf",
        content_type="application/pdf",
    )


@require_GET
@verify_throttled
def verify_openbadge(request: HttpRequest, code: str) -> HttpResponse:
    found = _certificate_or_response(request, code)
    if isinstance(found, HttpResponse):
        return found
    if not found.is_valid:
        return render(
            request,
            "certificates/verify_no_pdf.html",
            {"certificate": found},
            status=404,
        )
    token = services.certificate_credential_jwt(certificate=found)
    response = HttpResponse(token, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{found.serial}.jwt"'
    return response


@require_GET
@verify_throttled
def issuer_key(request: HttpRequest) -> JsonResponse:
    jwk = public_jwk(services.issuer_key(), kid=services.issuer_kid())
    response = JsonResponse(jwk)
    response["Cache-Control"] = "public, max-age=3600"
    return response


@require_GET
@verify_throttled
def issuer(request: HttpRequest) -> JsonResponse:
    profile = services.issuer_profile()
    return JsonResponse(
        {
            "@context": ["https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["Profile"],
            **profile,
        },
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@verify_throttled
def revocations(request: HttpRequest) -> JsonResponse:
    """The 1EdTech revocation list every issued credential points to."""
    revoked = [
        {
            "id": services.certificate_verify_url(certificate),
            "revocationReason": certificate.status_reason,
        }
        for certificate in selectors.revoked_certificates().only(
            "code", "status_reason"
        )
    ]
    response = JsonResponse(
        {
            "id": services.site_url(reverse("certificates:revocations")),
            "type": REVOCATION_LIST_TYPE,
            "issuer": services.issuer_profile()["id"],
            "revokedCredentials": revoked,
        },
        json_dumps_params={"ensure_ascii": False},
    )
    response["Cache-Control"] = "public, max-age=300"
    return response


# --------------------------------------------------------------------------
# The holder's certificates
# --------------------------------------------------------------------------


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    certificates = selectors.certificates_of_holder(user=request.user)
    rows = [
        (certificate, services.certificate_verify_url(certificate))
        for certificate in certificates
    ]
    return render(request, "certificates/mine.html", {"rows": rows})


# --------------------------------------------------------------------------
# Registers
# --------------------------------------------------------------------------


def _refuse(request: HttpRequest, what: str) -> Http404:
    """Another agency's register: "not found", logged (lms.security)."""
    return not_found(request, what)


def _forbid(what: str) -> PermissionDenied:
    """A function the role may not use: 403, logged by lms.security's middleware."""
    return PermissionDenied(what)


def _register_filters(
    form: RegisterFilterForm, agency: Agency | None
) -> selectors.RegisterFilter:
    data = form.cleaned_data if form.is_valid() else {}
    course, program = achievement_parse(data.get("achievement") or "")
    return selectors.RegisterFilter(
        agency=agency if agency is not None else data.get("agency"),
        course_id=course.pk if course else None,
        program_id=program.pk if program else None,
        status=data.get("status") or None,
        issued_from=data.get("issued_from"),
        issued_to=data.get("issued_to"),
        query=data.get("q") or "",
    )


def _register_export(
    certificates: QuerySet[Certificate], kind: str, name: str
) -> HttpResponse:
    stamp = timezone.localdate().isoformat()
    if kind == "xlsx":
        response = HttpResponse(
            exports.xlsx_bytes(exports.register_rows(certificates)),
            content_type=(
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            ),
        )
        response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.xlsx"'
        return response
    response = StreamingHttpResponse(
        exports.csv_lines(exports.register_rows(certificates)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.csv"'
    return response


def _register(
    request: HttpRequest, *, agency: Agency | None, template_context: dict[str, Any]
) -> HttpResponse:
    form = RegisterFilterForm(request.GET or None, with_agency=agency is None)
    certificates = selectors.certificates_register(
        filters=_register_filters(form, agency)
    )
    export = request.GET.get("export")
    if export in {"csv", "xlsx"}:
        name = f"giay-chung-nhan-{agency.code}" if agency else "giay-chung-nhan-tinh"
        personal_data_access_record(
            user=request.user,
            action=f"certificate_register_export_{export}",
            description=f"{name} ({request.get_full_path()[:300]})",
            **({"agency": agency} if agency else {"province": True}),
        )
        return _register_export(certificates, export, name)
    page = Paginator(certificates, 50).get_page(request.GET.get("page"))
    personal_data_access_record(
        user=request.user,
        action="certificate_register_view",
        description=f"Sổ giấy chứng nhận {agency.code if agency else 'toàn tỉnh'}, "
        f"trang {page.number}",
        subjects=[c.user_id for c in page if c.user_id],
    )
    query = request.GET.copy()
    query.pop("page", None)
    query.pop("export", None)
    return render(
        request,
        "certificates/register.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "agency": agency,
            **template_context,
        },
    )


@login_required
def agency_register_home(request: HttpRequest) -> HttpResponse:
    agency = selectors.agency_of(user=request.user)
    if agency is None or not request.user.has_perm("certificates.view_agency_register"):
        raise _forbid("agency register")
    return redirect("certificates:agency_register", agency_code=agency.code)


@login_required
def agency_register(request: HttpRequest, agency_code: str) -> HttpResponse:
    agency = _agency_for_register(request, agency_code)
    return _register(
        request,
        agency=agency,
        template_context={"heading": _("Sổ giấy chứng nhận: %s") % agency.name},
    )


def _agency_for_register(request: HttpRequest, agency_code: str) -> Agency:
    """The agency whose register the user may read; 404 (logged) otherwise."""
    user = request.user
    agency = Agency.objects.filter(code=agency_code[:32]).first()
    if agency is None:
        raise Http404()
    if user.has_perm("certificates.view_province_register"):
        return agency
    own = selectors.agency_of(user=user)
    if (
        not user.has_perm("certificates.view_agency_register")
        or own is None
        or own.pk != agency.pk
    ):
        raise _refuse(request, f"agency register:{agency.pk}")
    return agency


@login_required
def province_register(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("certificates.view_province_register"):
        raise _forbid("province register")
    return _register(
        request,
        agency=None,
        template_context={
            "heading": _("Sổ giấy chứng nhận toàn tỉnh"),
            "province": True,
        },
    )


# --------------------------------------------------------------------------
# DOST: manage, issue, batch
# --------------------------------------------------------------------------


def _certificate_for_manager(request: HttpRequest, code: str) -> Certificate:
    if not request.user.has_perm("certificates.revoke_certificate"):
        raise _forbid("certificate management")
    try:
        certificate = selectors.certificate_by_code(
            code=code, related=selectors.REGISTER_RELATED
        )
    except selectors.MalformedCode:
        certificate = None
    if certificate is None:
        raise Http404()
    return certificate


@login_required
def manage(request: HttpRequest, code: str) -> HttpResponse:
    certificate = _certificate_for_manager(request, code)
    if request.method == "GET" and certificate.user_id:
        personal_data_access_record(
            user=request.user,
            action="certificate_manage_view",
            description=f"Giấy chứng nhận {certificate.serial}",
            subjects=[certificate.user_id],
        )
    revoke_form = RevokeForm(request.POST if "revoke" in request.POST else None)
    reissue_form = ReissueForm(
        request.POST if "reissue" in request.POST else None,
        initial={"full_name": certificate.holder_name},
    )
    try:
        if revoke_form.is_bound and revoke_form.is_valid():
            services.certificate_revoke(
                certificate=certificate,
                reason=revoke_form.cleaned_data["reason"],
                by=request.user,
            )
            messages.success(request, _("Đã thu hồi giấy chứng nhận."))
            return redirect("certificates:manage", code=certificate.code)
        if reissue_form.is_bound and reissue_form.is_valid():
            new = services.certificate_reissue(
                certificate=certificate,
                full_name=reissue_form.cleaned_data["full_name"],
                by=request.user,
            )
            messages.success(request, _("Đã cấp lại giấy chứng nhận %s.") % new.serial)
            return redirect("certificates:manage", code=new.code)
    except services.CertificateError as exc:
        messages.error(request, str(exc))
    return render(
        request,
        "certificates/manage.html",
        {
            "certificate": certificate,
            "events": certificate.events.select_related("by"),
            "revoke_form": revoke_form,
            "reissue_form": reissue_form,
            "verify_url": services.certificate_verify_url(certificate),
        },
    )


@login_required
def issue(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("certificates.issue_certificate"):
        raise _forbid("manual issue")
    form = ManualIssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certificate = services.certificate_issue(
                user=data["user"],
                holder_name=data.get("full_name") or None,
                agency=data.get("agency"),
                course=data["course"],
                program=data["program"],
                issued_on=data["issued_on"],
                score=data.get("score"),
                by=request.user,
                source=Certificate.Source.MANUAL,
            )
        except services.CertificateError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(
                request, _("Đã cấp giấy chứng nhận %s.") % certificate.serial
            )
            return redirect("certificates:manage", code=certificate.code)
    return render(request, "certificates/issue.html", {"form": form})


@login_required
def batch_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm("certificates.issue_certificate"):
        raise _forbid("batch issue")
    form = BatchUploadForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            batch = batch_create(
                content=upload.read(), filename=upload.name, by=request.user
            )
        except BatchInvalid as exc:
            errors = exc.errors
        else:
            return redirect("certificates:batch", batch_id=batch.pk)
    recent = CertificateBatch.objects.order_by("-created_at")[:10]
    return render(
        request,
        "certificates/batch_upload.html",
        {"form": form, "errors": errors, "recent": recent},
    )


def _batch_for(request: HttpRequest, batch_id: int) -> CertificateBatch:
    if not request.user.has_perm("certificates.issue_certificate"):
        raise _forbid("batch")
    batch = CertificateBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        raise Http404()
    return batch


@login_required
def batch(request: HttpRequest, batch_id: int) -> HttpResponse:
    found = _batch_for(request, batch_id)
    return render(request, "certificates/batch.html", {"batch": found})


@login_required
def batch_status(request: HttpRequest, batch_id: int) -> JsonResponse:
    found = _batch_for(request, batch_id)
    return JsonResponse(
        {
            "status": found.status,
            "status_label": found.get_status_display(),
            "total": found.total,
            "issued": found.issued,
            "rendered": found.rendered,
            "percent": found.percent,
            "errors": found.errors,
        },
        json_dumps_params={"ensure_ascii": False},
    )
