"""Signals courses listens to: lab grades and officer profile changes."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from labs.signals import lab_graded
from lms.accounts.models import OfficerProfile


@receiver(lab_graded, dispatch_uid="courses_lab_graded")
def lab_graded_record(
    sender, *, user, lab, submission=None, passed: bool, **kwargs
) -> None:
    """A passed lab completes the lessons that hold it (and maybe the course)."""
    if passed:
        from courses.services import lab_pass_record

        lab_pass_record(user=user, lab=lab)


@receiver(post_save, sender=OfficerProfile, dispatch_uid="courses_officer_auto_assign")
def officer_profile_saved(
    sender, *, instance: OfficerProfile, raw: bool = False, **kwargs
) -> None:
    """A new data focal point or IT officer gets the programs assigned by flag."""
    if raw or not (instance.is_data_focal_point or instance.is_it_officer):
        return
    from courses.services import officer_auto_assign

    officer_auto_assign(user=instance.user)


def outline_receivers_connect() -> None:
    """Cached lesson outlines (courses.selectors) are retired on any change to a
    lesson, module or course, draft saves included: they are rare, reads are not."""
    from django.db.models.signals import post_delete
    from wagtail.models import Page
    from wagtail.signals import page_published, page_unpublished, post_page_move

    from courses.models import CourseModule, CoursePage, LessonPage
    from courses.selectors import outline_changed

    for sender in (LessonPage, CoursePage, CourseModule):
        post_save.connect(
            outline_changed,
            sender=sender,
            dispatch_uid=f"outline-saved-{sender.__name__}",
        )
    post_delete.connect(
        outline_changed, sender=Page, dispatch_uid="outline-page-deleted"
    )
    post_delete.connect(
        outline_changed, sender=CourseModule, dispatch_uid="outline-module-deleted"
    )
    page_published.connect(outline_changed, dispatch_uid="outline-published")
    page_unpublished.connect(outline_changed, dispatch_uid="outline-unpublished")
    post_page_move.connect(outline_changed, dispatch_uid="outline-moved")


outline_receivers_connect()
