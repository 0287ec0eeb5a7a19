"""Test settings: the real settings with speed-only changes.

Never eager Celery here: queue tests run a real worker against the real broker.
"""

import os

os.environ.setdefault("DEBUG", "1")

from lms.settings import *  # noqa: E402,F403
from lms.settings import DATA_DIR, DATABASES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # A file, not :memory:, so pytest --reuse-db skips Wagtail's ~200 migrations.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
from lms.settings import CACHES  # noqa: E402

CACHES["default"]["KEY_PREFIX"] = "academy-test"
if "filebased" in CACHES["default"]["BACKEND"]:
    CACHES["default"]["LOCATION"] = str(DATA_DIR / "test-cache")

from lms.settings import CELERY_BROKER_URL, embedded_dirs_ensure  # noqa: E402

if CELERY_BROKER_URL == "filesystem://":
    # Keep test messages away from a `make run` worker on the same checkout.
    _test_broker = DATA_DIR / "test-broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_test_broker / "queue"),
        "data_folder_out": str(_test_broker / "queue"),
        "control_folder": str(_test_broker / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{DATA_DIR / 'test-celery-results'}"
    embedded_dirs_ensure(
        CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"],
        CELERY_RESULT_BACKEND.removeprefix("file://"),
    )

# The test cache outlives each test's database rows: a page cached by one test must
# not answer another. tests/lms/test_pagecache.py turns it on where it is the subject.
PAGE_CACHE_SECONDS = 0
HEADER_CACHE_SECONDS = 0
COURSE_OUTLINE_CACHE_SECONDS = 0
