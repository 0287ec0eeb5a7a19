from django.contrib import admin

from lms.tracking import services
from lms.tracking.models import AccessLog, ApiToken, MonthlyReport, RosterImport, Target


@admin.register(Target)
class TargetAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "agency_kind", "agency", "deadline", "is_active"]
    list_filter = ["is_active", "agency_kind"]

    def save_model(self, request, obj, form, change) -> None:  # noqa: ANN001
        super().save_model(request, obj, form, change)
        # A target added, switched on or off, or edited here must do what the
        # targets page does: its requirements and course deadlines follow.
        if change and "is_active" not in form.changed_data:
            if obj.is_active and set(form.changed_data) & set(Target.SCOPE_FIELDS):
                services.target_reapply(target=obj)
            return
        if obj.is_active:
            services.target_apply(target=obj)
        else:
            services.target_deactivate(target=obj)


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "agency", "status", "total_rows", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["errors"]


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ["month", "status", "generated_at", "sent_at"]
    readonly_fields = ["figures", "xlsx", "pdf", "generated_at", "sent_at", "sent_by"]


@admin.register(AccessLog)
class AccessLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "user", "action", "object_description"]
    list_filter = ["action"]

    def has_change_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["key_hash", "prefix", "last_used_at"]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        # Keys are made on /tong-quan/khoa-api/, which shows the clear key once; a
        # row added here would have no key at all.
        return False
