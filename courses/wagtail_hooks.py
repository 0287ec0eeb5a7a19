"""Admin hooks for courses.

The lesson body's lab block needs `labs.Lab` to be a registered snippet (for its
chooser). The labs app owns that registration; until it does, register a plain
snippet here so the chooser works, and never twice.
"""

from __future__ import annotations

import contextlib

from wagtail.snippets.models import (
    DEFERRED_REGISTRATIONS,
    SNIPPET_MODELS,
    register_snippet,
)

from labs.models import Lab

with contextlib.suppress(ImportError):
    import labs.wagtail_hooks  # noqa: F401 - let labs register Lab first, if it does


def _registers_lab(registerable: object) -> bool:
    model = getattr(registerable, "model", registerable)
    return model is Lab or model == "labs.Lab"


if not (
    Lab in SNIPPET_MODELS
    or any(_registers_lab(r) or _registers_lab(v) for r, v in DEFERRED_REGISTRATIONS)
):
    register_snippet(Lab)
