from __future__ import annotations

import io

from django.core.management import call_command

from lms.tracking import selectors
from lms.tracking.models import Requirement


def test_seed_scale_creates_agencies_officers_progress_and_figures(home_page):
    from courses.models import LessonProgress

    out = io.StringIO()
    call_command(
        "seed_scale", officers=200, agencies=10, lessons=4, force=True, stdout=out
    )
    assert (
        Requirement.objects.filter(user__username__startswith="scale_").count() >= 200
    )
    assert (
        LessonProgress.objects.filter(user__username__startswith="scale_").count() > 200
    )
    figures = selectors.province_figures()
    rows = [r for r in figures.agencies if r.code.startswith("SCALE-")]
    assert len(rows) == 10
    assert sum(r.officers for r in rows) == 200
    assert sum(r.completed for r in rows) > 0
