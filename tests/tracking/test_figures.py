from __future__ import annotations

import datetime

from django.utils import timezone

from lms.accounts.services import officer_move
from lms.agencies.services import agency_merge
from lms.tracking import selectors
from tests.factories import AgencyFactory
from tests.tracking.conftest import complete, in_days, make_officer, refresh


def _row(figures, code):
    return next(r for r in figures.agencies if r.code == code)


def test_completion_rate_is_completed_over_required(commune, target_factory, programs):
    users = [make_officer(commune) for _ in range(4)]
    target_factory("P1")
    complete(users[0], programs["P1"])
    refresh()
    row = _row(selectors.province_figures(), commune.code)
    assert (row.required, row.completed, row.rate) == (4, 1, 25.0)


def test_overdue_counts_open_requirements_past_their_deadline(
    commune, target_factory, programs
):
    late, done, _fine = (make_officer(commune) for _ in range(3))
    target_factory("P1", deadline=in_days(10))
    complete(done, programs["P1"])
    refresh()
    later = timezone.localdate() + datetime.timedelta(days=11)
    row = _row(selectors.province_figures(today=later), commune.code)
    assert row.overdue == 2
    assert row.status == "overdue"


def test_status_is_at_risk_when_a_deadline_is_near_and_few_have_completed(
    commune, target_factory
):
    make_officer(commune)
    target_factory("P1", deadline=in_days(5))
    refresh()
    assert _row(selectors.province_figures(), commune.code).status == "at_risk"


def test_status_is_on_track_when_the_deadline_is_far(commune, target_factory):
    make_officer(commune)
    target_factory("P1", deadline=in_days(200))
    refresh()
    assert _row(selectors.province_figures(), commune.code).status == "on_track"


def test_focal_point_coverage_counts_agencies_whose_focal_point_completed_p1(
    commune, other_commune, programs
):
    focal = make_officer(commune, focal=True)
    make_officer(other_commune, focal=True)
    complete(focal, programs["P1"])
    refresh()
    figures = selectors.province_figures(kind="commune")
    assert _row(figures, commune.code).focal_point_completed_p1
    assert not _row(figures, other_commune.code).focal_point_completed_p1
    covered = [r for r in figures.agencies if r.focal_point_completed_p1]
    assert figures.totals["focal_point_agencies"] == len(covered)


def test_a_completion_is_credited_to_the_agency_at_completion_time(
    commune, other_commune, target_factory, programs
):
    user = make_officer(commune)
    target_factory("P1")
    complete(user, programs["P1"])
    officer_move(user=user, agency=other_commune)
    refresh()
    figures = selectors.province_figures()
    assert _row(figures, commune.code).completed == 1
    assert _row(figures, other_commune.code).completed == 0


def test_a_merged_agency_figures_show_under_its_successor(
    commune, other_commune, target_factory, programs
):
    user = make_officer(commune)
    target_factory("P1")
    complete(user, programs["P1"])
    agency_merge(sources=[commune], into=other_commune, on=timezone.localdate())
    refresh()
    figures = selectors.province_figures()
    assert commune.code not in {r.code for r in figures.agencies}
    assert _row(figures, other_commune.code).completed == 1


def test_trend_counts_completions_per_month(commune, target_factory, programs):
    a, b = make_officer(commune), make_officer(commune)
    target_factory("P1")
    complete(a, programs["P1"], when=timezone.now() - datetime.timedelta(days=40))
    complete(b, programs["P1"])
    refresh()
    trend = selectors.province_figures(kind="commune").trend
    assert sum(t["completed"] for t in trend) == 2
    assert trend[-1]["cumulative"] == 2


def test_figures_cost_the_same_number_of_queries_for_more_agencies(
    django_assert_max_num_queries, target_factory, programs
):
    for n in range(3):
        make_officer(AgencyFactory(code=f"Q-{n}"))
    target_factory("P1")
    refresh()
    with django_assert_max_num_queries(6):
        selectors.province_figures()
    for n in range(3, 30):
        complete(make_officer(AgencyFactory(code=f"Q-{n}")), programs["P1"])
    refresh()
    with django_assert_max_num_queries(6):
        selectors.province_figures()


def test_the_sweep_recomputes_dirty_agencies_after_a_completion(
    commune, target_factory, programs
):
    from lms.tracking.models import AgencyStat

    user = make_officer(commune)
    target_factory("P1")
    refresh()
    complete(user, programs["P1"])
    assert AgencyStat.objects.get(agency=commune).dirty
    refresh()
    assert _row(selectors.province_figures(), commune.code).completed == 1
