from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "certificates"
    label = "certificates"
    verbose_name = "Giấy chứng nhận"

    def ready(self) -> None:
        from certificates import receivers  # noqa: F401 - connects the signals
