"""Scheduled publishing and moderation of course content in Wagtail."""

from __future__ import annotations

import datetime
import time

import pytest
from django.utils import timezone

from courses import services
from courses.models import CoursePage


@pytest.fixture
def teacher(instructor, programs):
    services.program_instructor_assign(program=programs["P1"], user=instructor)
    return instructor


def test_a_revision_scheduled_in_the_past_goes_live_when_beat_runs_the_job(
    programs,
):
    from courses.tasks import publish_scheduled

    soon = timezone.now() + datetime.timedelta(seconds=1)
    course = programs["P1"].add_child(
        instance=CoursePage(
            title="Khóa hẹn giờ", slug="hen-gio", live=False, go_live_at=soon
        )
    )
    course.save_revision().publish()  # with a go-live date this only schedules it
    course.refresh_from_db()
    assert not course.live
    while timezone.now() <= soon:
        time.sleep(0.1)

    publish_scheduled()

    course.refresh_from_db()
    assert course.live


def test_scheduled_publishing_runs_every_minute(db):
    from django_celery_beat.models import PeriodicTask

    from courses.schedules import schedules_ensure

    schedules_ensure()
    task = PeriodicTask.objects.get(task="courses.publish_scheduled")
    assert (task.interval.every, task.interval.period) == (60, "seconds")


def test_an_instructor_submits_a_change_for_review_and_dost_approves_it(
    teacher, dost_admin, programs
):
    course = programs["P1"].add_child(
        instance=CoursePage(title="Khóa chờ duyệt", slug="cho-duyet")
    )
    assert course.permissions_for_user(teacher).can_submit_for_moderation()
    course.title = "Khóa chờ duyệt (sửa)"
    course.save_revision(user=teacher)
    workflow = course.get_workflow()
    assert workflow.name == services.MODERATION_WORKFLOW

    state = workflow.start(course, teacher)
    task_state = state.current_task_state
    actions = [
        name for name, _label, _modal in task_state.task.get_actions(course, dost_admin)
    ]
    assert "approve" in actions
    assert task_state.task.get_actions(course, teacher) == []

    task_state.task.on_action(task_state, dost_admin, "approve")

    course.refresh_from_db()
    assert course.title == "Khóa chờ duyệt (sửa)"
    assert course.live
