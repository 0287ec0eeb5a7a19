import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings


@pytest.fixture(scope="module")
def demo_content(django_db_setup, django_db_blocker):
    """The demo content, seeded once for this module (about 12 s) and rolled back at
    its end; each test runs in its own savepoint inside."""
    with override_settings(DEBUG=True), django_db_blocker.unblock():
        with transaction.atomic():
            call_command("seed_demo")
            yield
            transaction.set_rollback(True)


@pytest.fixture
def seeded(demo_content, db, settings):
    settings.DEBUG = True


def test_home_page_renders_in_vietnamese(client, seeded):
    response = client.get("/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="vi">' in body
    assert "Học viện Dữ liệu" in body
    assert "Kế hoạch phát triển dữ liệu năm 2026" in body


def test_home_page_renders_in_english(client, seeded, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/")
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Data Academy" in body
    assert "monthly report" in body


def test_an_english_browser_still_gets_vietnamese_by_default(client, seeded):
    response = client.get("/", headers={"accept-language": "en-US,en;q=0.9"})
    assert '<html lang="vi">' in response.content.decode()


def test_the_language_switch_remembers_english(client, seeded):
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert '<html lang="en">' in client.get("/").content.decode()


def test_seed_demo_twice_changes_nothing(seeded, django_assert_max_num_queries):
    from wagtail.models import Page, Revision

    from lms.accounts.models import User

    before = (Page.objects.count(), Revision.objects.count(), User.objects.count())
    call_command("seed_demo")
    after = (Page.objects.count(), Revision.objects.count(), User.objects.count())
    assert before == after


def test_seed_demo_creates_the_seven_programs(client, seeded):
    body = client.get("/programs/").content.decode()
    for code in ["P1", "P2", "P3", "P4", "P5", "P6", "P7"]:
        assert code in body


def test_an_unknown_page_gets_a_friendly_404(client, seeded, settings):
    settings.DEBUG = False
    response = client.get("/khong-co-trang-nay/")
    assert response.status_code == 404
    assert "Không tìm thấy trang" in response.content.decode()


def test_login_and_admin_pages_answer(client, seeded):
    assert client.get("/accounts/login/").status_code == 200
    # The Wagtail admin's own login form hands over to the academy's (lms/urls.py).
    assert client.get("/admin/login/")["Location"].startswith("/accounts/login/")


def test_the_header_shows_name_agency_and_role(client, seeded):
    from lms.accounts.models import User
    from lms.accounts.services import consent_record

    user = User.objects.get(username="hocvien")
    consent_record(user=user)
    client.force_login(user)
    body = client.get("/").content.decode()
    assert "Nguyễn Thị Hương" in body
    assert "UBND Phường Kinh Bắc" in body
    assert "Học viên" in body


def test_a_cached_header_keeps_per_view_parts_and_shows_a_new_name(
    client, seeded, settings
):
    from django.core.cache import cache

    from lms.accounts.models import User
    from lms.accounts.services import consent_record

    settings.HEADER_CACHE_SECONDS = 60
    cache.clear()
    user = User.objects.get(username="hocvien")
    consent_record(user=user)
    client.force_login(user)
    client.get("/")

    page = client.get("/khoa-hoc/?q=du+lieu").content.decode()
    user.full_name = "Nguyễn Thị Hương Giang"
    user.save()
    renamed = client.get("/").content.decode()

    # The sign-out form carries this view's CSRF token, the language switch this
    # page's path, although the rest of the header came from the cache.
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="next" value="/khoa-hoc/?q=du+lieu"' in page
    assert "Nguyễn Thị Hương Giang" in renamed


def test_seed_demo_refuses_to_run_in_production(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_a_page_template_renders_without_a_request(db):
    from django.template.loader import render_to_string

    html = render_to_string("404.html")

    assert "Không tìm thấy trang" in html
