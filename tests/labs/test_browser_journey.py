# ruff: noqa: F811 - pytest fixtures imported from tests.labs.lab_fixtures
"""A learner in Chromium: opens the lab page, uploads a notebook, watches the status
change live and reads the per-check feedback and the executed notebook."""

from __future__ import annotations

import pytest

from labs.models import Lab
from tests.labs.lab_fixtures import (  # noqa: F401
    labs_queue,
    labs_worker,
    notebook_bytes,
    tiny_folder,
    version_record,
)

pytestmark = [pytest.mark.browser, pytest.mark.worker]


@pytest.fixture
def learner_ready(transactional_db, tiny_folder):
    from lms.accounts.roles import roles_sync
    from tests.factories import officer

    roles_sync()
    lab = Lab.objects.create(
        slug="tiny-lab", title="Bài thực hành thử", summary="Tính tổng."
    )
    version_record(lab, tiny_folder)
    return officer(roles=["Learner"], username="hocvien_lab", full_name="Trần Thị Mai")


def test_a_learner_submits_from_the_lab_page_and_sees_feedback(
    live_server, labs_worker, learner_ready, browser, tmp_path
):
    from playwright.sync_api import expect

    notebook = tmp_path / "bai-lam.ipynb"
    notebook.write_bytes(notebook_bytes("total = 5"))
    page = browser.new_page(locale="vi-VN")
    page.goto(f"{live_server.url}/accounts/login/?next=/bai-thuc-hanh/tiny-lab/")
    page.fill("input[name=login]", "hocvien_lab")
    page.fill("input[name=password]", "matkhau-thu-nghiem")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_have_text("Bài thực hành thử")

    page.set_input_files("input[type=file]", str(notebook))
    page.get_by_role("button", name="Nộp bài để chấm").click()
    expect(page.locator("h1")).to_contain_text("Bài nộp #")

    # The status polls once a second, then the page shows the feedback.
    feedback = page.locator("ol.checks li")
    expect(feedback).to_contain_text("Chưa đạt", timeout=90_000)
    expect(feedback).to_contain_text("Tổng chưa đúng.")
    expect(feedback).to_contain_text("Gợi ý")
    expect(page.locator("#submission-status")).to_contain_text("Đã chấm")
    frame = page.frame_locator("iframe.executed-notebook")
    expect(frame.locator("body")).to_contain_text("total", timeout=30_000)
