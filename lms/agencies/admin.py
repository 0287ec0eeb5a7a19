from django.contrib import admin

from lms.agencies.models import Agency, Commune, CommuneMerge


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "parent", "valid_to", "successor"]
    list_filter = ["kind"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent", "successor"]


@admin.register(Commune)
class CommuneAdmin(admin.ModelAdmin):
    list_display = ["code", "full_name", "kind"]
    search_fields = ["code", "name"]


@admin.register(CommuneMerge)
class CommuneMergeAdmin(admin.ModelAdmin):
    list_display = ["old_code", "old_full_name", "old_district", "new_commune"]
    search_fields = ["old_code", "old_full_name", "old_district"]
