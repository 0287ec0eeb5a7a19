from django.apps import AppConfig


class LmsConfig(AppConfig):
    name = "lms"
    verbose_name = "Học viện Dữ liệu"

    def ready(self) -> None:
        from lms.pagecache import signals_connect

        signals_connect()
