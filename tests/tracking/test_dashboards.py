from __future__ import annotations

import logging
import re

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
    client, dost_admin, target_factory
):
    target_factory("P1")
    client.force_login(dost_admin)
    client.get("/tong-quan/")

    def count(url: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    # A sort not shown yet is rendered afresh; a second view of it is not.
    before = (count("/tong-quan/?sort=rate"), count("/tong-quan/?sort=rate"))
    for n in range(25):
        agency = AgencyFactory(code=f"N-{n}")
        for _ in range(3):
            make_officer(agency)
    refresh()
    assert (count("/tong-quan/?sort=-rate"), count("/tong-quan/?sort=-rate")) == before


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


def _agency_cells(html: str, code: str) -> list[str]:
    row = re.search(rf'<tr data-agency="{code}">(.*?)</tr>', html, re.S).group(1)
    return re.findall(r'<td class="num">([^<]*)</td>', row)


def test_the_province_table_shows_a_completion_once_the_recompute_has_run(
    client, dost_admin, commune, target_factory, programs
):
    users = [make_officer(commune) for _ in range(2)]
    target_factory("P1")
    refresh()
    client.force_login(dost_admin)
    before = client.get("/tong-quan/").content.decode()
    assert _agency_cells(before, commune.code)[1:3] == ["2", "0"]

    complete(users[0], programs["P1"])
    refresh()

    after = client.get("/tong-quan/").content.decode()
    assert _agency_cells(after, commune.code)[1:3] == ["2", "1"]
    assert re.search(r'data-kpi="rate">50[.,]0%', after)


def test_a_second_view_reuses_the_rendered_figures_and_shows_the_same_page(
    client, dost_admin, commune, target_factory
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def page() -> str:
        html = client.get("/tong-quan/?kind=commune&sort=-rate").content.decode()
        return re.sub(r'name="csrfmiddlewaretoken" value="\w+"', "", html)

    make_officer(commune)
    target_factory("P1")
    refresh()
    client.force_login(dost_admin)
    first = page()

    with CaptureQueriesContext(connection) as queries:
        second = page()

    assert second == first
    assert not [q for q in queries if "tracking_agencyprogramstat" in q["sql"]]


def test_a_renamed_agency_shows_its_new_name_at_once(client, dost_admin, commune):
    client.force_login(dost_admin)
    assert commune.name in client.get("/tong-quan/").content.decode()

    commune.name = "UBND Phường An Mới"
    commune.save()

    assert "UBND Phường An Mới" in client.get("/tong-quan/").content.decode()


def test_each_sort_and_filter_shows_its_own_table(
    client, dost_admin, commune, other_commune, department, target_factory, programs
):
    done = make_officer(commune)
    make_officer(other_commune)
    target_factory("P1")
    complete(done, programs["P1"])
    refresh()
    client.force_login(dost_admin)

    def codes(url: str) -> list[str]:
        html = client.get(url).content.decode()
        return re.findall(r'<tr data-agency="([^"]+)">', html)

    assert codes("/tong-quan/?kind=commune&sort=-rate") == ["XA-A", "XA-B"]
    assert codes("/tong-quan/?kind=commune&sort=rate") == ["XA-B", "XA-A"]
    assert codes("/tong-quan/?kind=department&sort=rate") == ["SKHCN", "SO-X"]


def test_an_unknown_sort_or_program_is_answered_like_the_default(
    client, dost_admin, commune
):
    client.force_login(dost_admin)
    response = client.get("/tong-quan/?sort=%3Cscript%3E&program=999999")
    assert response.status_code == 200
    html = response.content.decode()
    assert '<input type="hidden" name="sort" value="name">' in html
    assert "<script>" not in html.split('id="agency-table"')[1]
