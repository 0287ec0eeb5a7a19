from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from lms.accounts.models import AgencyMembership, ConsentRecord, OfficerProfile, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Học viện", {"fields": ("full_name",)}))
    list_display = ["username", "full_name", "email", "is_staff"]
    search_fields = ["username", "full_name", "email"]


@admin.register(OfficerProfile)
class OfficerProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "agency", "position", "is_data_focal_point"]
    list_filter = ["is_data_focal_point", "agency__kind"]
    raw_id_fields = ["user", "agency"]


admin.site.register(ConsentRecord)
admin.site.register(AgencyMembership)
