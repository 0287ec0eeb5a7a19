from django.core.management.base import BaseCommand

from lms.agencies.services import agencies_load


class Command(BaseCommand):
    help = "Load the province's agencies, the 99 communes and the 2025 merge table (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        report = agencies_load()
        self.stdout.write(
            self.style.SUCCESS(
                f"Agencies: {report.agencies_created} created, "
                f"{report.agencies_updated} updated; communes: {report.communes}; "
                f"merge rows: {report.merges}."
            )
        )
