from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from lms.accounts import privacy
from lms.accounts.models import (
    AgencyMembership,
    ConsentRecord,
    CorrectionRequest,
    OfficerProfile,
    User,
)


class _AccessLoggedAdmin(admin.ModelAdmin):
    """Opening someone's record or a page of the list is a read of personal data,
    logged with whose data it was (Law 91/2025)."""

    view_action = "admin_user_view"
    list_action = "admin_user_list"

    def subject_of(self, obj: Any) -> User:
        return obj

    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict | None = None,
    ) -> HttpResponse:
        response = super().changeform_view(request, object_id, form_url, extra_context)
        obj = (getattr(response, "context_data", None) or {}).get("original")
        if request.method == "GET" and obj is not None:
            privacy.personal_data_access_record(
                user=request.user,
                action=self.view_action,
                description=f"{self.model._meta.verbose_name} #{obj.pk} (quản trị)",
                subjects=[self.subject_of(obj)],
            )
        return response

    def changelist_view(
        self, request: HttpRequest, extra_context: dict | None = None
    ) -> HttpResponse:
        response = super().changelist_view(request, extra_context)
        changelist = (getattr(response, "context_data", None) or {}).get("cl")
        if changelist is not None:
            privacy.personal_data_access_record(
                user=request.user,
                action=self.list_action,
                description=(
                    f"Danh sách {self.model._meta.verbose_name_plural} (quản trị, "
                    f"{request.get_full_path()[:300]})"
                ),
                subjects=[self.subject_of(obj) for obj in changelist.result_list],
            )
        return response


@admin.register(User)
class UserAdmin(_AccessLoggedAdmin, BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Học viện", {"fields": ("full_name",)}))
    list_display = ["username", "full_name", "email", "is_staff"]
    search_fields = ["username", "full_name", "email"]


@admin.register(OfficerProfile)
class OfficerProfileAdmin(_AccessLoggedAdmin, admin.ModelAdmin):
    list_display = ["user", "agency", "position", "is_data_focal_point"]
    list_filter = ["is_data_focal_point", "agency__kind"]
    raw_id_fields = ["user", "agency"]
    list_select_related = ["user", "agency"]

    def subject_of(self, obj: OfficerProfile) -> User:
        return obj.user


admin.site.register(ConsentRecord)
admin.site.register(AgencyMembership)


class CorrectionHandleForm(forms.ModelForm):
    class Meta:
        model = CorrectionRequest
        fields = ["status", "response"]

    def clean_status(self) -> str:
        status = self.cleaned_data["status"]
        if status == CorrectionRequest.Status.OPEN:
            raise forms.ValidationError(
                _("Chọn “Đã đính chính” hoặc “Không đính chính” để xử lý đề nghị.")
            )
        saved = CorrectionRequest.objects.get(pk=self.instance.pk)
        try:
            privacy.correction_check(correction=saved, status=status)
        except privacy.CorrectionRefused as exc:
            raise forms.ValidationError(str(exc)) from exc
        return status


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(_AccessLoggedAdmin, admin.ModelAdmin):
    """DOST answers a request here. Marking it done applies a corrected name,
    e-mail or position at once (`privacy.correction_request_handle`)."""

    form = CorrectionHandleForm
    view_action = list_action = "correction_request_view"
    list_display = ["created_at", "user", "field", "requested_value", "status"]
    list_filter = ["status", "field"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__full_name"]
    date_hierarchy = "created_at"
    readonly_fields = [
        "user",
        "field",
        "current_value",
        "requested_value",
        "note",
        "created_at",
        "handled_by",
        "handled_at",
    ]
    fields = [*readonly_fields[:6], "status", "response", "handled_by", "handled_at"]

    def subject_of(self, obj: CorrectionRequest) -> User:
        return obj.user

    def get_readonly_fields(
        self, request: HttpRequest, obj: CorrectionRequest | None = None
    ) -> list[str]:
        if obj is not None and not obj.is_open:
            return [*self.readonly_fields, "status", "response"]
        return list(self.readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # officers ask from their own data page

    def has_delete_permission(
        self, request: HttpRequest, obj: CorrectionRequest | None = None
    ) -> bool:
        return False  # the retention job removes handled requests

    def save_model(
        self,
        request: HttpRequest,
        obj: CorrectionRequest,
        form: forms.ModelForm,
        change: bool,
    ) -> None:
        try:
            privacy.correction_request_handle(
                correction=obj,
                status=form.cleaned_data["status"],
                response=form.cleaned_data.get("response", ""),
                by=request.user,
            )
        except privacy.CorrectionRefused as exc:
            messages.error(request, str(exc))
