"""Second factor for DOST admins and instructors, and one login door (allauth's,
throttled) instead of the Wagtail and Django admin login forms."""

from __future__ import annotations

import pytest
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms.accounts.mfa import mfa_required
from tests.factories import TEST_TOTP_SECRET, UserFactory, officer, totp_code

PASSWORD = "matkhau-thu-nghiem"
ACTIVATE = "/accounts/2fa/totp/activate/"
EXPLANATION = "phải bật xác thực hai lớp"


@pytest.fixture(autouse=True)
def _private_cache(settings, request):
    # Throttling counters and allauth's used-code markers live in the cache; a cache
    # of this test's own keeps reruns and other tests from sharing them.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": request.node.nodeid,
        }
    }


@pytest.fixture
def newcomer(agency):
    """An instructor who has not activated an authenticator app yet."""
    return officer(agency=agency, roles=["Instructor"], username="gv_moi", totp=False)


def _password_login(client, username: str):
    return client.post(
        reverse("account_login"), {"login": username, "password": PASSWORD}
    )


# --- Who must use a second factor -------------------------------------------------


def test_dost_admins_instructors_and_superusers_need_a_second_factor(
    learner, manager, instructor, dost_admin
):
    superuser = UserFactory(username="root_test", is_superuser=True)
    assert [mfa_required(u) for u in (learner, manager, instructor, dost_admin)] == [
        False,
        False,
        True,
        True,
    ]
    assert mfa_required(superuser)
    assert not mfa_required(AnonymousUser())


def test_an_empty_role_list_turns_the_requirement_off(settings, dost_admin):
    settings.MFA_REQUIRED_ROLES = []
    assert not mfa_required(dost_admin)


def test_test_staff_have_an_authenticator_app_like_production_staff(instructor):
    assert Authenticator.objects.filter(
        user=instructor, type=Authenticator.Type.TOTP
    ).exists()


# --- Staff without TOTP are kept on the activation page ---------------------------


def test_staff_without_totp_are_sent_to_activation_with_the_reason(client, newcomer):
    _password_login(client, newcomer.username)

    response = client.get("/admin/", follow=True)

    assert response.redirect_chain[0] == (ACTIVATE, 302)
    assert response.status_code == 200
    assert EXPLANATION in response.content.decode()


def test_the_reason_is_shown_once_however_many_pages_were_refused(client, newcomer):
    _password_login(client, newcomer.username)
    for path in ("/", "/khoa-hoc/", "/admin/"):
        client.get(path)

    body = client.get(ACTIVATE, follow=True).content.decode()

    assert body.count(EXPLANATION) == 1


@pytest.mark.parametrize(
    "path",
    [ACTIVATE, "/accounts/consent/", "/healthz", "/accounts/logout/"],
)
def test_the_activation_flow_consent_logout_and_health_stay_reachable(
    client, newcomer, path
):
    client.force_login(newcomer)
    response = client.get(path)
    assert not (response.status_code == 302 and response["Location"] == ACTIVATE)


def test_learners_and_managers_are_not_asked(client, learner, manager):
    for user in (learner, manager):
        client.force_login(user)
        assert client.get("/khoa-hoc/").status_code == 200


def test_a_learners_request_does_not_look_for_authenticators(client, learner):
    client.force_login(learner)
    with CaptureQueriesContext(connection) as ctx:
        client.get("/khoa-hoc/")
    assert not [q for q in ctx.captured_queries if "mfa_authenticator" in q["sql"]]


def test_staff_with_totp_reach_the_admin(client, instructor):
    client.force_login(instructor)
    assert client.get("/admin/").status_code == 200


def test_the_requirement_can_be_turned_off(client, settings, newcomer):
    settings.MFA_REQUIRED_ROLES = []
    client.force_login(newcomer)
    assert client.get("/admin/").status_code == 200


# --- Activation and sign-in through allauth ----------------------------------------


def test_activating_an_authenticator_app_lets_the_instructor_in(client, newcomer):
    _password_login(client, newcomer.username)
    # allauth asks for the password again before changing the second factor.
    reauthenticate = client.get(ACTIVATE)["Location"]
    assert reauthenticate.startswith(reverse("account_reauthenticate"))
    assert client.post(reauthenticate, {"password": PASSWORD})["Location"] == ACTIVATE
    assert client.get(ACTIVATE).status_code == 200
    secret = client.session["mfa.totp.secret"]  # what the QR code encodes

    response = client.post(ACTIVATE, {"code": totp_code(secret)})

    assert response.status_code == 302
    assert Authenticator.objects.filter(user=newcomer).count() == 2  # + recovery codes
    assert client.get("/admin/").status_code == 200


def test_sign_in_asks_for_the_code_once_totp_is_active(client, instructor):
    response = _password_login(client, instructor.username)

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    wrong = client.post(reverse("mfa_authenticate"), {"code": "000000"})
    assert "_auth_user_id" not in client.session
    assert wrong.status_code == 200
    client.post(reverse("mfa_authenticate"), {"code": totp_code(TEST_TOTP_SECRET)})
    assert client.session["_auth_user_id"] == str(instructor.pk)


def test_a_password_reset_does_not_skip_the_code(client, instructor, mailoutbox):
    client.post(reverse("account_reset_password"), {"email": instructor.email})
    link = next(
        word for word in mailoutbox[0].body.split() if "/password/reset/key/" in word
    )
    form_url = client.get(link)["Location"]
    new_password = "mat-khau-moi-2026"

    response = client.post(
        form_url, {"password1": new_password, "password2": new_password}
    )

    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session


# --- One login door: the admins' login forms hand over to allauth -----------------


@pytest.mark.parametrize(
    ("login_url", "home"),
    [("/admin/login/", "/admin/"), ("/django-admin/login/", "/django-admin/")],
)
def test_admin_login_forms_check_no_password(client, instructor, login_url, home):
    response = client.post(
        login_url, {"username": instructor.username, "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={home.replace('/', '%2F')}"
    assert "_auth_user_id" not in client.session


def test_an_admin_page_sends_a_visitor_to_the_academy_login_and_back(client, db):
    response = client.get("/admin/pages/", follow=True)
    assert response.redirect_chain[-1][0] == "/accounts/login/?next=%2Fadmin%2Fpages%2F"


def test_a_signed_in_learner_at_the_admin_lands_home_not_in_a_loop(client, learner):
    client.force_login(learner)
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == "/"
    assert response.status_code == 200


def test_failed_logins_lock_the_account_out_even_for_the_right_password(
    client, instructor
):
    for _ in range(5):  # LOGIN_FAILED_RATE_LIMIT: 5 per account per 5 minutes
        _wrong = client.post(
            reverse("account_login"),
            {"login": instructor.username, "password": "sai-mat-khau"},
        )

    response = _password_login(client, instructor.username)

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "mfa_authenticate" not in str(response.get("Location"))


def test_the_academy_login_answers_429_after_30_attempts_a_minute(client, db):
    responses = [
        client.post(
            reverse("account_login"), {"login": f"ai-do-{n}", "password": "sai"}
        )
        for n in range(31)
    ]
    assert {r.status_code for r in responses[:30]} == {200}
    assert responses[30].status_code == 429
    assert "Quá nhiều yêu cầu" in responses[30].content.decode()


def test_wagtails_own_password_reset_is_off(client, db):
    assert client.get("/admin/password_reset/").status_code == 404


# --- The demo ------------------------------------------------------------------------


def test_demo_staff_get_an_authenticator_app_with_the_published_secret(db):
    from allauth.mfa.totp.internal.auth import TOTP

    from lms.agencies.services import agencies_load
    from lms.demo import DEMO_TOTP_SECRET, seed_users

    agencies_load()
    users = {user.username: user for user in seed_users()}

    with_app = {
        a.user.username: a
        for a in Authenticator.objects.filter(type=Authenticator.Type.TOTP)
    }
    assert set(with_app) == {"giangvien", "sokhcn"}
    assert TOTP(with_app["sokhcn"]).validate_code(totp_code(DEMO_TOTP_SECRET))
    assert not mfa_required(users["hocvien"])
