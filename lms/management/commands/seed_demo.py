import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

# Each app may contribute demo content through a `demo.seed()` function; they run
# in this order because later content refers to earlier content
# (lessons embed labs, certificates need courses).
DEMO_MODULES = [
    "lms.demo",
    "labs.demo",
    "courses.demo",
    "certificates.demo",
    "lms.tracking.demo",
]


class Command(BaseCommand):
    help = (
        "Create demo agencies, users, pages, courses and labs (idempotent; DEBUG only)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Run even with DEBUG off (creates accounts with a published password).",
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo creates accounts with a public password; it runs only with "
                "DEBUG=1 (or --allow-production)."
            )
        for name in DEMO_MODULES:
            try:
                module = importlib.import_module(name)
            except ModuleNotFoundError as exc:
                if exc.name != name:
                    raise
                continue
            module.seed()
            self.stdout.write(f"  {name}: ok")
        self.stdout.write(self.style.SUCCESS("Demo content is ready."))
        if settings.MFA_REQUIRED_ROLES:
            from lms.demo import DEMO_TOTP_SECRET

            self.stdout.write(
                "  giangvien and sokhcn sign in with a second factor: add the secret "
                f"{DEMO_TOTP_SECRET} to an authenticator app, or run "
                "`manage.py demo_totp` for the current code."
            )
