import datetime

import pytest
from django.db import IntegrityError
from django.utils import timezone

from courses import services
from courses.models import Enrolment
from courses.services import CourseError
from tests.factories import officer


def test_one_enrolment_per_officer_and_course_is_a_database_rule(enrolment):
    with pytest.raises(IntegrityError):
        Enrolment.objects.create(user=enrolment.user, course=enrolment.course)


def test_a_manager_assigns_a_program_to_own_agency_officers(manager, learner, course):
    deadline = timezone.localdate() + datetime.timedelta(days=30)
    enrolments = services.enrolment_assign(
        program=course.program, users=[learner], deadline=deadline, by=manager
    )
    assert [(e.course, e.deadline, e.source) for e in enrolments] == [
        (course, deadline, Enrolment.Source.ASSIGNED)
    ]
    assert enrolments[0].assigned_by == manager


def test_a_manager_cannot_assign_another_agencys_officer(manager, course):
    outsider = officer(roles=["Learner"])
    with pytest.raises(CourseError, match="thuộc đơn vị của mình"):
        services.enrolment_assign(
            course=course, users=[outsider], deadline=None, by=manager
        )
    assert not Enrolment.objects.exists()


def test_a_dost_admin_assigns_anyone(dost_admin, learner, course):
    services.enrolment_assign(
        course=course, users=[learner], deadline=None, by=dost_admin
    )
    assert Enrolment.objects.filter(user=learner, course=course).exists()


def test_a_learner_cannot_assign(learner, course):
    with pytest.raises(CourseError):
        services.enrolment_assign(
            course=course, users=[learner], deadline=None, by=learner
        )


def test_a_deadline_in_the_past_is_refused(dost_admin, learner, course):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    with pytest.raises(CourseError, match="quá khứ"):
        services.enrolment_assign(
            course=course, users=[learner], deadline=yesterday, by=dost_admin
        )
    assert not Enrolment.objects.exists()


def test_assigning_again_updates_the_deadline_without_a_duplicate(
    dost_admin, enrolment, course
):
    deadline = timezone.localdate() + datetime.timedelta(days=10)
    services.enrolment_assign(
        course=course, users=[enrolment.user], deadline=deadline, by=dost_admin
    )
    enrolment.refresh_from_db()
    assert enrolment.deadline == deadline
    assert Enrolment.objects.filter(user=enrolment.user).count() == 1


def test_self_enrolment_is_refused_where_the_program_does_not_allow_it(learner, course):
    course.program.self_enrolment = False
    course.program.save()
    with pytest.raises(CourseError, match="không cho phép tự ghi danh"):
        services.enrolment_self(user=learner, course=course)


def test_self_enrolment_needs_the_prerequisites(learner, course, second_course):
    second_course.prerequisites.add(course)
    second_course.save()
    with pytest.raises(CourseError, match="tiên quyết"):
        services.enrolment_self(user=learner, course=second_course)


def test_focal_points_get_the_program_automatically(course, agency):
    program = course.program
    program.auto_assign_focal_points = True
    program.save()
    focal = officer(agency=agency)
    focal.profile.is_data_focal_point = True
    focal.profile.save()  # the post_save receiver assigns it
    other = officer(agency=agency)
    assert Enrolment.objects.filter(user=focal, source="auto").count() == 1
    assert not Enrolment.objects.filter(user=other).exists()
    assert services.enrolments_auto_assign(program=program) == 0  # idempotent


def test_the_auto_assign_command_enrols_existing_focal_points(course, agency):
    from django.core.management import call_command

    focal = officer(agency=agency)
    focal.profile.is_data_focal_point = True
    focal.profile.save()  # the program is not yet auto-assigned: nothing happens
    assert not Enrolment.objects.filter(user=focal).exists()
    course.program.auto_assign_focal_points = True
    course.program.save()
    call_command("enrolments_auto_assign")
    assert Enrolment.objects.filter(user=focal, course=course, source="auto").exists()
