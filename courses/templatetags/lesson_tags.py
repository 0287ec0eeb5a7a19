"""Parts of the course and lesson pages rendered once and shared by all learners:
the lesson body (per lesson and language; lab blocks, the learner's own JupyterLab
panel, render per view) and the course outline (per course and language; the current
lesson and the learner's "đã xong" badges are filled in per view)."""

from __future__ import annotations

import re

from django import template
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext

from courses.selectors import outline_cached

register = template.Library()

# Blocks whose HTML depends on who is looking (the lab block asks the hub about the
# learner's server); every other block is the same for everyone.
PER_VIEWER_BLOCKS = frozenset({"lab"})


def _uncached(request) -> bool:
    # Previews show the draft, never what the live page has cached.
    return getattr(request, "is_preview", False)


@register.simple_tag(takes_context=True)
def lesson_body(context, page) -> SafeString:
    values = context.flatten()
    if _uncached(context.get("request")) or not page.pk:
        fragments: list[str | None] = [None] * len(page.body)
    else:
        fragments = outline_cached(
            f"body:{page.pk}:{get_language()}",
            lambda: [
                None
                if block.block_type in PER_VIEWER_BLOCKS
                else block.render_as_block(context=values)
                for block in page.body
            ],
        )
    body = page.body
    return mark_safe(  # noqa: S308 - blocks' own escaped HTML
        "".join(
            body[index].render_as_block(context=values) if html is None else html
            for index, html in enumerate(fragments)
        )
    )


_OUTLINE_MARK = re.compile(r"<!--outline-(current|done):(\d+)-->")


@register.simple_tag(takes_context=True)
def course_outline(context, course) -> SafeString:
    """courses/_outline.html for `course`, marking `page` as current and the
    lessons in `done_ids` as done."""
    if _uncached(context.get("request")) or course is None:
        return mark_safe(render_to_string("courses/_outline.html", context.flatten()))  # noqa: S308
    skeleton = outline_cached(
        f"outline-html:{course.pk}:{get_language()}",
        lambda: render_to_string(
            "courses/_outline.html", {"outline": context["outline"], "skeleton": True}
        ),
    )
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
