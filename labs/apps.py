from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sweeper_schedule_ensure(sender: AppConfig, **kwargs: object) -> None:
    # The sweeper re-queues submissions a broker outage or a dead worker left
    # behind; production must have it without running seed_demo.
    from labs.services import sweeper_schedule_ensure

    sweeper_schedule_ensure()


class LabsConfig(AppConfig):
    name = "labs"
    label = "labs"
    verbose_name = "Bài thực hành"

    def ready(self) -> None:
        post_migrate.connect(
            _sweeper_schedule_ensure, sender=self, dispatch_uid="labs_sweeper_schedule"
        )
