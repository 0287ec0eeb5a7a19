import csv
import io

import pytest
from django.conf import settings
from openpyxl import load_workbook
from wagtail.models import Page

from courses import services
from courses.models import CoursePage, Enrolment, LessonPage, ProgramPage
from tests.factories import officer


@pytest.fixture
def teacher(programs, instructor):
    services.program_instructor_assign(program=programs["P1"], user=instructor)
    instructor.consent_version = settings.PERSONAL_DATA_CONSENT_VERSION
    instructor.save()
    return instructor


def _perms(user, page):
    return page.permissions_for_user(user)


def test_an_instructor_can_edit_only_under_assigned_programs(teacher, programs, course):
    assert _perms(teacher, programs["P1"]).can_add_subpage()
    assert _perms(teacher, course).can_edit()
    assert _perms(teacher, course).can_publish()
    assert not _perms(teacher, programs["P2"]).can_add_subpage()
    assert not _perms(teacher, programs["P2"]).can_edit()


def test_assigning_twice_creates_no_duplicate_permissions(teacher, programs):
    from wagtail.models import GroupPagePermission

    before = GroupPagePermission.objects.count()
    services.program_instructor_assign(program=programs["P1"], user=teacher)
    assert GroupPagePermission.objects.count() == before


def test_the_admin_refuses_to_add_a_course_under_another_program(
    client, teacher, programs
):
    client.force_login(teacher)
    url = f"/admin/pages/add/courses/coursepage/{programs['P2'].pk}/"
    assert client.get(url).status_code in (302, 403)
    ok = f"/admin/pages/add/courses/coursepage/{programs['P1'].pk}/"
    assert client.get(ok).status_code == 200


def test_page_types_follow_the_tree_rules(db):
    assert CoursePage.allowed_parent_page_models() == [ProgramPage]
    assert LessonPage.allowed_parent_page_models() == [CoursePage]
    assert LessonPage.allowed_subpage_models() == []
    assert not CoursePage.can_create_at(Page.get_first_root_node())


def test_the_instructor_sees_the_course_report(client, teacher, course, enrolment):
    client.force_login(teacher)
    response = client.get(f"/giang-vien/khoa-hoc/{course.pk}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert "Phân bố tiến độ" in body and enrolment.user.get_full_name() in body


@pytest.mark.parametrize(
    ("who", "status"), [("other_instructor", 404), ("learner", 403)]
)
def test_other_instructors_get_a_404_and_learners_a_403(
    client, programs, course, learner, who, status
):
    """Another instructor's course is "not found"; instructor pages are a function
    learners do not have."""
    user = learner
    if who == "other_instructor":
        user = officer(roles=["Instructor"])
        services.program_instructor_assign(program=programs["P2"], user=user)
    user.consent_version = settings.PERSONAL_DATA_CONSENT_VERSION
    user.save()
    client.force_login(user)
    assert client.get(f"/giang-vien/khoa-hoc/{course.pk}/").status_code == status
    assert (
        client.get(f"/giang-vien/khoa-hoc/{course.pk}/xuat.csv").status_code == status
    )


def test_a_dost_admin_sees_every_course_report(client, dost_admin, course):
    dost_admin.consent_version = settings.PERSONAL_DATA_CONSENT_VERSION
    dost_admin.save()
    client.force_login(dost_admin)
    assert client.get(f"/giang-vien/khoa-hoc/{course.pk}/").status_code == 200


def test_exports_neutralise_formulas(client, teacher, course, agency):
    learner = officer(agency=agency, full_name='=HYPERLINK("http://x")')
    Enrolment.objects.create(user=learner, course=course)
    client.force_login(teacher)
    text = client.get(f"/giang-vien/khoa-hoc/{course.pk}/xuat.csv").content.decode(
        "utf-8-sig"
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Họ và tên"
    assert rows[1][0].startswith("'=")
    data = client.get(f"/giang-vien/khoa-hoc/{course.pk}/xuat.xlsx").content
    sheet = load_workbook(io.BytesIO(data)).active
    assert str(sheet["A2"].value).startswith("'=")


def test_the_report_ranks_the_most_missed_questions_first(teacher, course, enrolment):
    from courses.selectors import course_report

    attempt = services.quiz_attempt_start(user=enrolment.user, course=course)
    services.quiz_attempt_submit(user=enrolment.user, attempt_id=attempt.pk, data={})
    stats = course_report(course=course)["item_stats"]
    assert stats[0]["wrong_rate"] == 100
    assert stats[-1]["answered"] in (0, 1)
