"""Demo data for tracking (`manage.py seed_demo`): two DOST targets, so the
dashboards have figures to show. Idempotent."""

from __future__ import annotations

import datetime

from courses.models import ProgramPage
from lms.accounts.models import User
from lms.tracking.models import Target
from lms.tracking.services import target_create
from lms.tracking.stats import agency_stats_recompute_all

DEMO_TARGETS = [
    (
        "Đầu mối dữ liệu xã, phường hoàn thành P1",
        "P1",
        {"agency_kind": "commune", "focal_points_only": True},
        datetime.date(2026, 9, 30),
    ),
    (
        "Cán bộ sở, ngành: an toàn thông tin (P7)",
        "P7",
        {"agency_kind": "department", "it_officers_only": True},
        datetime.date(2026, 9, 30),
    ),
]


def seed() -> None:
    dost = User.objects.filter(username="sokhcn").first()
    programs = {p.code: p for p in ProgramPage.objects.all()}
    if dost is None or not programs:
        return
    for name, code, fields, deadline in DEMO_TARGETS:
        if code in programs and not Target.objects.filter(name=name).exists():
            target_create(
                created_by=dost,
                name=name,
                program=programs[code],
                deadline=deadline,
                **fields,
            )
    agency_stats_recompute_all()
