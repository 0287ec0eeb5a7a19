"""The dashboard, the exports, the API and the monthly report give the same numbers
to the last officer (issue 7, "Done when")."""

from __future__ import annotations

import csv
import datetime
import io
import re

from lms.tracking.api import api_token_create
from lms.tracking.models import Requirement
from lms.tracking.reports import monthly_report_generate
from tests.factories import AgencyFactory
from tests.tracking.conftest import complete, in_days, make_officer, refresh


def _scenario(programs, target_factory):
    agencies = [AgencyFactory(code=f"SN-{n}", kind="commune") for n in range(4)]
    for index, agency in enumerate(agencies):
        users = [make_officer(agency, focal=(i == 0)) for i in range(index + 2)]
        for user in users[:index]:
            complete(user, programs["P1"])
    target_factory("P1", deadline=in_days(20))
    target_factory("P5", focal_points_only=True, deadline=in_days(40))
    # Some deadlines have passed: make a few requirements overdue.
    Requirement.objects.filter(agency=agencies[3], completed_at__isnull=True).update(
        deadline=in_days(-3)
    )
    refresh()
    return agencies


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
    assert sum(v[3] for v in frozen.values()) > 0  # the scenario has overdue officers
