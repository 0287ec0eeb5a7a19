"""Dashboards, roster import, targets, monthly reports, exports.

DOST admins (`tracking.view_province_dashboard`) see every agency; an agency
manager (`accounts.view_agency_officers`) sees only their own. Any other agency's
URL is "not found" for them; a page of a function their role does not have answers
403. Both refusals are logged to `lms.security` (lms/security.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from courses.models import ProgramPage
from lms.accounts import selectors as accounts_selectors
from lms.accounts import services as accounts_services
from lms.accounts.forms import SignupRejectForm
from lms.accounts.models import OfficerProfile, SignupRequest, User
from lms.accounts.privacy import personal_data_access_record
from lms.agencies.models import Agency
from lms.security import not_found
from lms.tracking import (
    dashboard,
    exports,
    learning,
    reports,
    rosters,
    selectors,
    services,
)
from lms.tracking.forms import (
    ApiTokenForm,
    AssignForm,
    MonthForm,
    RosterUploadForm,
    TargetForm,
)
from lms.tracking.models import ApiToken, MonthlyReport, RosterImport, Target

logger = logging.getLogger(__name__)

PROVINCE = "tracking.view_province_dashboard"
AGENCY = "accounts.view_agency_officers"
ROSTER = "accounts.manage_agency_roster"
REPORTS = "tracking.manage_monthly_report"


def _not_found(request: HttpRequest, what: str) -> Http404:
    """Another agency's object: "not found", logged (lms.security)."""
    return not_found(request, what)


def _own_agency(user: User) -> Agency | None:
    profile = OfficerProfile.objects.select_related("agency").filter(user=user).first()
    return profile.agency if profile else None


def _agency_for_user(request: HttpRequest, agency_id: int) -> Agency:
    """The agency if the user may see it; otherwise 404 (and a security log line)."""
    if request.user.has_perm(PROVINCE):
        return get_object_or_404(Agency, pk=agency_id)
    own = _own_agency(request.user) if request.user.has_perm(AGENCY) else None
    if own is None or own.pk != agency_id:
        raise _not_found(request, f"agency:{agency_id}")
    return own


def _require(request: HttpRequest, perm: str) -> None:
    """A function the role may not use: 403, logged by lms.security's middleware."""
    if not request.user.has_perm(perm):
        raise PermissionDenied(f"perm:{perm}")


# --- Dashboards ---------------------------------------------------------------------
@login_required
def province_dashboard(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(PROVINCE):
        own = _own_agency(request.user) if request.user.has_perm(AGENCY) else None
        if own is None:
            raise PermissionDenied(f"perm:{PROVINCE}")
        return redirect("tracking:agency_dashboard", agency_id=own.pk)
    kind = request.GET.get("kind") or None
    if kind and kind not in Agency.Kind.values:
        kind = None
    program_id = _int(request.GET.get("program"))
    sort = dashboard.sort_clean(request.GET.get("sort", "name"))
    programs = list(ProgramPage.objects.order_by("code").values("id", "code", "title"))
    today = timezone.localdate()
    parts = dashboard.province_parts(
        kind=kind,
        program_id=program_id,
        sort=sort,
        today=today,
        # An unknown program id is answered, but not kept: no cache entry per guess.
        cacheable=program_id is None or program_id in {p["id"] for p in programs},
    )
    return render(
        request,
        "tracking/province_dashboard.html",
        {
            "parts": parts,
            "as_of": today.isoformat(),
            "sort": sort,
            "kind": kind or "",
            "program_id": program_id,
            "kinds": Agency.Kind.choices,
            "programs": programs,
            "query": request.GET.urlencode(),
        },
    )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


@login_required
def agency_dashboard(request: HttpRequest, agency_id: int) -> HttpResponse:
    agency = _agency_for_user(request, agency_id)
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(
        selectors.agency_officers(agency=agency, search=search), 50
    ).get_page(request.GET.get("page"))
    personal_data_access_record(
        user=request.user,
        action="agency_officers_view",
        description=f"Danh sách cán bộ {agency.code}, trang {page.number}",
        agency=agency,
    )
    return render(
        request,
        "tracking/agency_dashboard.html",
        {
            "agency": agency,
            "row": selectors.agency_row(agency=agency),
            "programs": selectors.agency_program_rows(agency=agency),
            "page": page,
            "search": search,
            "is_province": request.user.has_perm(PROVINCE),
            "signups_pending": accounts_selectors.signup_request_pending_count(
                agency=agency
            ),
        },
    )


@login_required
def officer_detail(request: HttpRequest, agency_id: int, user_id: int) -> HttpResponse:
    agency = _agency_for_user(request, agency_id)
    profile = (
        OfficerProfile.objects.select_related("user")
        .filter(agency=agency, user_id=user_id)
        .first()
    )
    if profile is None:
        raise _not_found(request, f"officer:{user_id}")
    personal_data_access_record(
        user=request.user,
        action="officer_view",
        description=f"Xem tiến độ cán bộ {profile.user.username} ({agency.code})",
        subjects=[profile.user],
    )
    return render(
        request,
        "tracking/officer_detail.html",
        {
            "agency": agency,
            "profile": profile,
            "requirements": selectors.officer_requirements(user=profile.user),
            "courses": learning.officer_course_progress(user=profile.user),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_POST
def reminders_send(request: HttpRequest, agency_id: int) -> HttpResponse:
    from lms.tracking.tasks import overdue_reminders_send

    agency = _agency_for_user(request, agency_id)
    n = len(services.overdue_officers(agency=agency))
    # Why a task: an agency may have hundreds of overdue officers and SMTP is slow.
    # Outside a transaction on_commit runs at once, so `queued` tells the manager
    # whether the broker took the job.
    queued: list[bool] = []

    def enqueue() -> None:
        try:
            overdue_reminders_send.delay(agency.pk, request.user.pk)
            queued.append(True)
        except Exception:
            logger.exception("overdue reminders for %s not queued", agency.code)
            queued.append(False)

    transaction.on_commit(enqueue)
    if queued == [False]:
        messages.error(
            request,
            _(
                "Chưa gửi được nhắc nhở vì hàng đợi công việc tạm thời không hoạt "
                "động; hãy thử lại sau ít phút."
            ),
        )
        return redirect("tracking:agency_dashboard", agency_id=agency.pk)
    messages.success(
        request,
        _(
            "Đang gửi nhắc nhở tới %(n)s cán bộ quá hạn (mỗi người nhiều nhất "
            "một email mỗi ngày)."
        )
        % {"n": n},
    )
    return redirect("tracking:agency_dashboard", agency_id=agency.pk)


@login_required
def assign(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Giao khóa học: assign a course or program with a deadline to officers."""
    from courses.services import CourseError

    agency = _agency_for_user(request, agency_id)
    form = AssignForm(request.POST or None, agency=agency)
    if request.method == "POST" and form.is_valid():
        users = form.users()
        if not users:
            form.add_error(None, _("Đơn vị không có cán bộ nào phù hợp để giao."))
        else:
            try:
                enrolments = services.assignments_create(
                    users=users,
                    deadline=form.cleaned_data["deadline"],
                    by=request.user,
                    **form.target(),
                )
            except CourseError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(
                    request,
                    _("Đã giao %(n)s lượt học cho %(people)s cán bộ.")
                    % {"n": len(enrolments), "people": len(users)},
                )
                return redirect("tracking:agency_dashboard", agency_id=agency.pk)
    return render(request, "tracking/assign.html", {"agency": agency, "form": form})


# --- Self sign-up requests ---------------------------------------------------------
def _signup_for_agency(
    request: HttpRequest, agency: Agency, request_id: int
) -> SignupRequest:
    """A sign-up request made for `agency`; any other is "not found" (logged)."""
    signup = accounts_selectors.signup_request_of(agency=agency, request_id=request_id)
    if signup is None:
        raise _not_found(request, f"signup:{request_id}")
    return signup


@login_required
def signup_requests(request: HttpRequest, agency_id: int) -> HttpResponse:
    """Officers who signed up choosing this agency, waiting for its manager."""
    agency = _agency_for_user(request, agency_id)
    _require(request, ROSTER)
    pending = list(accounts_selectors.signup_requests_pending(agency=agency))
    if pending:
        personal_data_access_record(
            user=request.user,
            action="signup_requests_view",
            description=f"Yêu cầu đăng ký chờ phê duyệt của {agency.code}",
            subjects=[s.user_id for s in pending],
        )
    return render(
        request,
        "tracking/signup_requests.html",
        {"agency": agency, "pending": pending},
    )


@login_required
@require_POST
def signup_request_approve(
    request: HttpRequest, agency_id: int, request_id: int
) -> HttpResponse:
    agency = _agency_for_user(request, agency_id)
    _require(request, ROSTER)
    signup = _signup_for_agency(request, agency, request_id)
    try:
        user = accounts_services.signup_request_approve(signup=signup, by=request.user)
    except accounts_services.SignupDecisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Đã phê duyệt tài khoản của %(name)s.") % {"name": user.get_full_name()},
        )
    return redirect("tracking:signup_requests", agency_id=agency.pk)


@login_required
@require_POST
def signup_request_reject(
    request: HttpRequest, agency_id: int, request_id: int
) -> HttpResponse:
    agency = _agency_for_user(request, agency_id)
    _require(request, ROSTER)
    signup = _signup_for_agency(request, agency, request_id)
    form = SignupRejectForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["reason"]))
        return redirect("tracking:signup_requests", agency_id=agency.pk)
    try:
        accounts_services.signup_request_reject(
            signup=signup, by=request.user, reason=form.cleaned_data["reason"]
        )
    except accounts_services.SignupDecisionRefused as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request, _("Đã từ chối yêu cầu đăng ký và báo cho người đăng ký.")
        )
    return redirect("tracking:signup_requests", agency_id=agency.pk)


# --- Exports ------------------------------------------------------------------------
@login_required
def export(request: HttpRequest, table: str, fmt: str) -> HttpResponse:
    agency_id = _int(request.GET.get("agency"))
    scope: dict = {}  # whose personal data the export holds (none for agency figures)
    if table == "don-vi":
        _require(request, PROVINCE)
        kind = request.GET.get("kind") or None
        data = exports.agencies_table(
            kind=kind if kind in Agency.Kind.values else None,
            program_id=_int(request.GET.get("program")),
        )
    elif table == "can-bo":
        agency = _agency_for_user(request, agency_id) if agency_id else None
        if agency is None:
            _require(request, PROVINCE)
        data = exports.officers_table(agency=agency)
        scope = {"agency": agency} if agency else {"province": True}
    elif table == "qua-han":
        agency = _agency_for_user(request, agency_id) if agency_id else None
        if agency is None:
            _require(request, PROVINCE)
        data = exports.overdue_table(agency=agency)
        scope = {"agency": agency} if agency else {"province": True}
    else:
        raise Http404()
    personal_data_access_record(
        user=request.user,
        action=f"export_{fmt}",
        description=f"{data.title} ({request.get_full_path()})",
        **scope,
    )
    return exports.csv_response(data) if fmt == "csv" else exports.xlsx_response(data)


# --- Rosters ------------------------------------------------------------------------
@login_required
def roster_upload(request: HttpRequest) -> HttpResponse:
    _require(request, ROSTER)
    any_agency = request.user.has_perm("accounts.view_province_officers")
    own = _own_agency(request.user)
    if not any_agency and own is None:
        raise _not_found(request, "roster:no-agency")
    form = RosterUploadForm(
        request.POST or None, request.FILES or None, any_agency=any_agency
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        roster_import = RosterImport.objects.create(
            agency=form.cleaned_data.get("agency") or own,
            uploaded_by=request.user,
            file=upload,
            original_name=Path(upload.name).name[:255],
            send_invitations=form.cleaned_data["send_invitations"],
        )
        _enqueue_roster(roster_import, commit=False)
        return redirect("tracking:roster_status", import_id=roster_import.pk)
    return render(
        request,
        "tracking/roster_upload.html",
        {
            "form": form,
            "imports": selectors.roster_imports_for(agency=None if any_agency else own)[
                :20
            ],
            "columns": rosters.COLUMNS,
            "max_rows": rosters.MAX_ROWS,
        },
    )


def _enqueue_roster(roster_import: RosterImport, *, commit: bool) -> None:
    from lms.tracking.tasks import roster_import_process

    transaction.on_commit(
        lambda: roster_import_process.delay(roster_import.pk, commit), robust=True
    )


def _roster_for_user(request: HttpRequest, import_id: int) -> RosterImport:
    _require(request, ROSTER)
    roster_import = get_object_or_404(
        RosterImport.objects.select_related("agency"), pk=import_id
    )
    if request.user.has_perm("accounts.view_province_officers"):
        return roster_import
    if roster_import.uploaded_by_id != request.user.pk:
        own = _own_agency(request.user)
        if own is None or own.pk != roster_import.agency_id:
            raise _not_found(request, f"roster:{import_id}")
    return roster_import


@login_required
def roster_status(request: HttpRequest, import_id: int) -> HttpResponse:
    roster_import = _roster_for_user(request, import_id)
    return render(
        request, "tracking/roster_status.html", {"roster_import": roster_import}
    )


@login_required
def roster_status_json(request: HttpRequest, import_id: int) -> JsonResponse:
    ri = _roster_for_user(request, import_id)
    processed = rosters.roster_progress(ri)
    return JsonResponse(
        {
            "status": ri.status,
            "status_label": ri.get_status_display(),
            "total_rows": ri.total_rows,
            "processed_rows": processed,
            "percent": min(100, round(100 * processed / ri.total_rows))
            if ri.total_rows
            else 0,
            "errors": len(ri.errors),
            "finished": ri.status
            in (ri.Status.INVALID, ri.Status.VALID, ri.Status.DONE, ri.Status.FAILED),
        }
    )


@login_required
@require_POST
def roster_confirm(request: HttpRequest, import_id: int) -> HttpResponse:
    roster_import = _roster_for_user(request, import_id)
    if roster_import.status != RosterImport.Status.VALID:
        messages.error(request, _("Chỉ xác nhận được tệp đã kiểm tra hợp lệ."))
    else:
        RosterImport.objects.filter(pk=roster_import.pk).update(
            status=RosterImport.Status.PENDING
        )
        _enqueue_roster(roster_import, commit=True)
    return redirect("tracking:roster_status", import_id=roster_import.pk)


@login_required
def roster_template(request: HttpRequest) -> HttpResponse:
    _require(request, ROSTER)
    response = HttpResponse(
        rosters.template_xlsx(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="mau-danh-sach-can-bo.xlsx"'
    return response


# --- Targets ------------------------------------------------------------------------
@login_required
def targets(request: HttpRequest) -> HttpResponse:
    _require(request, PROVINCE)
    form = TargetForm(request.POST or None)
    if request.method == "POST":
        _require(request, "tracking.add_target")
        if form.is_valid():
            target = services.target_create(
                created_by=request.user, **form.cleaned_data
            )
            messages.success(
                request,
                _("Đã giao chỉ tiêu “%(name)s” cho %(n)s cán bộ.")
                % {"name": target.name, "n": target.requirements.count()},
            )
            return redirect("tracking:targets")
    return render(
        request,
        "tracking/targets.html",
        {"form": form, "targets": selectors.targets_list()},
    )


@login_required
@require_POST
def target_deactivate(request: HttpRequest, target_id: int) -> HttpResponse:
    _require(request, "tracking.change_target")
    target = get_object_or_404(Target, pk=target_id)
    services.target_deactivate(target=target)
    messages.success(
        request, _("Đã ngừng áp dụng chỉ tiêu “%(name)s”.") % {"name": target.name}
    )
    return redirect("tracking:targets")


# --- Monthly reports ----------------------------------------------------------------
@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    _require(request, REPORTS)
    form = MonthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = reports.monthly_report_generate(month=form.cleaned_data["month"])
        except reports.ReportAlreadySent:
            messages.error(
                request, _("Báo cáo tháng này đã gửi nên không thể tạo lại.")
            )
        else:
            messages.success(
                request,
                _("Đã tạo bản nháp báo cáo tháng %(m)s.")
                % {"m": f"{report.month:%m/%Y}"},
            )
        return redirect("tracking:reports")
    return render(
        request,
        "tracking/report_list.html",
        {"form": form, "reports": selectors.monthly_reports()},
    )


@login_required
@require_POST
def report_send(request: HttpRequest, report_id: int) -> HttpResponse:
    _require(request, REPORTS)
    report = get_object_or_404(MonthlyReport, pk=report_id)
    try:
        reports.monthly_report_send(report=report, user=request.user)
        messages.success(
            request, _("Đã đánh dấu báo cáo là đã gửi; báo cáo được khóa.")
        )
    except reports.ReportAlreadySent:
        messages.error(request, _("Báo cáo đã gửi trước đó."))
    return redirect("tracking:reports")


@login_required
def report_download(request: HttpRequest, report_id: int, fmt: str) -> FileResponse:
    _require(request, REPORTS)
    report = get_object_or_404(MonthlyReport, pk=report_id)
    field = report.xlsx if fmt == "xlsx" else report.pdf
    if not field:
        raise Http404()
    services.access_log_record(
        user=request.user,
        action=f"report_download_{fmt}",
        description=f"Báo cáo tháng {report.month:%m/%Y}",
    )
    return FileResponse(
        field.open("rb"), as_attachment=True, filename=Path(field.name).name
    )


# --- API keys for the data-sharing platform -----------------------------------------
TOKENS = "tracking.add_apitoken"


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """List, create (the clear key is shown on this answer only) and revoke keys."""
    from lms.tracking.api import api_token_create

    _require(request, TOKENS)
    form = ApiTokenForm(request.POST or None)
    new_key = None
    if request.method == "POST" and form.is_valid():
        token, new_key = api_token_create(
            name=form.cleaned_data["name"], created_by=request.user
        )
        services.access_log_record(
            user=request.user,
            action="api_token_create",
            description=f"Tạo khóa API {token.prefix}… cho {token.name}",
        )
        form = ApiTokenForm()
    response = render(
        request,
        "tracking/api_tokens.html",
        {
            "form": form,
            "new_key": new_key,
            "tokens": ApiToken.objects.select_related("created_by").order_by(
                "revoked_at", "-created_at"
            ),
        },
    )
    # The clear key must not linger in a shared cache or the browser's history.
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    from lms.tracking.api import api_token_revoke as revoke

    _require(request, TOKENS)
    token = get_object_or_404(ApiToken, pk=token_id)
    revoke(token=token)
    services.access_log_record(
        user=request.user,
        action="api_token_revoke",
        description=f"Thu hồi khóa API {token.prefix}… của {token.name}",
    )
    messages.success(request, _("Đã thu hồi khóa của %(name)s.") % {"name": token.name})
    return redirect("tracking:api_tokens")
