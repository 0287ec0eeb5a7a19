"""Small template filters shared by the academy's templates."""

from __future__ import annotations

import datetime

from django import template

register = template.Library()


@register.filter
def iso_date(value: object) -> str:
    """An ISO date string (as stored in frozen reports and figures) as dd/mm/yyyy,
    the way Vietnamese documents write dates; anything else is shown as is."""
    try:
        return datetime.date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


@register.simple_tag(takes_context=True)
def signup_open(context: template.Context) -> bool:
    """Whether self sign-up is open, as the account adapter decides: allauth's login
    view does not say, and a link to a closed sign-up only leads to "closed"."""
    from allauth.account.adapter import get_adapter

    request = context.get("request")
    return request is not None and get_adapter(request).is_open_for_signup(request)
