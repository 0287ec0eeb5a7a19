"""Anonymous visitors get public pages from the page cache; nobody else does."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from lms.pagecache import VERSION_KEY, pages_changed


@pytest.fixture
def page_cache(settings, db):
    settings.PAGE_CACHE_SECONDS = 60
    # A fresh version: nothing cached by an earlier run or test can answer.
    pages_changed()
    yield
    pages_changed()


@pytest.fixture
def course(home_page):
    from courses.models import CoursePage, ProgramPage
    from lms.demo import seed_programs

    seed_programs(home_page)
    return ProgramPage.objects.get(code="P1").add_child(
        instance=CoursePage(title="Dữ liệu mở", slug="du-lieu-mo-cache")
    )


def test_the_second_anonymous_visit_is_served_from_the_cache(
    client, page_cache, course
):
    first = client.get(course.url)
    second = client.get(course.url)

    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    assert second.content == first.content
    # The security headers are added to cached answers too.
    assert "Content-Security-Policy" in second
    assert "csrftoken" not in second.cookies


def test_publishing_a_change_retires_the_cached_page(client, page_cache, course):
    client.get(course.url)
    course.title = "Dữ liệu mở (cập nhật)"
    course.save_revision().publish()

    response = client.get(course.url)

    assert response["X-Page-Cache"] == "miss"
    assert "Dữ liệu mở (cập nhật)" in response.content.decode()


def test_english_and_vietnamese_are_cached_apart(client, page_cache, course):
    client.get(course.url)
    client.cookies["django_language"] = "en"

    response = client.get(course.url)

    assert response["X-Page-Cache"] == "miss"
    assert response["Content-Language"] == "en"


def test_a_signed_in_learner_never_gets_a_cached_page(
    client, page_cache, course, learner
):
    client.get(course.url)
    client.force_login(learner)

    response = client.get(course.url)

    assert "X-Page-Cache" not in response
    assert learner.get_full_name() in response.content.decode()


def test_the_catalogue_search_is_cached_per_query(client, page_cache, course):
    client.get("/khoa-hoc/?q=du+lieu")

    assert client.get("/khoa-hoc/?q=du+lieu")["X-Page-Cache"] == "hit"
    assert client.get("/khoa-hoc/?q=mo")["X-Page-Cache"] == "miss"


def test_the_version_key_survives_a_cold_cache(page_cache):
    cache.delete(VERSION_KEY)
    pages_changed()
    assert cache.get(VERSION_KEY) == 2
