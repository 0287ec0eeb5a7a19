"""Labs in the Wagtail admin: the Lab snippet (listing shows the current bundle
version and its validation status) and a "Tải lên gói bài thực hành" form that
imports a zip as a new, validated version."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.admin.widgets.button import HeaderButton
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import IndexView, SnippetViewSet

from labs import services
from labs.forms import BundleUploadForm
from labs.models import Lab, LabBundleVersion

UPLOAD_PERMISSION = "labs.add_labbundleversion"


def _version_label(lab: Lab) -> str:
    version = lab.current_version
    return f"v{version.version}" if version else "—"


def _latest_status(lab: Lab) -> str:
    """The newest upload's outcome, so a refused fix is visible in the listing."""
    latest = lab.versions.order_by("-version").first()
    if latest is None:
        return _("Chưa có gói")
    if latest.is_valid:
        return _("v%(n)d hợp lệ") % {"n": latest.version}
    return _("v%(n)d bị từ chối: %(reason)s") % {
        "n": latest.version,
        "reason": latest.refusal_reason,
    }


class LabIndexView(IndexView):
    @cached_property
    def header_buttons(self) -> list:
        buttons = list(super().header_buttons)
        if self.request.user.has_perm(UPLOAD_PERMISSION):
            buttons.append(
                HeaderButton(
                    _("Tải lên gói bài thực hành"),
                    url=reverse("labs_bundle_upload"),
                    icon_name="upload",
                )
            )
        return buttons


class LabViewSet(SnippetViewSet):
    model = Lab
    icon = "code"
    menu_label = gettext_lazy("Bài thực hành")
    menu_order = 300
    add_to_admin_menu = True
    index_view_class = LabIndexView
    list_display = [
        "title",
        "slug",
        Column(
            "current_version",
            label=gettext_lazy("Phiên bản hiện hành"),
            accessor=_version_label,
        ),
        Column(
            "validation",
            label=gettext_lazy("Kiểm tra gói mới nhất"),
            accessor=_latest_status,
        ),
    ]
    search_fields = ["title", "slug"]
    inspect_view_enabled = True
    panels = [FieldPanel("title"), FieldPanel("slug"), FieldPanel("summary")]

    def get_queryset(self, request: HttpRequest):  # noqa: ANN201
        return Lab.objects.select_related("current_version")


register_snippet(LabViewSet)


def bundle_upload(request: HttpRequest) -> HttpResponse:
    if not request.user.has_perm(UPLOAD_PERMISSION):
        raise PermissionDenied
    form = BundleUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.bundle_import(
                zip_bytes=form.cleaned_data["bundle"], user=request.user
            )
        except services.BundleRefused as exc:
            form.add_error("bundle", str(exc))
        else:
            return _upload_done(request, version)
    return TemplateResponse(
        request,
        "labs/admin/bundle_upload.html",
        {
            "form": form,
            "page_title": _("Tải lên gói bài thực hành"),
            "header_icon": "upload",
            "action_url": reverse("labs_bundle_upload"),
            "submit_button_label": _("Tải lên và kiểm tra"),
            "submit_button_active_label": _("Đang chấm lời giải và notebook khởi đầu…"),
            "breadcrumbs_items": [
                {"url": reverse_lazy("wagtailadmin_home"), "label": _("Trang chủ")},
                {
                    "url": reverse("wagtailsnippets_labs_lab:list"),
                    "label": _("Bài thực hành"),
                },
                {"url": "", "label": _("Tải lên gói")},
            ],
        },
        status=400 if request.method == "POST" else 200,
    )


def _upload_done(request: HttpRequest, version: LabBundleVersion) -> HttpResponse:
    report = version.report
    scores = _("lời giải %(sol)s, notebook khởi đầu %(start)s") % {
        "sol": _score(report.get("solution")),
        "start": _score(report.get("starter")),
    }
    if version.is_valid:
        messages.success(
            request,
            _(
                "Đã nhận “%(lab)s” phiên bản %(v)d (%(scores)s). Phiên bản này đang được dùng."
            )
            % {"lab": version.lab.title, "v": version.version, "scores": scores},
        )
    else:
        messages.error(
            request,
            _("Gói “%(lab)s” phiên bản %(v)d bị từ chối: %(reason)s (%(scores)s).")
            % {
                "lab": version.lab.slug,
                "v": version.version,
                "reason": version.refusal_reason,
                "scores": scores,
            },
        )
    return redirect("wagtailsnippets_labs_lab:list")


def _score(part: dict | None) -> str:
    if not part:
        return "—"
    return f"{part.get('score', 0):g}/{part.get('max_score', 0):g}"


@hooks.register("register_admin_urls")
def register_admin_urls() -> list:
    return [path("labs/tai-len-goi/", bundle_upload, name="labs_bundle_upload")]
