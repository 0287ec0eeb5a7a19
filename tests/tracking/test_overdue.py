"""Overdue = assigned, not completed, deadline passed (PRODUCT §7): DOST's targets
and the courses a manager assigns on "Giao khóa học" alike; only targets make up
"required" and the completion rate."""

from __future__ import annotations

import datetime
import io

import pytest
from openpyxl import load_workbook

from courses.models import CoursePage, Enrolment
from courses.services import CourseError
from lms.accounts.services import officer_move
from lms.tracking import exports, selectors
from lms.tracking.models import AgencyProgramStat, AgencyStat, Requirement
from lms.tracking.reports import monthly_report_generate
from lms.tracking.services import overdue_reminders_send, target_deactivate
from tests.tracking.conftest import (
    add_course,
    assign,
    complete,
    complete_course,
    in_days,
    let_deadlines_pass,
    make_officer,
    refresh,
)

# The officers' position (make_officer), not the manager's: targets leave them out.
OFFICERS = "Công chức"


def _row(code, **kw):
    return next(r for r in selectors.province_figures(**kw).agencies if r.code == code)


def _course(program):
    return CoursePage.objects.child_of(program).first()


def test_a_course_a_manager_assigned_is_overdue_once_its_deadline_passes(
    commune, commune_manager, programs
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P1"]), deadline=in_days(5))
    refresh()

    assert _row(commune.code).overdue == 0
    later = _row(commune.code, today=in_days(6))
    assert (later.overdue, later.status) == (1, "overdue")


def test_an_assigned_course_counts_without_changing_required_or_the_rate(
    commune, commune_manager, programs, target_factory
):
    done, late = make_officer(commune), make_officer(commune)
    target_factory("P1", position_contains=OFFICERS)
    complete(done, programs["P1"])
    assign(commune_manager, [done, late], course=_course(programs["P5"]))
    let_deadlines_pass(done, late)

    row = _row(commune.code)
    assert (row.required, row.completed, row.rate) == (2, 1, 50.0)
    assert row.overdue == 2  # P5's course, for both


def test_a_program_assignment_counts_each_open_course_until_it_is_completed(
    commune, commune_manager, programs
):
    second = add_course(programs["P5"], "p5-02")
    user = make_officer(commune)
    assign(commune_manager, [user], program=programs["P5"])
    let_deadlines_pass(user)
    assert _row(commune.code).overdue == 2

    complete_course(user, second)
    refresh()  # the course completion marked the agency for a recompute

    assert _row(commune.code).overdue == 1


def test_a_course_of_a_program_a_target_requires_is_counted_once(
    commune, commune_manager, programs, target_factory
):
    user = make_officer(commune)
    target_factory("P1", deadline=in_days(5), position_contains=OFFICERS)
    assign(commune_manager, [user], course=_course(programs["P1"]))
    Requirement.objects.update(deadline=in_days(-3))
    let_deadlines_pass(user)

    assert _row(commune.code).overdue == 1
    assert [i.kind for i in selectors.overdue_list(agency=commune)] == ["target"]


def test_an_agency_with_no_target_but_an_overdue_course_is_overdue(
    commune, commune_manager, programs
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user)

    figures = selectors.province_figures()
    row = next(r for r in figures.agencies if r.code == commune.code)
    assert (row.required, row.overdue, row.status) == (0, 1, "overdue")
    assert figures.top_overdue[0]["code"] == commune.code


def test_courses_assigned_automatically_by_a_program_count_too(commune, programs):
    user = make_officer(commune)
    Enrolment.objects.create(
        user=user,
        course=_course(programs["P5"]),
        source=Enrolment.Source.AUTO,
        deadline=in_days(-2),
    )
    refresh()  # the profile save above marked the agency; nightly catches bulk ones

    assert _row(commune.code).overdue == 1


def test_self_enrolments_and_courses_without_a_deadline_are_never_overdue(
    commune, programs
):
    user = make_officer(commune)
    course = _course(programs["P5"])
    Enrolment.objects.create(user=user, course=course, deadline=in_days(-2))
    other = make_officer(commune)
    Enrolment.objects.create(user=other, course=course, source="assigned")
    refresh()

    assert _row(commune.code).overdue == 0


def test_an_officer_who_moves_takes_the_open_assignment_along(
    commune, other_commune, commune_manager, programs
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user)
    assert _row(commune.code).overdue == 1

    officer_move(user=user, agency=other_commune)
    refresh()

    assert _row(commune.code).overdue == 0
    assert _row(other_commune.code).overdue == 1


def test_the_agency_program_table_shows_overdue_assigned_courses(
    commune, commune_manager, programs
):
    user = make_officer(commune)
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user)

    (row,) = selectors.agency_program_rows(agency=commune)
    assert (row.code, row.required, row.overdue) == ("P5", 0, 1)


def test_the_officer_list_counts_overdue_courses_per_officer(
    commune, commune_manager, programs, target_factory
):
    late = make_officer(commune, username="tre_han")
    fine = make_officer(commune, username="dung_han")
    target_factory("P1", position_contains=OFFICERS)
    assign(commune_manager, [late], course=_course(programs["P5"]))
    let_deadlines_pass(late)

    counts = {
        p.user.username: (p.n_required, p.n_completed, p.n_overdue)
        for p in selectors.agency_officers(agency=commune)
    }
    assert counts[late.username] == (1, 0, 1)
    assert counts[fine.username] == (1, 0, 0)


def test_the_overdue_list_names_the_course_and_who_assigned_it(
    commune, commune_manager, programs, target_factory
):
    user = make_officer(commune, full_name="Lê Văn Muộn")
    target_factory(
        "P1", name="Chỉ tiêu P1 xã", deadline=in_days(5), position_contains=OFFICERS
    )
    Requirement.objects.update(deadline=in_days(-4))
    assign(commune_manager, [user], course=_course(programs["P5"]))
    let_deadlines_pass(user, days=2)

    rows = list(exports.overdue_rows(agency=commune))

    assert [(r[3], r[5][:2], r[7], r[8], r[9]) for r in rows] == [
        ("Lê Văn Muộn", "P1", 4, "", "Chỉ tiêu: Chỉ tiêu P1 xã"),
        (
            "Lê Văn Muộn",
            "P5",
            2,
            "Khóa P5-01",
            f"Giao khóa học: {commune_manager.get_full_name()}",
        ),
    ]
    assert selectors.overdue_count(agency=commune) == 2


def test_the_overdue_list_of_one_agency_leaves_the_others_out(
    commune, other_commune, dost_admin, programs
):
    here, there = make_officer(commune), make_officer(other_commune)
    assign(dost_admin, [here, there], course=_course(programs["P5"]))
    let_deadlines_pass(here, there)

    assert [i.user_id for i in selectors.overdue_list(agency=commune)] == [here.pk]
    assert selectors.overdue_count() == 2


def test_an_assignment_refused_by_courses_changes_nothing(
    commune, other_commune, commune_manager, programs
):
    outsider, own = make_officer(other_commune), make_officer(commune)
    refresh()
    with pytest.raises(CourseError, match="đơn vị của mình"):
        assign(commune_manager, [outsider], course=_course(programs["P5"]))
    with pytest.raises(CourseError, match="quá khứ"):
        assign(
            commune_manager, [own], course=_course(programs["P5"]), deadline=in_days(-1)
        )

    assert not Enrolment.objects.exists()
    assert not AgencyStat.objects.filter(dirty=True).exists()


def test_the_report_counts_assigned_courses_in_its_overdue_sheet(
    commune, commune_manager, programs, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    user = make_officer(commune, full_name="Đỗ Thị Trễ")
    assign(commune_manager, [user], program=programs["P5"])
    let_deadlines_pass(user)

    report = monthly_report_generate(month=datetime.date(2026, 10, 1))

    sheet = load_workbook(io.BytesIO(report.xlsx.read()))["Quá hạn"]
    names = [r[3] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["Đỗ Thị Trễ"]
    assert report.figures["overdue_officers"] == 1
    assert report.figures["totals"]["overdue"] == 1


# --- A target withdrawn (or no longer asking) leaves no overdue course behind ----------
def _target_deadline_passes(target, *, days: int = 3):
    """Time passes for a target: its deadline, its requirements' and the course
    deadlines it wrote are `days` ago (the dates themselves never change)."""
    past = in_days(-days)
    Enrolment.objects.filter(
        assigned_by=target.created_by, deadline=target.deadline
    ).update(deadline=past)
    target.requirements.update(deadline=past)
    target.deadline = past
    target.save(update_fields=["deadline"])
    refresh()


def test_a_withdrawn_target_leaves_no_overdue_course_behind(
    commune, commune_manager, programs, target_factory, mailoutbox
):
    user = make_officer(commune)
    target = target_factory("P1", deadline=in_days(5), position_contains=OFFICERS)
    _target_deadline_passes(target)
    assert _row(commune.code).overdue == 1

    target_deactivate(target=target)
    refresh()

    assert (_row(commune.code).required, _row(commune.code).overdue) == (0, 0)
    assert not AgencyProgramStat.objects.filter(assigned_open__gt=0).exists()
    assert list(selectors.overdue_list(agency=commune)) == []
    assert list(exports.overdue_rows()) == []
    officers = {
        p.user_id: p.n_overdue for p in selectors.agency_officers(agency=commune)
    }
    assert officers[user.pk] == 0
    assert overdue_reminders_send(agency=commune, sent_by=commune_manager) == 0
    assert not mailoutbox


def test_withdrawing_a_target_keeps_the_officers_courses_and_progress(
    commune, programs, target_factory
):
    user = make_officer(commune)
    target = target_factory("P1", deadline=in_days(5), position_contains=OFFICERS)
    _target_deadline_passes(target)
    Enrolment.objects.filter(user=user).update(progress=40)

    target_deactivate(target=target)

    enrolment = Enrolment.objects.get(user=user, course=_course(programs["P1"]))
    assert (enrolment.progress, enrolment.deadline) == (40, None)
    assert enrolment.source == Enrolment.Source.ASSIGNED


def test_a_managers_own_assignments_still_count_after_the_target_is_withdrawn(
    commune, commune_manager, programs, target_factory
):
    user = make_officer(commune)
    target = target_factory("P1", deadline=in_days(30), position_contains=OFFICERS)
    # The manager assigns P1's course again with their own deadline, and P5's.
    assign(commune_manager, [user], course=_course(programs["P1"]))
    assign(commune_manager, [user], course=_course(programs["P5"]))
    Enrolment.objects.filter(assigned_by=commune_manager).update(deadline=in_days(-2))

    target_deactivate(target=target)
    refresh()

    assert _row(commune.code).overdue == 2
    assert {
        (i.kind, i.program_code, i.origin)
        for i in selectors.overdue_list(agency=commune)
    } == {
        ("assigned", "P1", commune_manager.get_full_name()),
        ("assigned", "P5", commune_manager.get_full_name()),
    }


def test_leaving_a_targets_scope_leaves_no_overdue_course_behind(
    commune, department, programs, target_factory
):
    user = make_officer(commune)
    target = target_factory("P1", deadline=in_days(5), agency_kind="commune")
    _target_deadline_passes(target)

    officer_move(user=user, agency=department)
    refresh()

    assert _row(department.code).overdue == 0
    assert _row(commune.code).overdue == 0
    assert list(selectors.overdue_list()) == []


def test_the_targets_page_withdraws_a_target(
    client, dost_admin, commune, programs, target_factory
):
    make_officer(commune)
    target = target_factory("P1", deadline=in_days(5), position_contains=OFFICERS)
    _target_deadline_passes(target)
    client.force_login(dost_admin)

    response = client.post(f"/chi-tieu/{target.pk}/ngung/")

    assert response.status_code == 302
    refresh()
    target.refresh_from_db()
    assert not target.is_active
    assert (_row(commune.code).required, _row(commune.code).overdue) == (0, 0)
