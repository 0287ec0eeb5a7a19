from __future__ import annotations

import logging

from django.core import mail

from lms.tracking import selectors
from tests.factories import AgencyFactory
from tests.tracking.conftest import complete, in_days, make_officer, refresh


def test_dost_sees_every_agency_on_the_province_dashboard(
    client, dost_admin, commune, other_commune, target_factory
):
    make_officer(commune)
    target_factory("P1")
    refresh()
    client.force_login(dost_admin)
    html = client.get("/tong-quan/").content.decode()
    assert "Trang tổng quan toàn tỉnh" in html
    assert commune.name in html and other_commune.name in html
    assert "<svg" in html


def test_the_province_dashboard_filters_by_agency_kind(
    client, dost_admin, commune, department
):
    client.force_login(dost_admin)
    html = client.get("/tong-quan/?kind=department").content.decode()
    assert department.name in html and commune.name not in html


def test_a_manager_is_sent_to_their_own_agency(client, manager, agency):
    client.force_login(manager)
    response = client.get("/tong-quan/")
    assert response.status_code == 302
    assert response["Location"] == f"/tong-quan/don-vi/{agency.pk}/"


def test_a_manager_gets_404_for_another_agency_and_it_is_logged(
    client, manager, other_commune, caplog
):
    client.force_login(manager)
    with caplog.at_level(logging.WARNING, logger="lms.security"):
        response = client.get(f"/tong-quan/don-vi/{other_commune.pk}/")
    assert response.status_code == 404
    assert any("agency:" in r.getMessage() for r in caplog.records)


def test_a_manager_cannot_open_another_agencys_officer(
    client, manager, agency, other_commune
):
    stranger = make_officer(other_commune)
    client.force_login(manager)
    url = f"/tong-quan/don-vi/{agency.pk}/can-bo/{stranger.pk}/"
    assert client.get(url).status_code == 404


def test_a_learner_cannot_see_dashboards(client, learner, agency):
    client.force_login(learner)
    assert client.get("/tong-quan/").status_code == 403
    assert client.get(f"/tong-quan/don-vi/{agency.pk}/").status_code == 404


def test_drill_down_from_agency_to_officer_to_course_progress(
    client, dost_admin, commune, target_factory
):
    user = make_officer(commune, full_name="Trần Thị Lan")
    target_factory("P1")
    refresh()
    client.force_login(dost_admin)
    html = client.get(f"/tong-quan/don-vi/{commune.pk}/").content.decode()
    assert "Trần Thị Lan" in html
    detail = client.get(f"/tong-quan/don-vi/{commune.pk}/can-bo/{user.pk}/")
    text = detail.content.decode()
    assert "Quản trị dữ liệu cơ bản" in text and "Khóa P1-01" in text


def test_reminders_go_to_overdue_officers_only(
    dost_admin, commune, target_factory, programs
):
    from lms.tracking.models import Requirement
    from lms.tracking.services import overdue_reminders_send

    late = make_officer(commune)
    done = make_officer(commune)
    target_factory("P1", deadline=in_days(5))
    Requirement.objects.filter(agency=commune).update(deadline=in_days(-1))
    complete(done, programs["P1"])

    assert overdue_reminders_send(agency=commune, sent_by=dost_admin) == 1

    assert [m.to for m in mail.outbox] == [[late.email]]
    assert "quá hạn" in mail.outbox[0].body


def test_a_second_reminder_the_same_day_sends_nothing_new(
    dost_admin, commune, target_factory
):
    from lms.tracking.models import Requirement
    from lms.tracking.services import overdue_reminders_send

    make_officer(commune)
    target_factory("P1", deadline=in_days(5))
    Requirement.objects.filter(agency=commune).update(deadline=in_days(-1))

    overdue_reminders_send(agency=commune, sent_by=dost_admin)
    assert overdue_reminders_send(agency=commune, sent_by=dost_admin) == 0

    assert len(mail.outbox) == 1


def test_the_reminder_button_queues_the_sending_and_says_for_how_many(
    client,
    dost_admin,
    commune,
    target_factory,
    django_capture_on_commit_callbacks,
):
    from lms.tracking.models import Requirement

    make_officer(commune)
    target_factory("P1", deadline=in_days(5))
    Requirement.objects.filter(agency=commune).update(deadline=in_days(-1))
    client.force_login(dost_admin)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/tong-quan/don-vi/{commune.pk}/nhac-nho/", follow=True)

    assert len(callbacks) == 1
    assert "Đang gửi nhắc nhở tới 1 cán bộ quá hạn" in response.content.decode()
    assert mail.outbox == []


def test_dashboard_query_count_does_not_grow_with_agencies_or_officers(
    client, dost_admin, target_factory, django_assert_max_num_queries
):
    target_factory("P1")
    client.force_login(dost_admin)
    client.get("/tong-quan/")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/tong-quan/").status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for n in range(25):
        agency = AgencyFactory(code=f"N-{n}")
        for _ in range(3):
            make_officer(agency)
    refresh()
    assert count() == before


def test_agency_page_query_count_does_not_grow_with_officers(
    client, dost_admin, commune, target_factory
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_officer(commune)
    target_factory("P1")
    refresh()
    client.force_login(dost_admin)
    url = f"/tong-quan/don-vi/{commune.pk}/"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for _ in range(20):
        make_officer(commune)
    refresh()
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_same_row_is_shown_on_the_agency_page_and_in_the_province_table(
    commune, target_factory, programs
):
    users = [make_officer(commune) for _ in range(3)]
    target_factory("P1")
    complete(users[0], programs["P1"])
    refresh()
    row = next(
        r for r in selectors.province_figures().agencies if r.code == commune.code
    )
    assert selectors.agency_row(agency=commune) == row
