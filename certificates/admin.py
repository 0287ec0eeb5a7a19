"""Django admin: read-mostly views for support staff; changes go through services."""

from __future__ import annotations

from django.contrib import admin

from certificates.models import Certificate, CertificateBatch, CertificateEvent


class CertificateEventInline(admin.TabularInline):
    model = CertificateEvent
    extra = 0
    can_delete = False
    readonly_fields = ["action", "by", "at", "detail"]

    def has_add_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = [
        "serial",
        "holder_name",
        "agency_name",
        "title",
        "issued_on",
        "status",
    ]
    list_filter = ["status", "source", "year"]
    search_fields = ["serial", "holder_name", "code"]
    inlines = [CertificateEventInline]
    # Printed fields are snapshots: revoke or re-issue on the register pages.
    readonly_fields = [field.name for field in Certificate._meta.fields]

    def has_add_permission(self, request) -> bool:  # noqa: ANN001
        return False

    def has_delete_permission(self, request, obj=None) -> bool:  # noqa: ANN001
        return False


@admin.register(CertificateBatch)
class CertificateBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "created_by", "created_at", "status", "issued"]
    readonly_fields = [field.name for field in CertificateBatch._meta.fields]
