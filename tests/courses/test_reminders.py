import datetime

import pytest
from django.core import mail
from django.utils import timezone

from courses.models import Enrolment, ReminderSent
from courses.services import deadline_reminders_send


@pytest.fixture
def today():
    return timezone.localdate()


def _enrol(user, course, deadline):
    return Enrolment.objects.create(user=user, course=course, deadline=deadline)


@pytest.mark.parametrize(("days", "sent"), [(7, 1), (1, 1), (-3, 1), (3, 0), (8, 0)])
def test_reminders_go_7_and_1_days_before_and_when_overdue(
    learner, course, today, days, sent
):
    _enrol(learner, course, today + datetime.timedelta(days=days))
    assert deadline_reminders_send(today=today) == sent
    assert len(mail.outbox) == sent


def test_one_email_per_learner_per_day(learner, course, second_course, today):
    _enrol(learner, course, today + datetime.timedelta(days=7))
    _enrol(learner, second_course, today - datetime.timedelta(days=1))
    assert deadline_reminders_send(today=today) == 1
    assert deadline_reminders_send(today=today) == 0
    assert len(mail.outbox) == 1
    assert (
        course.title in mail.outbox[0].body
        and second_course.title in mail.outbox[0].body
    )
    assert ReminderSent.objects.filter(user=learner, date=today).count() == 1


def test_completed_enrolments_get_no_reminder(learner, course, today):
    e = _enrol(learner, course, today + datetime.timedelta(days=1))
    e.completed_at = timezone.now()
    e.save()
    assert deadline_reminders_send(today=today) == 0


def test_the_daily_job_is_scheduled(db):
    from django_celery_beat.models import PeriodicTask

    from courses.schedules import schedules_ensure

    schedules_ensure()
    task = PeriodicTask.objects.get(task="courses.deadline_reminders_send")
    assert task.crontab.hour == "7"
