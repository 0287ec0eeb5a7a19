from django.apps import AppConfig
from django.db.models.signals import post_migrate


class TrackingConfig(AppConfig):
    name = "lms.tracking"
    label = "tracking"
    verbose_name = "Theo dõi tiến độ"

    def ready(self) -> None:
        from lms.tracking import receivers  # noqa: F401 - connects the receivers
        from lms.tracking.schedules import schedules_ensure_after_migrate

        post_migrate.connect(
            schedules_ensure_after_migrate,
            sender=self,
            dispatch_uid="tracking_schedules_ensure",
        )
