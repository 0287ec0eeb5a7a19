"""Overdue reminders from the agency page: one e-mail per officer listing every
overdue program and assigned course, at most once a day."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from courses.models import CoursePage
from lms.tracking.models import OverdueReminder, Requirement
from lms.tracking.services import overdue_reminders_send
from tests.tracking.conftest import (
    add_course,
    assign,
    in_days,
    let_deadlines_pass,
    make_officer,
)


class RefusingBackend(BaseEmailBackend):
    """An SMTP server that is down."""

    def send_messages(self, email_messages):
        raise ConnectionRefusedError("SMTP down")


def _course(program):
    return CoursePage.objects.child_of(program).first()


def test_one_email_lists_the_overdue_program_and_the_assigned_courses(
    commune, commune_manager, programs, target_factory
):
    user = make_officer(commune)
    target_factory("P1", deadline=in_days(5), position_contains="Công chức")
    Requirement.objects.update(deadline=in_days(-1))
    add_course(programs["P5"], "p5-02")
    assign(commune_manager, [user], program=programs["P5"])
    let_deadlines_pass(user)

    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 1

    (message,) = mail.outbox
    assert message.to == [user.email]
    assert "Quản trị dữ liệu cơ bản (P1)" in message.body
    assert "Khóa P5-01 (P5)" in message.body and "Khóa p5-02 (P5)" in message.body
    assert Requirement.objects.get(user=user).reminded_on is not None


def test_an_officer_late_only_on_an_assigned_course_is_reminded(
    client, commune, commune_manager, programs, django_capture_on_commit_callbacks
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user)
    client.force_login(commune_manager)

    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/tong-quan/don-vi/{commune.pk}/nhac-nho/", follow=True)
    assert "Đang gửi nhắc nhở tới 1 cán bộ quá hạn" in response.content.decode()

    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 1
    assert mail.outbox[0].to == [user.email]
    assert "Khóa P5-01 (P5)" in mail.outbox[0].body


def test_at_most_one_email_a_day_even_when_more_becomes_overdue(
    commune, commune_manager, programs
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user)
    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 1

    assign(commune_manager, [user], course=_course(programs["P1"]))
    let_deadlines_pass(user)

    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 0
    assert len(mail.outbox) == 1
    assert OverdueReminder.objects.get().user == user


def test_a_failed_send_leaves_the_officer_for_the_retry(
    commune, commune_manager, programs, settings
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user)
    settings.EMAIL_BACKEND = f"{__name__}.RefusingBackend"

    with pytest.raises(ConnectionRefusedError):
        overdue_reminders_send(agency=commune, sent_by=commune_manager)
    assert not OverdueReminder.objects.exists()

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 1
    assert [m.to for m in mail.outbox] == [[user.email]]


def test_officers_on_time_or_without_an_email_get_nothing(
    commune, commune_manager, programs
):
    no_email = make_officer(commune, email="")
    on_time = make_officer(commune)
    assign(commune_manager, [no_email], course=_course(programs["P5"]))
    let_deadlines_pass(no_email)
    assign(commune_manager, [on_time], course=_course(programs["P5"]))

    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 0
    assert mail.outbox == []
