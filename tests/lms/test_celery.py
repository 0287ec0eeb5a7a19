import pytest

from lms.tasks import ping


@pytest.mark.worker
def test_a_task_round_trips_through_the_real_broker_and_worker(celery_worker_process):
    result = ping.delay("xin chào")
    assert result.get(timeout=60) == "pong:xin chào"


def test_the_celery_app_uses_the_configured_broker(settings):
    from lms.celery import app

    assert app.conf.broker_url == settings.CELERY_BROKER_URL
    assert not app.conf.task_always_eager
