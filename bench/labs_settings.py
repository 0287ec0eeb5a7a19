"""Settings for bench/labs.py: the real settings plus the JupyterHub URL seams."""

from lms.settings import *  # noqa: F403

# tests.hub.urls adds /api/me/ and the hub buttons when lms/urls.py and
# labs/urls.py do not include them yet; otherwise it is the project's URLconf.
ROOT_URLCONF = "tests.hub.urls"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
# Dozens of logins from 127.0.0.1 within a minute are the benchmark, not an attack.
ACCOUNT_RATE_LIMITS = False
