"""The sweeper catches up on certificates whose Celery message was lost."""

from __future__ import annotations

import datetime

from django.utils import timezone

from certificates.models import Certificate
from certificates.sweeper import GRACE, missing_certificates_issue, sweep
from courses.models import CourseCompletion
from tests.certificates.conftest import issue


def _completion(user, course, *, ago):
    return CourseCompletion.objects.create(
        user=user,
        course=course,
        completed_at=timezone.now() - ago,
        agency_id=user.profile.agency_id,
    )


def test_a_completion_left_without_a_certificate_gets_one(learner, course_page):
    _completion(learner, course_page, ago=GRACE + datetime.timedelta(minutes=1))

    assert missing_certificates_issue() == 1

    certificate = Certificate.objects.get(user=learner, course=course_page)
    assert certificate.status == Certificate.Status.VALID


def test_a_fresh_completion_is_left_to_its_own_task(learner, course_page):
    _completion(learner, course_page, ago=datetime.timedelta(seconds=10))

    assert missing_certificates_issue() == 0


def test_a_revoked_certificate_is_not_issued_again(learner, course_page, dost_admin):
    from certificates.services import certificate_revoke

    _completion(learner, course_page, ago=GRACE * 2)
    certificate_revoke(
        certificate=issue(learner, course_page), by=dost_admin, reason="Sai thông tin"
    )

    assert missing_certificates_issue() == 0
    assert Certificate.objects.filter(user=learner).count() == 1


def test_a_certificate_without_its_pdf_is_queued_for_rendering(
    learner, course_page, django_capture_on_commit_callbacks
):
    certificate = issue(learner, course_page)
    Certificate.objects.filter(pk=certificate.pk).update(
        created_at=timezone.now() - GRACE * 2
    )

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        result = sweep()

    assert result["renders"] == 1
    assert len(callbacks) == 1


def test_the_sweep_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    from certificates.sweeper import schedule_ensure

    schedule_ensure()
    assert PeriodicTask.objects.filter(task="certificates.sweep").exists()
