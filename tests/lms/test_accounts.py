import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse

from lms.accounts.models import ConsentRecord, OfficerProfile
from lms.accounts.roles import ROLE_PERMISSIONS, Role, roles_sync
from lms.accounts.services import ConsentRequired, profile_update
from tests.factories import UserFactory

PASSWORD = "matkhau-thu-nghiem"


@pytest.fixture(autouse=True)
def _clear_throttle():
    cache.clear()
    yield
    cache.clear()


def _login(client, login, password=PASSWORD):
    return client.post(reverse("account_login"), {"login": login, "password": password})


@pytest.mark.django_db
def test_an_officer_logs_in_with_username(client):
    user = UserFactory(username="hoa")
    response = _login(client, "hoa")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_an_officer_logs_in_with_email(client):
    user = UserFactory(username="hoa", email="hoa@bacninh.gov.vn")
    response = _login(client, "hoa@bacninh.gov.vn")
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_vietnamese_message(client):
    UserFactory(username="hoa")
    response = _login(client, "hoa", "sai-mat-khau")
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "không đúng" in response.content.decode()


@pytest.mark.django_db
def test_logout_ends_the_session(client):
    UserFactory(username="hoa")
    _login(client, "hoa")
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_repeated_failed_logins_are_throttled_even_with_the_right_password(client):
    UserFactory(username="hoa")
    for _ in range(5):
        _login(client, "hoa", "sai-mat-khau")
    response = _login(client, "hoa")
    assert "_auth_user_id" not in client.session
    assert "quá nhiều lần" in response.content.decode()


@pytest.mark.django_db
def test_password_reset_sends_a_mail(client, mailoutbox):
    UserFactory(username="hoa", email="hoa@bacninh.gov.vn")
    client.post(reverse("account_reset_password"), {"email": "hoa@bacninh.gov.vn"})
    assert len(mailoutbox) == 1
    assert "hoa@bacninh.gov.vn" in mailoutbox[0].to


@pytest.mark.django_db
def test_a_user_without_consent_is_sent_to_the_notice(client):
    user = UserFactory(consent_version="")
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:consent"))


@pytest.mark.django_db
def test_accepting_the_notice_records_version_and_time(client, settings):
    user = UserFactory(consent_version="")
    client.force_login(user)
    client.post(reverse("accounts:consent"), {"accept": "on", "next": "/"})
    record = ConsentRecord.objects.get(user=user)
    assert record.version == settings.PERSONAL_DATA_CONSENT_VERSION
    assert record.accepted_at is not None


@pytest.mark.django_db
def test_no_profile_data_is_stored_before_consent():
    user = UserFactory(consent_version="")
    with pytest.raises(ConsentRequired):
        profile_update(user=user, full_name="Đỗ Thị Lan", position="Chuyên viên")
    assert not OfficerProfile.objects.filter(user=user).exists()
    user.refresh_from_db()
    assert user.full_name != "Đỗ Thị Lan"


@pytest.mark.django_db
def test_profile_is_saved_after_consent(client):
    user = UserFactory()
    client.force_login(user)
    client.post(
        reverse("accounts:profile"),
        {"full_name": "Đỗ  Thị Lan", "position": "Chuyên viên"},
    )
    user.refresh_from_db()
    assert user.full_name == "Đỗ Thị Lan"
    assert user.profile.position == "Chuyên viên"


@pytest.mark.django_db
def test_a_new_notice_version_asks_again(client, settings):
    user = UserFactory()
    settings.PERSONAL_DATA_CONSENT_VERSION = "2027-01"
    client.force_login(user)
    assert client.get("/").status_code == 302


@pytest.mark.django_db
def test_role_groups_carry_exactly_their_permissions():
    groups = roles_sync()
    for role, expected in ROLE_PERMISSIONS.items():
        granted = {
            f"{perm.content_type.app_label}.{perm.codename}"
            for perm in groups[role].permissions.select_related("content_type")
        }
        assert granted == set(expected), role


@pytest.mark.django_db
def test_only_dost_admins_see_the_whole_province():
    roles_sync()
    holders = Group.objects.filter(
        permissions__codename="view_province_officers"
    ).values_list("name", flat=True)
    assert list(holders) == [Role.DOST_ADMIN]


@pytest.mark.django_db
def test_agency_managers_cannot_enter_the_wagtail_admin():
    roles_sync()
    manager = UserFactory(roles=[Role.AGENCY_MANAGER])
    assert not manager.has_perm("wagtailadmin.access_admin")
    assert manager.has_perm("accounts.manage_agency_roster")
