import time

from allauth.mfa import app_settings
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from lms.demo import DEMO_TOTP_SECRET


class Command(BaseCommand):
    help = "Print the current sign-in code of the demo staff accounts (DEBUG only)."

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError(
                "demo_totp is for the local demo; it runs only with DEBUG=1."
            )
        period = app_settings.TOTP_PERIOD
        now = int(time.time())
        code = format_hotp_value(hotp_value(DEMO_TOTP_SECRET, now // period))
        self.stdout.write(
            f"{code}  (giangvien, sokhcn; valid for {period - now % period} more seconds)"
        )
