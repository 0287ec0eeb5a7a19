"""Giao khóa học: an agency manager assigns courses with a deadline from the
agency page; the rules are `courses.services.enrolment_assign`'s."""

from __future__ import annotations

import re

from courses.models import CoursePage, Enrolment
from tests.tracking.conftest import in_days, let_deadlines_pass, make_officer


def _url(agency):
    return f"/tong-quan/don-vi/{agency.pk}/giao-khoa-hoc/"


def test_manager_assigns_a_course_to_chosen_officers_with_a_deadline(
    client, programs, commune, commune_manager
):
    chosen = make_officer(commune, username="chon")
    not_chosen = make_officer(commune, username="khong_chon")
    course = CoursePage.objects.child_of(programs["P1"]).first()
    client.force_login(commune_manager)

    response = client.post(
        _url(commune),
        {
            "what": f"c:{course.pk}",
            "deadline": in_days(30).isoformat(),
            "who": "selected",
            "officers": [str(chosen.pk)],
        },
    )

    assert response.status_code == 302
    enrolment = Enrolment.objects.get(user=chosen, course=course)
    assert enrolment.deadline == in_days(30)
    assert enrolment.assigned_by == commune_manager
    assert not Enrolment.objects.filter(user=not_chosen).exists()


def test_assigning_a_program_to_focal_points_enrols_only_them_in_every_course(
    client, programs, commune, commune_manager
):
    focal = make_officer(commune, focal=True, username="dau_moi")
    make_officer(commune, username="thuong")
    client.force_login(commune_manager)

    client.post(
        _url(commune),
        {
            "what": f"p:{programs['P1'].pk}",
            "deadline": in_days(10).isoformat(),
            "who": "focal",
        },
    )

    live = CoursePage.objects.live().filter(program=programs["P1"]).count()
    assert Enrolment.objects.filter(user=focal).count() == live
    assert Enrolment.objects.exclude(user=focal).count() == 0


def test_a_deadline_in_the_past_is_refused_with_a_message_and_changes_nothing(
    client, programs, commune, commune_manager
):
    someone = make_officer(commune, username="ai_do")
    course = CoursePage.objects.child_of(programs["P1"]).first()
    client.force_login(commune_manager)

    response = client.post(
        _url(commune),
        {
            "what": f"c:{course.pk}",
            "deadline": in_days(-1).isoformat(),
            "who": "selected",
            "officers": [str(someone.pk)],
        },
    )

    assert response.status_code == 200
    assert "Hạn chót không được ở trong quá khứ" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_an_officer_of_another_agency_cannot_be_slipped_into_the_post(
    client, programs, commune, other_commune, commune_manager
):
    outsider = make_officer(other_commune, username="ngoai")
    course = CoursePage.objects.child_of(programs["P1"]).first()
    client.force_login(commune_manager)

    response = client.post(
        _url(commune),
        {
            "what": f"c:{course.pk}",
            "deadline": in_days(5).isoformat(),
            "who": "selected",
            "officers": [str(outsider.pk)],
        },
    )

    assert response.status_code == 200
    assert not Enrolment.objects.exists()


def test_another_agencys_assign_page_is_not_found(
    client, programs, other_commune, commune_manager
):
    client.force_login(commune_manager)
    assert client.get(_url(other_commune)).status_code == 404


def test_a_learner_cannot_open_the_assign_page(client, programs, commune):
    client.force_login(make_officer(commune, username="hv", roles=["Learner"]))
    assert client.get(_url(commune)).status_code == 404


def test_a_course_assigned_on_the_page_is_chased_there_once_overdue(
    client, programs, commune, commune_manager
):
    late = make_officer(commune, username="tre", full_name="Vũ Thị Chậm")
    course = CoursePage.objects.child_of(programs["P5"]).first()
    client.force_login(commune_manager)
    client.post(
        _url(commune),
        {
            "what": f"c:{course.pk}",
            "deadline": in_days(3).isoformat(),
            "who": "selected",
            "officers": [str(late.pk)],
        },
    )
    let_deadlines_pass(late)

    page = client.get(f"/tong-quan/don-vi/{commune.pk}/").content.decode()
    assert re.search(r'data-kpi="overdue">1<', page)
    assert "Gửi nhắc nhở" in page
    assert re.search(r"Vũ Thị Chậm.*?badge-bad\">1<", page, re.S)
    detail = client.get(f"/tong-quan/don-vi/{commune.pk}/can-bo/{late.pk}/")
    assert "Quá hạn" in detail.content.decode()


def test_an_unreadable_deadline_or_choice_is_refused_and_changes_nothing(
    client, programs, commune, commune_manager
):
    someone = make_officer(commune, username="ai_do")
    client.force_login(commune_manager)

    response = client.post(
        _url(commune),
        {
            "what": "c:999999",
            "deadline": "31/02/2026",
            "who": "selected",
            "officers": [str(someone.pk)],
        },
    )

    assert response.status_code == 200
    form = response.context["form"]
    assert set(form.errors) == {"what", "deadline"}
    assert not Enrolment.objects.exists()
