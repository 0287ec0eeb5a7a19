from __future__ import annotations

from courses.models import Enrolment
from lms.accounts.services import officer_move
from lms.tracking.models import Requirement
from tests.tracking.conftest import complete, in_days, make_officer, refresh


def test_a_target_creates_requirements_and_enrolments_for_matching_officers(
    commune, department, target_factory, programs
):
    focal = make_officer(commune, focal=True)
    make_officer(commune, focal=False)
    make_officer(department, focal=True)

    target_factory("P1", focal_points_only=True, deadline=in_days(30))

    assert list(Requirement.objects.values_list("user_id", flat=True)) == [focal.pk]
    enrolment = Enrolment.objects.get(user=focal)
    assert enrolment.deadline == in_days(30)
    assert enrolment.course.program_id == programs["P1"].pk


def test_an_officer_added_later_gets_the_target(commune, target_factory):
    target_factory("P1", focal_points_only=True)
    newcomer = make_officer(commune, focal=True)
    assert Requirement.objects.filter(user=newcomer).count() == 1
    assert Enrolment.objects.filter(user=newcomer).exists()


def test_applying_a_target_twice_changes_nothing(commune, target_factory):
    from lms.tracking.services import target_apply

    make_officer(commune)
    target = target_factory("P1")
    assert target_apply(target=target) == 0
    assert Requirement.objects.count() == 1


def test_an_open_requirement_follows_the_officer_to_a_new_agency(
    commune, other_commune, target_factory
):
    user = make_officer(commune)
    target_factory("P1")
    officer_move(user=user, agency=other_commune)
    assert Requirement.objects.get(user=user).agency == other_commune


def test_a_completion_stays_credited_to_the_agency_at_completion_time(
    commune, other_commune, target_factory, programs
):
    user = make_officer(commune)
    target_factory("P1")
    complete(user, programs["P1"])
    officer_move(user=user, agency=other_commune)
    row = Requirement.objects.get(user=user)
    assert row.agency == commune
    assert row.completed_at is not None


def test_moving_to_an_agency_the_target_does_not_cover_drops_the_open_requirement(
    commune, department, target_factory
):
    user = make_officer(commune)
    target_factory("P1", agency_kind="commune")
    officer_move(user=user, agency=department)
    refresh()
    assert not Requirement.objects.filter(user=user).exists()


def test_an_officer_who_already_completed_is_counted_as_done(
    commune, target_factory, programs
):
    user = make_officer(commune)
    complete(user, programs["P1"])
    target_factory("P1")
    assert Requirement.objects.get(user=user).completed_at is not None


def test_the_earliest_deadline_wins_when_two_targets_ask_for_one_program(
    commune, target_factory
):
    user = make_officer(commune, focal=True)
    target_factory("P1", deadline=in_days(90))
    target_factory("P1", focal_points_only=True, deadline=in_days(10))
    assert Requirement.objects.get(user=user).deadline == in_days(10)


def test_targets_page_creates_a_target(client, dost_admin, commune, programs):
    make_officer(commune, focal=True)
    client.force_login(dost_admin)
    response = client.post(
        "/chi-tieu/",
        {
            "name": "Đầu mối dữ liệu xã hoàn thành P1",
            "program": programs["P1"].pk,
            "agency_kind": "commune",
            "focal_points_only": "on",
            "deadline": in_days(30).isoformat(),
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "Đã giao chỉ tiêu" in response.content.decode()
    assert Requirement.objects.count() == 1


def test_targets_page_is_forbidden_for_an_agency_manager(client, manager):
    client.force_login(manager)
    assert client.get("/chi-tieu/").status_code == 403


def test_switching_a_target_off_in_the_django_admin_withdraws_it(
    client, commune, target_factory
):
    from tests.factories import UserFactory

    user = make_officer(commune)
    target = target_factory("P1", deadline=in_days(30))
    client.force_login(
        UserFactory(username="root_test", is_staff=True, is_superuser=True)
    )
    url = f"/django-admin/tracking/target/{target.pk}/change/"
    form = {
        "name": target.name,
        "program": target.program_id,
        "agency_kind": target.agency_kind,
        "agency": "",
        "position_contains": "",
        "deadline": target.deadline.isoformat(),
        "created_by": target.created_by_id,
    }

    response = client.post(url, form)  # "is_active" unticked

    assert response.status_code == 302, response.content.decode()[:2000]
    assert not Requirement.objects.filter(user=user).exists()
    assert Enrolment.objects.get(user=user).deadline is None
    client.post(url, {**form, "is_active": "on"})
    assert Requirement.objects.filter(user=user, target=target).exists()
    assert Enrolment.objects.get(user=user).deadline == in_days(30)


def test_a_target_taking_over_a_requirement_moves_the_course_deadlines(
    commune, target_factory
):
    from lms.tracking.services import target_deactivate

    user = make_officer(commune, focal=True)
    target_factory("P1", deadline=in_days(90))
    sooner = target_factory("P1", focal_points_only=True, deadline=in_days(10))
    assert {e.deadline for e in Enrolment.objects.filter(user=user)} == {in_days(10)}

    target_deactivate(target=sooner)

    assert Requirement.objects.get(user=user).deadline == in_days(90)
    assert {e.deadline for e in Enrolment.objects.filter(user=user)} == {in_days(90)}


def _admin_form(target, **changes) -> dict:
    form = {
        "name": target.name,
        "program": target.program_id,
        "agency_kind": target.agency_kind,
        "agency": "",
        "position_contains": target.position_contains,
        "deadline": target.deadline.isoformat(),
        "created_by": target.created_by_id,
        "is_active": "on",
    }
    if target.focal_points_only:
        form["focal_points_only"] = "on"
    form.update(changes)
    return {key: value for key, value in form.items() if value is not None}


def _superuser(client) -> None:
    from tests.factories import UserFactory

    client.force_login(
        UserFactory(username="root_test", is_staff=True, is_superuser=True)
    )


def test_a_new_deadline_set_in_the_django_admin_reaches_requirements_and_courses(
    client, commune, target_factory
):
    user = make_officer(commune)
    target = target_factory("P1", deadline=in_days(30))
    _superuser(client)

    response = client.post(
        f"/django-admin/tracking/target/{target.pk}/change/",
        _admin_form(target, deadline=in_days(45).isoformat()),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Requirement.objects.get(user=user).deadline == in_days(45)
    assert {e.deadline for e in Enrolment.objects.filter(user=user)} == {in_days(45)}


def test_narrower_filters_set_in_the_django_admin_release_the_officers_left_out(
    client, commune, target_factory
):
    focal = make_officer(commune, focal=True)
    other = make_officer(commune, focal=False)
    target = target_factory("P1", deadline=in_days(30))
    _superuser(client)

    response = client.post(
        f"/django-admin/tracking/target/{target.pk}/change/",
        _admin_form(target, focal_points_only="on"),
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert Requirement.objects.filter(user=focal, target=target).exists()
    assert not Requirement.objects.filter(user=other).exists()
    assert Enrolment.objects.get(user=other).deadline is None
