"""The learner's whole lab journey in Chromium, against a real JupyterHub."""

from __future__ import annotations

import re

import pytest

from labs.models import Lab, Submission
from tests.conftest import chromium
from tests.factories import officer
from tests.labs.lab_fixtures import version_record

pytestmark = [pytest.mark.hub, pytest.mark.browser]


@pytest.fixture
def page(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; the ORM calls the
    # test makes are still plain synchronous code.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with chromium() as browser:
        yield browser.new_page(locale="vi-VN")


def test_learner_opens_the_lab_in_jupyterlab_comes_back_and_submits(
    hub,
    live_server,
    page,
    tiny_folder,
    labs_worker,
):
    from playwright.sync_api import expect

    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)
    officer(roles=["Learner"], username="hoa_hub")
    lesson = f"{live_server.url}/_tests/lab-block/tiny-lab/"

    page.goto(lesson)
    page.fill("input[name=login]", "hoa_hub")
    page.fill("input[name=password]", "matkhau-thu-nghiem")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator(".lab-hub")).to_be_visible()

    page.get_by_role("button", name="Mở bài thực hành").click()
    page.wait_for_url(
        re.compile(r"/user/hoa_hub/lab/tree/labs/tiny-lab/"), timeout=90_000
    )
    expect(page.locator(".jp-NotebookPanel")).to_be_visible(timeout=60_000)
    # JupyterLab speaks Vietnamese by default (its "File" menu is "Tệp").
    expect(page.locator("#jp-MainMenu")).to_contain_text("Tệp")
    expect(page.get_by_text("total = None")).to_be_visible(timeout=30_000)

    page.goto(lesson)
    page.get_by_role("button", name="Nộp bài từ JupyterLab").click()
    page.wait_for_url(re.compile(r"/bai-nop/\d+/$"))
    submission = Submission.objects.get(user__username="hoa_hub")
    assert submission.source == Submission.Source.HUB
    expect(page.locator("#submission-status")).to_contain_text(
        "Đã chấm", timeout=90_000
    )
