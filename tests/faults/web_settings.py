"""Settings for the gunicorn the fault tests start: production settings (DEBUG off,
so Django's real error handlers answer) with static file URLs that need no
`collectstatic` run first (~20 s). Nothing else differs from lms.settings."""

from lms.settings import *  # noqa: F403
from lms.settings import STORAGES

STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
