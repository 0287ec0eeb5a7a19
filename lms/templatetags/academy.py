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
