from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language
from oauth2_provider import urls as oauth2_provider_urls
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from lms import views
from lms.accounts.admin_login import admin_login_redirect

handler404 = "lms.views.page_not_found"
handler500 = "lms.views.server_error"

OAUTH_PROTOCOL_URLS = (
    oauth2_provider_urls.metadata_urlpatterns + oauth2_provider_urls.base_urlpatterns
)

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    # Why csrf-exempt: forcing someone's display language is harmless, and without
    # a token in the header the public pages stay cacheable (lms/pagecache.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    # The admins' own login forms would bypass allauth's throttling and second
    # factor: both hand over to the academy's login (lms/accounts/admin_login.py).
    path("django-admin/login/", admin_login_redirect, {"site": "django"}),
    path("admin/login/", admin_login_redirect, {"site": "wagtail"}),
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("accounts/", include("lms.accounts.urls")),
    path("accounts/", include("allauth.urls")),
    # The OAuth protocol endpoints only: the toolkit's application pages would let
    # any signed-in learner register a client and phish consent for it; clients are
    # created by `manage.py hub_register`.
    path("o/", include((OAUTH_PROTOCOL_URLS, "oauth2_provider"))),
    path("", include("lms.oauth_urls")),
    path("", include("lms.tracking.urls")),
    path("", include("courses.urls")),
    path("", include("labs.urls")),
    path("", include("certificates.urls")),
]

if settings.DEBUG:
    from django.views.static import serve

    # Images only: rosters, submissions, lab bundles (hidden checks), reports and
    # certificate PDFs are private and reach people through views that check access.
    urlpatterns.append(
        re_path(
            rf"^{settings.MEDIA_URL.strip('/')}/(?P<path>(?:images|original_images)/.*)$",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    )

# Wagtail's page tree catches everything else, so it goes last.
urlpatterns.append(path("", include(wagtail_urls)))
