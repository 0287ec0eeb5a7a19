"""Completion signals from `courses` -> certificates issued after the commit."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from courses.signals import course_completed, program_completed


@receiver(course_completed, dispatch_uid="certificates.course_completed")
def on_course_completed(
    sender: Any, *, user: Any, course: Any, completion: Any, **kw: Any
) -> None:
    from certificates.services import certificate_issue_on_completion

    certificate_issue_on_completion(user=user, course=course, completion=completion)


@receiver(program_completed, dispatch_uid="certificates.program_completed")
def on_program_completed(
    sender: Any, *, user: Any, program: Any, completion: Any, **kw: Any
) -> None:
    from certificates.services import certificate_issue_on_completion

    certificate_issue_on_completion(user=user, program=program, completion=completion)
