"""The lesson body, rendered once per lesson and language and shared by all its
learners; only lab blocks (the learner's own JupyterLab panel) render per view."""

from __future__ import annotations

from django import template
from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

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
