"""Content Security Policy: no inline scripts anywhere on the academy's own pages.

The Wagtail admin (and Django's admin) are not CSP-ready: the page editor runs inline
scripts, uses inline styles and embeds previews in same-origin frames. Their
responses (staff only, behind login) get those three relaxations; every other page
keeps `script-src 'self'`.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

_ADMIN_PREFIXES = ("/admin/", "/django-admin/")
_ADMIN_RELAXATION = {
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    "frame-ancestors": [SELF],
}


class AcademyCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self,
        request: HttpRequest,
        response: HttpResponseBase,
        report_only: bool = False,
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if request.path_info.startswith(_ADMIN_PREFIXES) and parts.replace is None:
            parts.replace = dict(_ADMIN_RELAXATION)
        if parts.update is None:
            # "Mở bài thực hành" posts here and is redirected to the hub, which
            # form-action also governs; read the hub URL at request time.
            parts.update = {"form-action": [_origin(settings.JUPYTERHUB_URL)]}
        return parts


def _origin(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"
