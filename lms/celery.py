"""The Celery app. Imported by lms/__init__.py so that every shared_task binds to it.

Without that import, `shared_task.delay()` uses Celery's default app, whose broker is
amqp://localhost, and fails with "Connection refused" even with a worker running.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lms.settings")

app = Celery("lms")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
