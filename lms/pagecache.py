"""Whole-page cache for anonymous visitors of the public course pages.

Most visits to the home page, the catalogue and program/course pages come from
people who are not signed in, and those pages are the same for all of them. A
view opts in with `anonymous_cacheable(response)`; the middleware then keeps the
rendered bytes in the default cache (Redis in production) for
`PAGE_CACHE_SECONDS`, keyed by language and full path.

A request is served from the cache only when it carries no cookie that could
change the page (a session, flashed messages): signed-in users always get a fresh
page. Publishing, unpublishing, moving or deleting any Wagtail page bumps a
version number, which retires every cached page at once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse

from lms.cache import cache_version, cache_version_bump

VERSION_KEY = "pagecache:version"
_ATTRIBUTE = "_academy_anonymous_cacheable"
# Cookies that do not change what an anonymous visitor sees (the language cookie is
# part of the key instead).
_NEUTRAL_COOKIES = {settings.CSRF_COOKIE_NAME, settings.LANGUAGE_COOKIE_NAME}
_MAX_QUERY = 200


def anonymous_cacheable(response: HttpResponse) -> HttpResponse:
    """Mark a response as the same for every anonymous visitor."""
    setattr(response, _ATTRIBUTE, True)
    return response


def pages_changed(**_kwargs: object) -> None:
    """Retire every cached page (signal receiver: a page was published, moved...)."""
    cache_version_bump(VERSION_KEY)


def _language(request: HttpRequest) -> str:
    wanted = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    codes = {code for code, _name in settings.LANGUAGES}
    return wanted if wanted in codes else settings.LANGUAGE_CODE


def _key(request: HttpRequest) -> str | None:
    if request.method not in ("GET", "HEAD"):
        return None
    if set(request.COOKIES) - _NEUTRAL_COOKIES:
        return None
    if len(request.META.get("QUERY_STRING", "")) > _MAX_QUERY:
        return None
    version = cache_version(VERSION_KEY)
    digest = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
    return f"pagecache:{version}:{_language(request)}:{digest}"


class AnonymousPageCacheMiddleware:
    """Sits after the security/CSP middleware (their headers are added to every
    response, cached or not) and before sessions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        seconds = settings.PAGE_CACHE_SECONDS
        key = _key(request) if seconds else None
        if key is None:
            return self.get_response(request)
        cached = cache.get(key)
        if cached is not None:
            content, headers = cached
            response = HttpResponse(content, headers=headers)
            response["X-Page-Cache"] = "hit"
            return response
        response = self.get_response(request)
        if (
            getattr(response, _ATTRIBUTE, False)
            and response.status_code == 200
            and not response.streaming
            and not response.cookies
        ):
            headers = {k: v for k, v in response.items() if k.lower() != "set-cookie"}
            cache.set(key, (response.content, headers), seconds)
            response["X-Page-Cache"] = "miss"
        return response


class AnonymousCacheablePageMixin:
    """For Wagtail page models whose public view is the same for every anonymous
    visitor (home, program index, program and course pages)."""

    def serve(self, request, *args, **kwargs):  # noqa: ANN001, ANN201 - Wagtail's signature
        response = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        if not request.user.is_authenticated and not getattr(
            request, "is_preview", False
        ):
            anonymous_cacheable(response)
        return response


def signals_connect() -> None:
    from django.db.models.signals import post_delete
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    page_published.connect(pages_changed, dispatch_uid="pagecache-published")
    page_unpublished.connect(pages_changed, dispatch_uid="pagecache-unpublished")
    post_page_move.connect(pages_changed, dispatch_uid="pagecache-moved")
    post_delete.connect(pages_changed, sender=Page, dispatch_uid="pagecache-deleted")
