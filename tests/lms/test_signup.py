"""Self sign-up choosing an agency, approved by that agency's manager (PRODUCT.md §3,
journey 1): the account waits, inactive and outside every figure, until a manager of
the chosen agency (or a DOST admin) approves it; another agency's manager gets 404."""

from __future__ import annotations

import datetime
import logging
import re

import pytest
from allauth.account.models import EmailAddress
from django.core.cache import cache
from django.utils import timezone

from lms.accounts.models import (
    AgencyMembership,
    ConsentRecord,
    OfficerProfile,
    SignupRequest,
    User,
)
from lms.tracking.models import AccessLog, Requirement
from tests.factories import AgencyFactory, UserFactory, officer
from tests.tracking.conftest import in_days, programs  # noqa: F401 - fixture

PASSWORD = "Mk-dang-ky-2026!"
PENDING = "Tài khoản đang chờ quản lý đơn vị phê duyệt"


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def other_agency(db):
    return AgencyFactory(code="UBND-KHAC", name="UBND Xã Khác")


@pytest.fixture
def manager_b(other_agency):
    return officer(
        agency=other_agency, roles=["Agency manager"], username="quanly_khac"
    )


def _form(agency, changes: dict) -> dict:
    data = {
        "full_name": "  Nguyễn Thị   Lan ",
        "email": "lan.nt@bacninh.gov.vn",
        "username": "lan_nt",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "agency": agency.pk,
        "position": "Chuyên viên Văn phòng",
        "is_data_focal_point": "on",
        "accept": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def _sign_up(client, agency, capture=None, changes: dict | None = None):
    """POST the sign-up form; with `capture`, run the after-commit e-mails."""
    data = _form(agency, changes or {})
    if capture is None:
        return client.post("/accounts/signup/", data)
    with capture(execute=True):
        return client.post("/accounts/signup/", data)


def _pending(agency) -> SignupRequest:
    return SignupRequest.objects.get(agency=agency, status="pending")


def _decide(client, signup, action, *, agency=None, capture=None, **data):
    agency_id = (agency or signup.agency).pk
    url = f"/tong-quan/don-vi/{agency_id}/dang-ky/{signup.pk}/{action}/"
    if capture is None:
        return client.post(url, data)
    with capture(execute=True):
        return client.post(url, data)


# --- Signing up -----------------------------------------------------------------------
@pytest.mark.django_db
def test_the_form_offers_current_agencies_only_and_links_from_the_login_page(
    client, agency
):
    closed = AgencyFactory(
        code="XA-CU", name="UBND Xã Đã Sáp Nhập", valid_to=datetime.date(2025, 7, 1)
    )
    login = client.get("/accounts/login/").content.decode()
    assert 'href="/accounts/signup/"' in login and "Đăng ký" in login

    response = client.get("/accounts/signup/")
    page = response.content.decode()
    assert agency.name in page
    assert closed.name not in page
    assert "Tôi đã đọc và đồng ý với thông báo xử lý dữ liệu cá nhân." in page
    assert "Luật Bảo vệ dữ liệu cá nhân số 91/2025/QH15" in page
    # No citizen ID number is asked for.
    assert list(response.context["form"].fields) == [
        "full_name",
        "email",
        "username",
        "password1",
        "password2",
        "agency",
        "position",
        "is_data_focal_point",
        "accept",
    ]


@pytest.mark.django_db
def test_signing_up_creates_a_pending_account_that_cannot_sign_in(
    client, agency, manager, mailoutbox, django_capture_on_commit_callbacks
):
    response = _sign_up(client, agency, django_capture_on_commit_callbacks)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/cho-phe-duyet/"
    user = User.objects.get(username="lan_nt")
    assert not user.is_active
    assert user.full_name == "Nguyễn Thị Lan"
    assert user.email == "lan.nt@bacninh.gov.vn"
    assert user.has_current_consent
    assert ConsentRecord.objects.filter(user=user).count() == 1
    signup = user.signup_request
    assert (signup.agency, signup.status) == (agency, "pending")
    assert (signup.position, signup.is_data_focal_point) == (
        "Chuyên viên Văn phòng",
        True,
    )
    # Not the agency's officer yet: no profile, no membership, counted nowhere.
    assert not OfficerProfile.objects.filter(user=user).exists()
    assert not AgencyMembership.objects.filter(user=user).exists()
    assert "_auth_user_id" not in client.session

    page = client.get(response["Location"]).content.decode()
    assert PENDING in page and agency.name in page
    assert "xác minh địa chỉ thư điện tử" in page

    client.session.flush()
    login = client.post(
        "/accounts/login/", {"login": "lan_nt", "password": PASSWORD}, follow=True
    )
    assert "_auth_user_id" not in client.session
    assert login.redirect_chain[-1][0] == "/accounts/cho-phe-duyet/"
    assert PENDING in login.content.decode()


@pytest.mark.django_db
def test_the_managers_of_the_chosen_agency_are_emailed(
    client, agency, manager, manager_b, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_up(client, agency, django_capture_on_commit_callbacks)

    to_manager = [m for m in mailoutbox if manager.email in m.to]
    assert len(to_manager) == 1
    assert "Nguyễn Thị Lan" in to_manager[0].subject
    assert f"/tong-quan/don-vi/{agency.pk}/dang-ky/" in to_manager[0].body
    assert not [m for m in mailoutbox if manager_b.email in m.to]


@pytest.mark.django_db
def test_an_agency_without_a_manager_tells_the_dost_admins(
    client, agency, dost_admin, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_up(client, agency, django_capture_on_commit_callbacks)

    assert [m for m in mailoutbox if dost_admin.email in m.to]


@pytest.mark.django_db
def test_email_verification_still_works_while_the_account_waits(
    client, agency, mailoutbox
):
    _sign_up(client, agency)

    [verification] = [m for m in mailoutbox if "lan.nt@bacninh.gov.vn" in m.to]
    link = re.search(r"https?://\S+/accounts/confirm-email/\S+/", verification.body)
    assert link, verification.body
    path = "/" + link.group(0).split("/", 3)[3]
    assert client.get(path).status_code == 200
    client.post(path)
    assert EmailAddress.objects.get(email="lan.nt@bacninh.gov.vn").verified
    assert not User.objects.get(username="lan_nt").is_active


@pytest.mark.django_db
def test_mandatory_verification_is_still_asked_for_after_approval(
    client, agency, manager, settings, mailoutbox
):
    settings.ACCOUNT_EMAIL_VERIFICATION = "mandatory"
    _sign_up(client, agency)
    assert any("lan.nt@bacninh.gov.vn" in m.to for m in mailoutbox)
    client.force_login(manager)
    _decide(client, _pending(agency), "phe-duyet")
    client.logout()

    response = client.post(
        "/accounts/login/", {"login": "lan_nt", "password": PASSWORD}
    )
    assert response["Location"] == "/accounts/confirm-email/"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_sign_up_can_be_closed(client, agency, settings):
    settings.ACCOUNT_SIGNUP_OPEN = False
    response = _sign_up(client, agency)
    assert response.status_code == 200
    assert not User.objects.filter(username="lan_nt").exists()


@pytest.mark.django_db
def test_the_login_page_offers_sign_up_while_it_is_open(client):
    page = client.get("/accounts/login/?next=/hoc-tap/").content.decode()

    assert "Chưa có tài khoản?" in page
    assert 'href="/accounts/signup/?next=%2Fhoc-tap%2F"' in page


@pytest.mark.django_db
def test_the_login_page_offers_no_sign_up_once_it_is_closed(client, settings):
    settings.ACCOUNT_SIGNUP_OPEN = False

    page = client.get("/accounts/login/?next=/hoc-tap/").content.decode()

    assert "Chưa có tài khoản?" not in page
    assert "/accounts/signup/" not in page


# --- Bad input: a clear message and nothing created -------------------------------------
def _expired(agency):
    return AgencyFactory(
        code="XA-SAP-NHAP",
        name="UBND Xã Đã Sáp Nhập",
        valid_to=timezone.localdate() - datetime.timedelta(days=1),
        successor=agency,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("unknown_agency", "không tồn tại hoặc đã hết hiệu lực"),
        ("expired_agency", "không tồn tại hoặc đã hết hiệu lực"),
        ("no_agency", "Vui lòng chọn cơ quan, đơn vị công tác."),
        ("duplicate_email", "Đã có người dùng đăng ký bằng địa chỉ thư điện tử này."),
        ("duplicate_username", "Tên đăng nhập này đã có người dùng"),
        ("no_consent", "Bạn cần đánh dấu ô đồng ý để tiếp tục."),
        ("blank_name", "Vui lòng nhập họ và tên."),
    ],
)
def test_bad_input_gives_a_clear_message_and_creates_nothing(
    client, agency, mailoutbox, case, message
):
    UserFactory(username="Lan_NT_cu", email="lan.nt@bacninh.gov.vn")
    changes = {
        "unknown_agency": {"agency": 999999},
        "expired_agency": {"agency": _expired(agency).pk},
        "no_agency": {"agency": ""},
        "duplicate_email": {"email": "Lan.NT@BacNinh.gov.vn"},
        "duplicate_username": {"username": "lan_nt_CU"},
        "no_consent": {"accept": None},
        "blank_name": {"full_name": "   "},
    }[case]
    users = User.objects.count()

    response = _sign_up(client, agency, changes=changes)

    assert response.status_code == 200
    assert message in response.content.decode()
    assert User.objects.count() == users
    assert not SignupRequest.objects.exists()
    assert not mailoutbox


# --- Deciding ---------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_manager_sees_the_request_and_approves_it(
    client, agency, manager, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_up(client, agency)
    signup = _pending(agency)
    client.force_login(manager)

    dashboard = client.get(f"/tong-quan/don-vi/{agency.pk}/").content.decode()
    assert f"/tong-quan/don-vi/{agency.pk}/dang-ky/" in dashboard
    page = client.get(f"/tong-quan/don-vi/{agency.pk}/dang-ky/")
    assert page.status_code == 200
    assert "Nguyễn Thị Lan" in page.content.decode()
    mailoutbox.clear()
    response = _decide(
        client, signup, "phe-duyet", capture=django_capture_on_commit_callbacks
    )

    assert response["Location"] == f"/tong-quan/don-vi/{agency.pk}/dang-ky/"
    user = User.objects.get(username="lan_nt")
    assert user.is_active
    assert user.profile.agency == agency
    assert user.profile.position == "Chuyên viên Văn phòng"
    assert user.profile.is_data_focal_point
    assert (
        AgencyMembership.objects.get(user=user, ended_at__isnull=True).agency == agency
    )
    signup.refresh_from_db()
    assert (signup.status, signup.decided_by) == ("approved", manager)
    assert AccessLog.objects.filter(user=manager, action="signup_approve").exists()
    [mail] = mailoutbox
    assert mail.to == ["lan.nt@bacninh.gov.vn"] and "phê duyệt" in mail.subject
    after = client.get(f"/tong-quan/don-vi/{agency.pk}/dang-ky/").content.decode()
    assert "Không có yêu cầu đăng ký nào đang chờ." in after

    client.logout()
    client.post("/accounts/login/", {"login": "lan_nt", "password": PASSWORD})
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_the_approved_officer_gets_the_targets_requirements(
    client,
    agency,
    manager,
    dost_admin,
    programs,  # noqa: F811
):
    from lms.tracking.services import target_create

    for code, focal in (("P1", True), ("P2", False)):
        target_create(
            created_by=dost_admin,
            name=f"Chỉ tiêu {code}",
            program=programs[code],
            deadline=in_days(60),
            agency_kind="commune",
            focal_points_only=focal,
        )
    _sign_up(client, agency)
    user = User.objects.get(username="lan_nt")
    assert not Requirement.objects.filter(user=user).exists()

    client.force_login(manager)
    _decide(client, _pending(agency), "phe-duyet")

    rows = Requirement.objects.filter(user=user).select_related("program")
    assert {(r.program.code, r.agency_id, r.is_focal_point) for r in rows} == {
        ("P1", agency.pk, True),
        ("P2", agency.pk, True),
    }


@pytest.mark.django_db
def test_another_agencys_manager_gets_a_logged_404_and_changes_nothing(
    client, agency, other_agency, manager_b, caplog
):
    _sign_up(client, agency)
    signup = _pending(agency)
    client.force_login(manager_b)

    with caplog.at_level(logging.INFO, logger="lms.security"):
        responses = [
            client.get(f"/tong-quan/don-vi/{agency.pk}/dang-ky/"),
            _decide(client, signup, "phe-duyet"),
            _decide(client, signup, "tu-choi", reason="Không rõ"),
            # Their own agency's URL with the other agency's request.
            _decide(client, signup, "phe-duyet", agency=other_agency),
            _decide(client, signup, "tu-choi", agency=other_agency, reason="x"),
        ]

    assert [r.status_code for r in responses] == [404] * 5
    refusals = [
        r for r in caplog.records if getattr(r, "event", "") == "access_refused"
    ]
    assert len(refusals) == 5
    assert {r.user_id for r in refusals} == {manager_b.pk}
    signup.refresh_from_db()
    assert signup.status == "pending"
    assert not User.objects.get(username="lan_nt").is_active
    page = client.get(f"/tong-quan/don-vi/{other_agency.pk}/dang-ky/").content.decode()
    assert "Nguyễn Thị Lan" not in page


@pytest.mark.django_db
def test_a_learner_of_the_agency_gets_404(client, agency, learner):
    _sign_up(client, agency)
    client.force_login(learner)
    assert client.get(f"/tong-quan/don-vi/{agency.pk}/dang-ky/").status_code == 404
    assert _decide(client, _pending(agency), "phe-duyet").status_code == 404


@pytest.mark.django_db
def test_a_dost_admin_can_approve_for_any_agency(client, agency, dost_admin):
    _sign_up(client, agency)
    client.force_login(dost_admin)

    assert (
        "Nguyễn Thị Lan"
        in client.get(f"/tong-quan/don-vi/{agency.pk}/dang-ky/").content.decode()
    )
    _decide(client, _pending(agency), "phe-duyet")

    user = User.objects.get(username="lan_nt")
    assert user.is_active and user.profile.agency == agency
    assert user.signup_request.decided_by == dost_admin


@pytest.mark.django_db
def test_rejection_with_a_reason_emails_it_and_removes_the_account(
    client, agency, manager, mailoutbox, django_capture_on_commit_callbacks
):
    _sign_up(client, agency)
    signup = _pending(agency)
    client.force_login(manager)
    mailoutbox.clear()

    response = _decide(
        client,
        signup,
        "tu-choi",
        capture=django_capture_on_commit_callbacks,
        reason="Không phải cán bộ của đơn vị.",
    )

    assert response.status_code == 302
    assert not User.objects.filter(username="lan_nt").exists()
    assert not EmailAddress.objects.filter(email="lan.nt@bacninh.gov.vn").exists()
    signup.refresh_from_db()
    assert (signup.status, signup.user, signup.decided_by) == (
        "rejected",
        None,
        manager,
    )
    assert signup.reason == "Không phải cán bộ của đơn vị."
    assert AccessLog.objects.filter(user=manager, action="signup_reject").exists()
    [mail] = mailoutbox
    assert mail.to == ["lan.nt@bacninh.gov.vn"]
    assert "Không phải cán bộ của đơn vị." in mail.body
    assert "/accounts/signup/" in mail.body  # sign-up is open: try again there

    # The e-mail address and username are free for a corrected request.
    client.logout()
    assert _sign_up(client, agency).status_code == 302
    assert User.objects.filter(username="lan_nt", is_active=False).exists()


@pytest.mark.django_db
def test_the_rejection_email_offers_signing_up_again_only_while_signup_is_open(
    client, agency, manager, mailoutbox, django_capture_on_commit_callbacks, settings
):
    _sign_up(client, agency)
    signup = _pending(agency)
    settings.ACCOUNT_SIGNUP_OPEN = False
    client.force_login(manager)
    mailoutbox.clear()

    _decide(
        client,
        signup,
        "tu-choi",
        capture=django_capture_on_commit_callbacks,
        reason="Sai đơn vị công tác.",
    )

    [mail] = mailoutbox
    assert "/accounts/signup/" not in mail.body
    assert "liên hệ quản lý đơn vị" in mail.body


@pytest.mark.django_db
def test_rejection_needs_a_reason(client, agency, manager):
    _sign_up(client, agency)
    signup = _pending(agency)
    client.force_login(manager)

    response = _decide(client, signup, "tu-choi", reason="  ")

    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Vui lòng nhập lý do từ chối." in page
    signup.refresh_from_db()
    assert signup.status == "pending" and signup.user is not None


@pytest.mark.django_db
def test_a_second_decision_is_refused_with_a_message(client, agency, manager):
    _sign_up(client, agency)
    signup = _pending(agency)
    client.force_login(manager)
    _decide(client, signup, "phe-duyet")

    response = _decide(client, signup, "tu-choi", reason="Nhầm")

    page = client.get(response["Location"]).content.decode()
    assert "đã được xử lý trước đó" in page
    assert User.objects.get(username="lan_nt").is_active


@pytest.mark.django_db
def test_an_agency_merged_since_the_request_cannot_be_joined(client, agency, manager):
    _sign_up(client, agency)
    agency.valid_to = timezone.localdate()
    agency.save()
    client.force_login(manager)

    response = _decide(client, _pending(agency), "phe-duyet")

    page = client.get(response["Location"]).content.decode()
    assert "đã hết hiệu lực" in page
    assert not User.objects.get(username="lan_nt").is_active
    assert not OfficerProfile.objects.filter(user__username="lan_nt").exists()
