"""When JupyterHub is down the academy still works: banner, messages, upload."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from labs.models import Lab, Submission
from tests.factories import officer
from tests.labs.lab_fixtures import notebook_bytes, version_record

BANNER = "Máy chủ bài thực hành tạm thời không truy cập được"


@pytest.fixture
def lab(db, tiny_folder) -> Lab:
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)
    return lab


@pytest.fixture
def hoa(db):
    return officer(roles=["Learner"], username="hoa_hub")


def test_the_hub_panel_shows_the_banner_and_the_upload_way_when_the_hub_is_down(
    hub_down, lab, hoa
):
    request = RequestFactory().get("/bai-thuc-hanh/tiny-lab/")
    request.user = hoa

    html = Template("{% load labs_hub %}{% hub_panel lab %}").render(
        Context({"lab": lab, "request": request})
    )

    assert BANNER in html
    assert "/bai-thuc-hanh/tiny-lab/#lab-submit" in html
    assert "Mở bài thực hành" not in html


def test_the_hub_panel_offers_the_lab_buttons_when_the_hub_is_up(
    settings, lab, hoa, monkeypatch
):
    from django.core.cache import cache

    settings.ROOT_URLCONF = "tests.hub.urls"
    cache.set("labs:hub:up", True, 30)
    request = RequestFactory().get("/bai-thuc-hanh/tiny-lab/")
    request.user = hoa

    html = Template("{% load labs_hub %}{% hub_panel lab %}").render(
        Context({"lab": lab, "request": request})
    )
    cache.delete("labs:hub:up")

    assert BANNER not in html
    assert 'data-hub-warmup-url="/bai-thuc-hanh/tiny-lab/khoi-dong/"' in html
    assert "Đặt lại bài gốc" in html


def test_the_lab_page_renders_and_upload_still_works_when_the_hub_is_down(
    hub_down, client, lab, hoa, settings
):
    client.force_login(hoa)

    page = client.get("/bai-thuc-hanh/tiny-lab/")
    assert page.status_code == 200

    from django.core.files.uploadedfile import SimpleUploadedFile

    response = client.post(
        "/bai-thuc-hanh/tiny-lab/",
        {"notebook": SimpleUploadedFile("bai.ipynb", notebook_bytes("total = 6"))},
    )
    assert response.status_code == 302
    assert Submission.objects.get(user=hoa).source == Submission.Source.UPLOAD


def test_opening_a_lab_when_the_hub_is_down_goes_back_with_a_message(
    hub_down, client, lab, hoa
):
    client.force_login(hoa)

    response = client.post(
        "/bai-thuc-hanh/tiny-lab/mo/", {"next": "/bai-thuc-hanh/tiny-lab/"}, follow=True
    )

    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/bai-thuc-hanh/tiny-lab/"
    assert BANNER in response.content.decode()


def test_submitting_from_the_lab_when_the_hub_is_down_saves_nothing(
    hub_down, client, lab, hoa
):
    client.force_login(hoa)

    response = client.post("/bai-thuc-hanh/tiny-lab/nop-tu-lab/", follow=True)

    assert response.status_code == 200
    assert BANNER in response.content.decode()
    assert not Submission.objects.exists()


def test_warm_up_when_the_hub_is_down_answers_503_json(hub_down, client, lab, hoa):
    client.force_login(hoa)

    response = client.post("/bai-thuc-hanh/tiny-lab/khoi-dong/")

    assert response.status_code == 503
    assert response.json()["state"] == "unavailable"


def test_the_lab_buttons_refuse_get_and_anonymous_users(hub_down, client, lab):
    assert client.get("/bai-thuc-hanh/tiny-lab/mo/").status_code in {302, 405}
    response = client.post("/bai-thuc-hanh/tiny-lab/mo/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_unknown_lab_is_404(hub_down, client, hoa):
    client.force_login(hoa)

    assert client.post("/bai-thuc-hanh/khong-co/mo/").status_code == 404
