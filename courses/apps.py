from django.apps import AppConfig
from django.db.models.signals import post_migrate


class CoursesConfig(AppConfig):
    name = "courses"
    label = "courses"
    verbose_name = "Khóa học"

    def ready(self) -> None:
        from courses import receivers  # noqa: F401 - connects the signal receivers
        from courses.schedules import schedules_ensure_after_migrate

        post_migrate.connect(
            schedules_ensure_after_migrate,
            sender=self,
            dispatch_uid="courses_schedules_ensure",
        )
