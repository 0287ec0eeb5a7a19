"""Writes for the core app: the page tree's root and home page."""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from wagtail.models import Locale, Page, Site

from lms.models import HomePage


@transaction.atomic
def home_page_ensure() -> HomePage:
    """Return the home page, rebuilding root, locale and site if they are missing.

    A migration creates them; this repairs a database that lost them (a flushed test
    database, a restore of a partial dump) instead of failing later.
    """
    home = HomePage.objects.first()
    if home is not None:
        return home
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    root = Page.get_first_root_node() or Page.add_root(title="Root", slug="root")
    home = root.add_child(
        instance=HomePage(
            title="Học viện Dữ liệu", title_en="Data Academy", slug="home"
        )
    )
    Site.objects.filter(is_default_site=True).delete()
    Site.objects.create(
        hostname="localhost",
        site_name="Học viện Dữ liệu",
        root_page=home,
        is_default_site=True,
    )
    return home
