"""The dashboard, the exports, the API and the monthly report give the same numbers
to the last officer (issue 7, "Done when"), with DOST's targets (one of them
withdrawn) and the courses and programs agency managers assigned in the data."""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections import Counter

from openpyxl import load_workbook

from courses.models import CoursePage, Enrolment
from lms.tracking.api import api_token_create
from lms.tracking.models import Requirement, Target
from lms.tracking.reports import monthly_report_generate
from lms.tracking.services import target_deactivate
from tests.factories import AgencyFactory, officer
from tests.tracking.conftest import (
    add_course,
    assign,
    complete,
    complete_course,
    in_days,
    make_officer,
    refresh,
)


def _scenario(programs, target_factory):
    agencies = [AgencyFactory(code=f"SN-{n}", kind="commune") for n in range(4)]
    staff = []
    for index, agency in enumerate(agencies):
        users = [make_officer(agency, focal=(i == 0)) for i in range(index + 2)]
        staff.append(users)
        for user in users[:index]:
            complete(user, programs["P1"])
    target_factory("P1", deadline=in_days(20))
    target_factory("P5", focal_points_only=True, deadline=in_days(40))
    _withdrawn_target(target_factory)
    _managers_assign(agencies, staff, programs)
    # Some deadlines have passed: a few requirements and assignments are overdue.
    Requirement.objects.filter(agency=agencies[3], completed_at__isnull=True).update(
        deadline=in_days(-3)
    )
    Enrolment.objects.filter(deadline=in_days(5)).update(deadline=in_days(-2))
    refresh()
    return agencies


def _withdrawn_target(target_factory):
    """A P5 target for every officer, its deadline passed, then withdrawn: nothing
    of it is counted anywhere (the focal points' P5 goes back to the target above,
    due in 40 days)."""
    target = target_factory("P5", deadline=in_days(6))
    past = in_days(-1)
    Enrolment.objects.filter(deadline=target.deadline).update(deadline=past)
    target.requirements.update(deadline=past)
    Target.objects.filter(pk=target.pk).update(deadline=past)
    target_deactivate(target=target)


def _managers_assign(agencies, staff, programs):
    """Assignments from "Giao khóa học" (deadline in 5 days, then passed), and one
    still on time."""
    p2_course = add_course(programs["P2"], "p2-01")
    add_course(programs["P3"], "p3-01")
    p3_second = add_course(programs["P3"], "p3-02")
    p1_course = CoursePage.objects.child_of(programs["P1"]).first()
    managers = [
        officer(agency=agency, roles=["Agency manager"], username=f"ql_sn_{n}")
        for n, agency in enumerate(agencies)
    ]
    # Course-level, to two officers of SN-1.
    assign(managers[1], staff[1][:2], course=p2_course, deadline=in_days(5))
    # Program-level (two courses), to all of SN-2; one officer finishes one course.
    assign(managers[2], staff[2], program=programs["P3"], deadline=in_days(5))
    complete_course(staff[2][0], p3_second)
    # A course of P1, which a target already requires of SN-3: counted once.
    assign(managers[3], staff[3], course=p1_course, deadline=in_days(5))
    # Not yet due.
    assign(managers[0], staff[0], program=programs["P3"], deadline=in_days(30))


def _csv(client, url):
    body = b"".join(client.get(url).streaming_content).decode().lstrip("\ufeff")
    return list(csv.reader(io.StringIO(body)))


def test_dashboard_exports_api_and_monthly_report_agree(
    client, dost_admin, programs, target_factory, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    agencies = _scenario(programs, target_factory)
    codes = {a.code for a in agencies}
    client.force_login(dost_admin)

    # Dashboard: the rendered table.
    html = client.get("/tong-quan/?kind=commune").content.decode()
    dashboard = {}
    for code in codes:
        cells = re.search(rf'<tr data-agency="{code}">(.*?)</tr>', html, re.S).group(1)
        nums = re.findall(r'<td class="num">([\d.,]+)%?</td>', cells)
        # Vietnamese number format: "25,0%".
        dashboard[code] = tuple(
            float(n.replace(",", ".")) for n in nums[1:5]
        )  # required, completed, rate, overdue

    # Export (CSV).
    text = (
        b"".join(
            client.get("/tong-quan/xuat/don-vi.csv?kind=commune").streaming_content
        )
        .decode()
        .lstrip("\ufeff")
    )
    exported = {
        r[0]: (float(r[4]), float(r[5]), float(r[6]), float(r[7]))
        for r in csv.reader(io.StringIO(text))
        if r[0] in codes
    }

    # API.
    _t, key = api_token_create(name="LGSP")
    items = client.get(
        "/api/v1/figures/agencies?kind=commune", HTTP_AUTHORIZATION=f"Bearer {key}"
    ).json()["items"]
    api = {
        i["code"]: (i["required"], i["completed"], i["rate"], i["overdue"])
        for i in items
        if i["code"] in codes
    }

    # Monthly report (frozen JSON).
    report = monthly_report_generate(month=datetime.date(2026, 10, 1))
    frozen = {
        r["code"]: (r["required"], r["completed"], r["rate"], r["overdue"])
        for r in report.figures["agencies"]
        if r["code"] in codes
    }

    assert dashboard == exported == api == frozen
    overdue = {code: int(v[3]) for code, v in frozen.items()}
    # SN-1: 2 assigned courses; SN-2: 4 officers × 2 courses of P3, 1 done;
    # SN-3: open requirements only (2 of P1, the focal point's P5, the manager's P1),
    # the P1 course its manager assigned is not counted again.
    assert overdue == {"SN-0": 0, "SN-1": 2, "SN-2": 7, "SN-3": 4}

    # The officer lists (per officer) and the overdue lists (per item) add up to it.
    per_officer = Counter()
    for r in _csv(client, "/tong-quan/xuat/can-bo.csv")[1:]:
        per_officer[r[0]] += int(r[8])
    listed = Counter(r[0] for r in _csv(client, "/tong-quan/xuat/qua-han.csv")[1:])
    sheet = load_workbook(io.BytesIO(report.xlsx.read()))["Quá hạn"]
    in_report = Counter(r[0] for r in sheet.iter_rows(min_row=2, values_only=True))
    for agency in agencies:
        own = _csv(client, f"/tong-quan/xuat/qua-han.csv?agency={agency.pk}")[1:]
        assert len(own) == overdue[agency.code]
    assert {c: per_officer[c] for c in codes} == overdue
    assert {c: listed[c] for c in codes} == overdue
    assert {c: in_report[c] for c in codes} == overdue
    assert report.figures["overdue_officers"] == sum(listed.values())
