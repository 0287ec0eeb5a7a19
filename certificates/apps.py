from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    label = "certificates"
    verbose_name = "Giấy chứng nhận"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from certificates import receivers  # noqa: F401 - connects the signals
        from certificates.sweeper import schedule_ensure

        post_migrate.connect(
            schedule_ensure, sender=self, dispatch_uid="certificates_sweep_schedule"
        )
