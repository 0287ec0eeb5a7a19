"""`{% load labs_hub %}{% hub_panel lab %}`: the JupyterHub buttons of a lab, for the
lab page and for a lesson's lab block. It asks the hub whether it is up (cached for
a few seconds) so a page with a dead hub still renders, with a banner."""

from __future__ import annotations

from django import template

from labs import hub

register = template.Library()


@register.inclusion_tag("labs/hub_panel.html", takes_context=True)
def hub_panel(context: template.Context, lab: object, warmup: bool = True) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "lab": lab,
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "signed_in": bool(user and user.is_authenticated),
        "hub_up": hub.hub_available(),
        "warmup": warmup,
        "next": request.get_full_path() if request else "",
    }
