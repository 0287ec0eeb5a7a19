"""Settings for bench/certificates.py: the real settings, verify throttle off."""

from lms.settings import *  # noqa: F403

CERTIFICATE_VERIFY_RATE_LIMIT = 0
ALLOWED_HOSTS = ["*"]
