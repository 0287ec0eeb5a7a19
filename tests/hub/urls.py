"""The project's URLs plus the two JupyterHub seams, for as long as lms/urls.py and
labs/urls.py do not include them yet (then this adds nothing)."""

from django.urls import NoReverseMatch, URLResolver, include, path, reverse

from labs import hub_urls
from labs import urls as labs_urls
from lms import urls as project_urls


def _has(name: str, *args: object) -> bool:
    try:
        reverse(name, urlconf=project_urls, args=args)
    except NoReverseMatch:
        return False
    return True


urlpatterns = []
if not _has("oauth:userinfo"):
    urlpatterns.append(path("", include("lms.oauth_urls")))
for pattern in project_urls.urlpatterns:
    if (
        isinstance(pattern, URLResolver)
        and getattr(pattern, "urlconf_module", None) is labs_urls
        and not _has("labs:hub_open", "x")
    ):
        merged = list(labs_urls.urlpatterns) + list(hub_urls.urlpatterns)
        urlpatterns.append(path("", include((merged, "labs"), namespace="labs")))
    else:
        urlpatterns.append(pattern)

handler404 = project_urls.handler404
handler500 = project_urls.handler500


def _lesson_like_page(request, slug):
    """What a lesson's lab block renders: the hub panel of one lab (browser tests)."""
    from django.contrib.auth.decorators import login_required
    from django.http import HttpResponse
    from django.template import engines

    from labs.models import Lab

    @login_required
    def view(request):
        template = engines["django"].from_string(
            '{% extends "base.html" %}{% load labs_hub %}'
            "{% block content %}<h1>{{ lab.title }}</h1>{% hub_panel lab %}{% endblock %}"
        )
        lab = Lab.objects.get(slug=slug)
        return HttpResponse(template.render({"lab": lab}, request))

    return view(request)


urlpatterns.insert(0, path("_tests/lab-block/<slug:slug>/", _lesson_like_page))
