"""Labs on a real JupyterHub: single sign-on, launch, reset, submit, scoped token."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from labs import hub as hub_client
from labs import hub_services
from labs.models import Lab, Submission
from tests.conftest import wait_for
from tests.factories import officer
from tests.labs.lab_fixtures import notebook_bytes, version_record

pytestmark = pytest.mark.hub


@pytest.fixture
def lab(transactional_db, tiny_folder) -> Lab:
    lab = Lab.objects.create(slug="tiny-lab", title="Bài thực hành thử")
    version_record(lab, tiny_folder)
    return lab


@pytest.fixture
def hoa(transactional_db):
    return officer(roles=["Learner"], username="hoa_hub")


@pytest.fixture
def binh(transactional_db):
    return officer(roles=["Learner"], username="binh_hub")


def test_opening_a_lab_signs_the_learner_in_and_lands_in_their_jupyterlab(
    hub, lab, hoa, academy_browser
):
    academy_browser.login("hoa_hub")

    response = academy_browser.post_form("/bai-thuc-hanh/tiny-lab/mo/")

    assert response.status_code == 200
    assert response.url.startswith(
        f"{hub.url}/user/hoa_hub/lab/tree/labs/tiny-lab/starter.ipynb"
    )
    assert "JupyterLab" in response.text
    # The hub learned who this is from the academy's userinfo endpoint.
    model = hub.api("GET", "/users/hoa_hub").json()
    assert model["servers"][""]["ready"] is True
    assert "learner" in model["groups"]


def test_a_learner_cannot_reach_another_learners_server(
    hub, lab, hoa, binh, academy_browser
):
    hub_services.server_ready_ensure(user=binh)
    academy_browser.login("hoa_hub")
    academy_browser.post_form("/bai-thuc-hanh/tiny-lab/mo/")

    response = academy_browser.get(f"{hub.url}/user/binh_hub/api/contents", timeout=30)

    assert response.status_code == 403
    assert "content" not in response.text[:200]


def test_opening_copies_the_starter_and_data_without_overwriting_edits(
    hub,
    lab,
    hoa,
    tiny_folder,
):
    folder = hub.home("hoa_hub") / "labs" / "tiny-lab"

    hub_services.lab_open(user=hoa, lab=lab)
    assert (folder / "data" / "numbers.csv").read_text() == "n\n1\n2\n3\n"
    assert (folder / "starter.ipynb").read_bytes() == (
        tiny_folder / "starter.ipynb"
    ).read_bytes()

    edited = notebook_bytes("total = 6  # my work")
    (folder / "starter.ipynb").write_bytes(edited)
    (folder / "data" / "numbers.csv").unlink()
    hub_services.lab_open(user=hoa, lab=lab)

    assert (folder / "starter.ipynb").read_bytes() == edited
    assert (folder / "data" / "numbers.csv").exists()


def test_reset_to_starter_keeps_a_backup_of_the_learners_notebook(
    hub,
    lab,
    hoa,
    tiny_folder,
):
    folder = hub.home("hoa_hub") / "labs" / "tiny-lab"
    hub_services.lab_open(user=hoa, lab=lab)
    edited = notebook_bytes("total = 6  # my work")
    (folder / "starter.ipynb").write_bytes(edited)

    _url, backup = hub_services.lab_reset(user=hoa, lab=lab)

    assert backup is not None
    backup_path = hub.home("hoa_hub") / backup
    assert backup_path.read_bytes() == edited
    assert (folder / "starter.ipynb").read_bytes() == (
        tiny_folder / "starter.ipynb"
    ).read_bytes()


def _solve(hub, hoa, lab) -> None:
    hub_services.lab_open(user=hoa, lab=lab)
    (hub.home("hoa_hub") / "labs" / "tiny-lab" / "starter.ipynb").write_bytes(
        notebook_bytes(
            "import csv\n"
            "total = sum(int(r['n']) for r in csv.DictReader(open('data/numbers.csv')))"
        )
    )


def test_submitting_from_jupyterlab_fetches_the_notebook_into_a_hub_submission(
    hub, lab, hoa, academy_browser
):
    _solve(hub, hoa, lab)
    academy_browser.login("hoa_hub")

    response = academy_browser.post_form("/bai-thuc-hanh/tiny-lab/nop-tu-lab/")

    submission = Submission.objects.get(user=hoa, lab=lab)
    assert submission.source == Submission.Source.HUB
    assert "csv.DictReader" in submission.notebook.read().decode()
    assert response.url.endswith(f"/bai-nop/{submission.pk}/")


def test_a_submission_from_jupyterlab_is_graded(
    hub,
    lab,
    hoa,
    labs_worker,
):
    _solve(hub, hoa, lab)

    submission = hub_services.lab_submit_from_hub(user=hoa, lab=lab)

    graded = wait_for(
        lambda: Submission.objects.filter(
            pk=submission.pk, status=Submission.Status.GRADED
        ).first(),
        timeout=90,
    )
    assert graded.score == graded.max_score


def test_submitting_without_a_running_server_explains_and_saves_nothing(
    hub, lab, hoa, academy_browser
):
    hub_client.server_stop("hoa_hub")
    wait_for(lambda: not hub_client.server_state("hoa_hub").pending, timeout=30)
    academy_browser.login("hoa_hub")

    response = academy_browser.post_form("/bai-thuc-hanh/tiny-lab/nop-tu-lab/")

    assert response.status_code == 200
    assert response.url.endswith("/bai-thuc-hanh/tiny-lab/")
    assert "Máy chủ bài thực hành" in response.text or "Không tìm thấy" in response.text
    assert not Submission.objects.exists()


def test_the_lab_page_warms_the_server_up(hub, lab, hoa, academy_browser):
    academy_browser.login("hoa_hub")

    response = academy_browser.post_form("/bai-thuc-hanh/tiny-lab/khoi-dong/")

    assert response.status_code == 200
    assert response.json()["state"] in {"starting", "ready"}
    hub_client.server_wait_ready("hoa_hub", timeout=60)


def test_the_academy_service_token_cannot_do_what_its_role_does_not_allow(
    hub, hoa, binh
):
    hub_services.server_ready_ensure(user=binh)
    hub_client.user_ensure("hoa_hub")

    assert hub.api("POST", "/shutdown").status_code == 403
    assert hub.api("GET", "/proxy").status_code == 403
    assert hub.api("POST", "/groups/academy-test").status_code == 403
    assert hub.api("GET", "/services/idle-culler").status_code == 403
    # The service token itself cannot open a learner's server ...
    as_service = hub_client._session().get(
        f"{hub.url}/user/binh_hub/api/contents",
        headers={"Authorization": f"token {hub.token}"},
        allow_redirects=False,
        timeout=10,
    )
    assert as_service.status_code in {302, 403}
    # ... and a learner-owned token it issues reaches only that learner's server.
    hoa_token = hub_client.user_token("hoa_hub")
    denied = hub_client._session().get(
        f"{hub.url}/user/binh_hub/api/contents",
        headers={"Authorization": f"token {hoa_token}"},
        allow_redirects=False,
        timeout=10,
    )
    assert denied.status_code in {302, 403}
    assert hub_client.contents_get("binh_hub", "", hub_client.user_token("binh_hub"))


def test_logging_out_of_the_academy_logs_out_of_the_hub_and_stops_the_server(
    hub, lab, hoa, academy_browser
):
    from oauth2_provider.models import AccessToken

    academy_browser.login("hoa_hub")
    academy_browser.post_form("/bai-thuc-hanh/tiny-lab/mo/")
    assert AccessToken.objects.filter(user=hoa).exists()

    response = academy_browser.post_form("/accounts/logout/")

    # Academy logout → the hub's logout page → back to the academy's home page.
    back = urlsplit(response.url)
    assert (back.port, back.path) == (urlsplit(academy_browser.base_url).port, "/")
    assert any(r.url.startswith(f"{hub.url}/hub/logout") for r in response.history)
    assert not AccessToken.objects.filter(user=hoa).exists()
    wait_for(lambda: not hub.api("GET", "/users/hoa_hub").json()["servers"], timeout=30)
    # The hub no longer knows this browser: its pages send it to log in again.
    again = academy_browser.get(
        f"{hub.url}/hub/home", allow_redirects=False, timeout=30
    )
    assert again.status_code == 302
    assert "/hub/login" in again.headers["Location"]
