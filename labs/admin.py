from django.contrib import admin

from labs.models import Lab, LabBundleVersion, RegradeRun, Submission


@admin.register(Lab)
class LabAdmin(admin.ModelAdmin):
    list_display = ["slug", "title", "current_version"]
    search_fields = ["slug", "title"]
    raw_id_fields = ["current_version"]


@admin.register(LabBundleVersion)
class LabBundleVersionAdmin(admin.ModelAdmin):
    list_display = ["lab", "version", "status", "sha256", "created_by", "created_at"]
    list_filter = ["status", "lab"]
    readonly_fields = ["sha256", "manifest", "report", "created_at"]
    raw_id_fields = ["lab", "created_by"]


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "lab",
        "user",
        "status",
        "score",
        "max_score",
        "attempts",
        "created_at",
        "graded_at",
    ]
    list_filter = ["status", "source", "lab"]
    search_fields = ["user__username", "user__full_name", "sha256", "task_id"]
    raw_id_fields = ["user", "lab", "bundle_version", "regrade_run"]
    readonly_fields = [
        "sha256",
        "result",
        "task_id",
        "created_at",
        "queued_at",
        "enqueued_at",
        "started_at",
        "graded_at",
    ]


@admin.register(RegradeRun)
class RegradeRunAdmin(admin.ModelAdmin):
    list_display = ["lab", "bundle_version", "total", "created_by", "created_at"]
    raw_id_fields = ["lab", "bundle_version", "created_by"]
