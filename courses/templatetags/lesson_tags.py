"""Parts of the course and lesson pages rendered once and shared by all learners:
the lesson body (per lesson and language; lab blocks, the learner's own JupyterLab
panel, render per view) and the course outline (per course and language; the current
lesson and the learner's "đã xong" badges are filled in per view)."""

from __future__ import annotations

import re

from django import template
from django.conf import settings
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from courses.selectors import OUTLINE_VERSION_KEY
from lms.cache import cache_version

register = template.Library()

# Blocks whose HTML depends on who is looking (the lab block asks the hub about the
# learner's server); every other block is the same for everyone.
PER_VIEWER_BLOCKS = frozenset({"lab"})


def _render(block, context) -> str:
    return block.render_as_block(context=context.flatten())


@register.simple_tag(takes_context=True)
def lesson_body(context, page) -> SafeString:
    request = context.get("request")
    seconds = settings.COURSE_OUTLINE_CACHE_SECONDS
    if not seconds or getattr(request, "is_preview", False) or not page.pk:
        return mark_safe("".join(_render(block, context) for block in page.body))  # noqa: S308
    # The outline version moves on any save, publish, move or delete of a lesson,
    # module or course (courses.receivers), which is all the body depends on.
    key = (
        f"courses:body:{cache_version(OUTLINE_VERSION_KEY)}:{page.pk}:{get_language()}"
    )
    fragments: list[str | None] | None = cache.get(key)
    if fragments is None:
        fragments = [
            None if block.block_type in PER_VIEWER_BLOCKS else _render(block, context)
            for block in page.body
        ]
        cache.set(key, fragments, seconds)
    if None in fragments:
        body = page.body
        parts = [
            _render(body[index], context) if html is None else html
            for index, html in enumerate(fragments)
        ]
    else:
        parts = fragments
    return mark_safe("".join(parts))  # noqa: S308 - blocks' own escaped HTML


_OUTLINE_MARK = re.compile(r"<!--outline-(current|done):(\d+)-->")


@register.simple_tag(takes_context=True)
def course_outline(context, course) -> SafeString:
    """courses/_outline.html for `course`, marking `page` as current and the
    lessons in `done_ids` as done."""
    request = context.get("request")
    seconds = settings.COURSE_OUTLINE_CACHE_SECONDS
    if not seconds or getattr(request, "is_preview", False) or course is None:
        return mark_safe(render_to_string("courses/_outline.html", context.flatten()))  # noqa: S308
    key = (
        f"courses:outline-html:{cache_version(OUTLINE_VERSION_KEY)}:{course.pk}:"
        f"{get_language()}"
    )
    skeleton = cache.get(key)
    if skeleton is None:
        skeleton = render_to_string(
            "courses/_outline.html", {"outline": context["outline"], "skeleton": True}
        )
        cache.set(key, skeleton, seconds)
    page = context.get("page")
    current = str(page.pk) if page is not None else ""
    done = {str(pk) for pk in context.get("done_ids") or ()}
    badge = format_html('<span class="badge badge-ok">{}</span>', gettext("đã xong"))

    def fill(match: re.Match[str]) -> str:
        kind, pk = match.groups()
        if kind == "current":
            return ' aria-current="page" class="current"' if pk == current else ""
        return badge if pk in done else ""

    # The markers come only from the template: titles are escaped, so "<!--" in
    # a lesson title reaches the skeleton as "&lt;!--".
    return mark_safe(_OUTLINE_MARK.sub(fill, skeleton))  # noqa: S308
